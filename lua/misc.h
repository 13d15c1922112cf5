/* lua/misc.h: vlc.misc's copyright() and license(), which say vlcnet's. */
#ifndef VN_LUA_MISC_H
#define VN_LUA_MISC_H

#include <lua.h>

/* Sets copyright and license in the table on the stack top. */
void vn_lua_misc_register(lua_State *L);

#endif
