/* lua/misc.c: vlc.misc.copyright() and vlc.misc.license(). VLC's give VLC's
 * notices; these give vlcnet's, since a script runs under vlcnet. The terms
 * themselves are stated once, in debian/copyright (installed as
 * /usr/share/doc/vlcnet/copyright). */
#include <lauxlib.h>
#include <lua.h>

#include "misc.h"

static int
copyright(lua_State *L)
{
	lua_pushliteral(L, "Copyright \xc2\xa9 2026 the vlcnet authors");
	return 1;
}

static int
license(lua_State *L)
{
	lua_pushliteral(L,
	    "This program comes with NO WARRANTY, to the extent permitted by law.\n"
	    "The terms under which you may redistribute it are in the copyright\n"
	    "file distributed with it (/usr/share/doc/vlcnet/copyright when it\n"
	    "was installed from the Debian package).\n");
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "copyright", copyright },
	{ "license", license },
	{ NULL, NULL }
};

void
vn_lua_misc_register(lua_State *L)
{
	luaL_register(L, NULL, funcs);
}
