/* lua/net.h: the `net` table (VLC's vlc.net) bound to core/. */
#ifndef VN_LUA_NET_H
#define VN_LUA_NET_H

#include <lua.h>

#define VN_LISTENER "vlcnet.listener"

/* Create this state's descriptor table and push a new `net` table. */
int vn_lua_net_open(lua_State *L);
/* Push a listener object owning the already listening OS descriptors fds[]. */
void vn_lua_push_listener(lua_State *L, const int *fds, int n);
/* net.url_parse, shared with vlc.strings.url_parse. */
int vn_lua_url_parse(lua_State *L);

#endif
