/* lua/net.h: the `net` table (VLC's vlc.net) bound to core/. */
#ifndef VN_LUA_NET_H
#define VN_LUA_NET_H

#include <lua.h>

#define VN_LISTENER "vlcnet.listener"

/* Create this state's descriptor table and push a new `net` table. */
int vn_lua_net_open(lua_State *L);
/* Push a listener object owning the already listening OS descriptors fds[]. */
void vn_lua_push_listener(lua_State *L, const int *fds, int n);
struct vn_tls_ctx;
/* The listener at index i accepts TLS sessions of c from now on (lua/tls.h). */
void vn_lua_listener_set_tls(lua_State *L, int i, struct vn_tls_ctx *c);
struct vn_stat;
/* Set the fields of net.stat (core/fs.h's vn_stat_names) in the table on the
 * stack top; net.stat and the hooks' entries both use it. */
void vn_lua_setstat(lua_State *L, const struct vn_stat *st);
/* For tasks (lua/task_op.c): the listener at index i (an argument error otherwise). */
void *vn_lua_checklistener(lua_State *L, int i);
/* Its open slots and their OS descriptors (up to 16, core/net.h's
 * VN_MAXLISTEN), and its Unix path or NULL; returns how many. */
int vn_lua_listener_fds(void *l, int *slots, int *fds, const char **path);
/* Make fd, just accepted from listener l (non-blocking), a slot as
 * listener:accept does (a TLS session when the listener has one). The slot,
 * or -1 with the reason in why (fd is closed). */
#define VN_WHYLEN 256
int vn_lua_listener_adopt(void *l, int fd, char why[VN_WHYLEN]);

/* Raise the error "Interrupted." for a pending SIGINT/SIGTERM: the signal's
 * one report, wherever it is noticed (a net call's wait, vlc.misc.mwait, the
 * hook that stops busy Lua code). The stop hook is removed first, so a script
 * can catch the error with pcall like any other; the fallback that would kill
 * the process is cancelled. Does not return. */
int vn_lua_interrupted(lua_State *L);
/* net.url_parse, shared with vlc.strings.url_parse. */
int vn_lua_url_parse(lua_State *L);
/* Connect to host:port (through the proxy URL when not NULL: socks4://,
 * socks4a://, socks5://, http://, with user:pass@) within timeout ms (-1:
 * none). Returns a blocking descriptor, or -1 with the reason pushed; an
 * invalid URL raises an error, SIGINT/SIGTERM "Interrupted.". */
int vn_lua_connect(lua_State *L, const char *host, int port, const char *proxy,
                   int timeout);

#endif
