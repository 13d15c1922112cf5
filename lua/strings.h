/* lua/strings.h: VLC 3's pure vlc.strings helpers, bound to core/uri.c,
 * core/xml.c and core/charset.c. */
#ifndef VN_LUA_STRINGS_H
#define VN_LUA_STRINGS_H

#include <lua.h>

/* Sets decode_uri, encode_uri_component, make_uri, make_path,
 * resolve_xml_special_chars, convert_xml_special_chars and from_charset in
 * the table on the stack top. */
void vn_lua_strings_register(lua_State *L);

#endif
