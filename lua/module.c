/* lua/module.c: `require "vlcnet"` from a stock Lua interpreter returns the net
 * table, with a descriptor table of its own per state. */
#include <lua.h>

#include "net.h"

int luaopen_vlcnet(lua_State *L);

int
luaopen_vlcnet(lua_State *L)
{
	return vn_lua_net_open(L);
}
