/* lua/strings.c: vlc.strings' pure helpers, as in VLC 3: the string work is
 * in core/ (uri.c, xml.c, charset.c), this file only checks arguments and
 * pushes results. Strings are byte strings both ways. */
#include <errno.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/charset.h"
#include "../core/uri.h"
#include "../core/xml.h"
#include "strings.h"

/* Pushes the result of a core call that returned rc: the string, or nil when
 * the input had none. Running out of memory is a Lua error, as it is for
 * Lua's own string functions. */
static void
push_result(lua_State *L, int rc, struct vn_str *s)
{
	if (rc == 0) {
		lua_pushlstring(L, s->p, s->n);
		free(s->p);
	} else if (errno == ENOMEM) {
		luaL_error(L, "not enough memory");
	} else {
		lua_pushnil(L);
	}
}

/* Applies f to every argument in place: f(a, b, ...) returns f(a), f(b), ... */
static int
each_arg(lua_State *L, int (*f)(const char *, size_t, struct vn_str *))
{
	int i, n = lua_gettop(L);

	for (i = 1; i <= n; i++) {
		size_t len;
		const char *s = luaL_checklstring(L, i, &len);
		struct vn_str r;

		push_result(L, f(s, len, &r), &r);
		lua_replace(L, i);
	}
	return n;
}

/* vlc.strings.decode_uri(s, ...): each decoded, nil for a bad escape. */
static int
decode_uri(lua_State *L)
{
	return each_arg(L, vn_uri_decode);
}

static int
encode_uri_component(lua_State *L)
{
	return each_arg(L, vn_uri_encode);
}

/* vlc.strings.make_uri(path [, scheme]): the URI, or nil for "". */
static int
make_uri(lua_State *L)
{
	size_t len;
	const char *path = luaL_checklstring(L, 1, &len);
	const char *scheme = luaL_optstring(L, 2, NULL);
	struct vn_str r;

	push_result(L, vn_uri_from_path(path, len, scheme, &r), &r);
	return 1;
}

/* vlc.strings.make_path(uri): the local path, or nil. */
static int
make_path(lua_State *L)
{
	size_t len;
	const char *uri = luaL_checklstring(L, 1, &len);
	struct vn_str r;

	push_result(L, vn_uri_to_path(uri, len, &r), &r);
	return 1;
}

static int
resolve_xml_special_chars(lua_State *L)
{
	return each_arg(L, vn_xml_decode);
}

/* convert_xml_special_chars(s, ...): each escaped, nil when not UTF-8. */
static int
convert_xml_special_chars(lua_State *L)
{
	return each_arg(L, vn_xml_encode);
}

/* vlc.strings.from_charset(charset, s): s in UTF-8, or "" when it cannot be
 * converted. */
static int
from_charset(lua_State *L)
{
	const char *charset = luaL_checkstring(L, 1);
	size_t len;
	const char *s = luaL_checklstring(L, 2, &len);
	struct vn_str r;

	push_result(L, vn_charset_to_utf8(charset, s, len, &r), &r);
	if (lua_isnil(L, -1))
		lua_pushliteral(L, "");
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "decode_uri", decode_uri },
	{ "encode_uri_component", encode_uri_component },
	{ "make_uri", make_uri },
	{ "make_path", make_path },
	{ "resolve_xml_special_chars", resolve_xml_special_chars },
	{ "convert_xml_special_chars", convert_xml_special_chars },
	{ "from_charset", from_charset },
	{ NULL, NULL }
};

void
vn_lua_strings_register(lua_State *L)
{
	luaL_register(L, NULL, funcs);
}
