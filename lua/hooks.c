/* lua/hooks.c: the per-entry hooks of vlcnet-stat and vlcnet-ls: the script's
 * global each(e), and the --where and --print expressions. */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/fs.h"
#include "../core/sig.h"
#include "internal.h"
#include "net.h"

/* registry[&hooks_key] is the hooks' table: [1] the entry being looked at (the
 * variables of --where/--print), [2] each or nil, [3] the step function. */
static const char hooks_key;
enum { H_ENTRY = 1, H_EACH, H_STEP };

struct step {
	vn_rt *rt;
	const char *name, *path;
	const struct vn_stat *st;
	enum vn_each code;
};

static void
push_hooks(lua_State *L)
{
	lua_pushlightuserdata(L, (void *)&hooks_key);
	lua_rawget(L, LUA_REGISTRYINDEX);
}

/* __index of the expressions' environment: the entry's field, else the global. */
static int
env_index(lua_State *L)
{
	lua_rawgeti(L, lua_upvalueindex(1), H_ENTRY);
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	if (!lua_isnil(L, -1))
		return 1;
	lua_pushvalue(L, 2);
	lua_gettable(L, LUA_GLOBALSINDEX);
	return 1;
}

/* The entry table: name, path and the fields of net.stat. */
static void
push_entry(lua_State *L, const struct step *a)
{
	lua_createtable(L, 0, VN_STAT_NFIELDS + 2);
	lua_pushstring(L, a->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, a->path);
	lua_setfield(L, -2, "path");
	vn_lua_setstat(L, a->st);
}

/* What a hook's value on the stack top means: skip, the default line, or the
 * string itself (VN_EACH_LINE, left on the stack); anything else is a Lua
 * error. */
static enum vn_each
verdict(lua_State *L, const char *who)
{
	int t = lua_type(L, -1);

	if (t == LUA_TSTRING || t == LUA_TNUMBER) {
		lua_tostring(L, -1);
		return VN_EACH_LINE;
	}
	if (t == LUA_TNIL || t == LUA_TBOOLEAN)
		return lua_toboolean(L, -1) ? VN_EACH_DEFAULT : VN_EACH_SKIP;
	return (enum vn_each)luaL_error(L, "%s returned a %s (a string, true, false or nil was expected)",
	                  who, lua_typename(L, t));
}

/* Run inside vn_rt_pcall: --where, then each, then --print. Returns the line
 * when there is one. */
static int
step(lua_State *L)
{
	struct step *a = lua_touserdata(L, 1);
	vn_rt *rt = a->rt;
	enum vn_each code = VN_EACH_DEFAULT;

	lua_settop(L, 0);
	push_hooks(L);                      /* 1 */
	push_entry(L, a);                   /* 2 */
	if (rt->where_ref != LUA_NOREF || rt->print_ref != LUA_NOREF) {
		lua_pushvalue(L, 2);
		lua_rawseti(L, 1, H_ENTRY);
	}
	if (rt->where_ref != LUA_NOREF) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, rt->where_ref);
		lua_call(L, 0, 1);
		if (!lua_toboolean(L, -1)) {
			a->code = VN_EACH_SKIP;
			return 0;
		}
		lua_pop(L, 1);
	}
	lua_rawgeti(L, 1, H_EACH);
	if (lua_isfunction(L, -1)) {
		lua_pushvalue(L, 2);
		lua_call(L, 1, 1);
		code = verdict(L, "each");
		if (code != VN_EACH_DEFAULT) {
			a->code = code;
			return code == VN_EACH_LINE;
		}
	}
	lua_pop(L, 1);
	if (rt->print_ref != LUA_NOREF) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, rt->print_ref);
		lua_call(L, 0, 1);
		code = verdict(L, "--print");
		a->code = code;
		return code == VN_EACH_LINE;
	}
	a->code = code;
	return 0;
}

/* Compile "return (EXPR)" with the entry's environment; 0, or 2 after the
 * message. */
static int
compile(vn_rt *rt, const char *what, const char *expr, int *ref)
{
	lua_State *L = rt->L;
	char chunk[16];

	snprintf(chunk, sizeof chunk, "=%s", what);
	lua_pushliteral(L, "return (");
	lua_pushstring(L, expr);
	lua_pushliteral(L, "\n)");
	lua_concat(L, 3);
	if (luaL_loadbuffer(L, lua_tostring(L, -1), lua_objlen(L, -1), chunk) != 0) {
		lua_remove(L, -2);
		vn_rt_report(rt);
		return 2;
	}
	lua_remove(L, -2);
	lua_pushvalue(L, -2);               /* the environment */
	lua_setfenv(L, -2);
	*ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

/* Compile --where and --print (either may be NULL): 0, or 2 after printing the
 * Lua message. */
static int
hooks_init(vn_rt *rt, const char *where, const char *print)
{
	lua_State *L = rt->L;
	int r = 0;

	lua_settop(L, 0);
	lua_pushlightuserdata(L, (void *)&hooks_key);
	lua_createtable(L, 3, 0);
	lua_getglobal(L, "each");
	if (lua_isfunction(L, -1))
		lua_rawseti(L, -2, H_EACH);
	else
		lua_pop(L, 1);
	lua_pushcfunction(L, step);
	lua_rawseti(L, -2, H_STEP);
	lua_rawset(L, LUA_REGISTRYINDEX);

	/* One environment for both expressions: reads fall through to the
	 * current entry, then to the globals. */
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	push_hooks(L);
	lua_pushcclosure(L, env_index, 1);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	if (where)
		r = compile(rt, "--where", where, &rt->where_ref);
	if (!r && print)
		r = compile(rt, "--print", print, &rt->print_ref);
	lua_settop(L, 0);
	return r;
}

int
vn_rt_hooks_active(vn_rt *rt)
{
	lua_State *L;
	int each;

	if (!rt)
		return 0;
	if (rt->where_ref != LUA_NOREF || rt->print_ref != LUA_NOREF)
		return 1;
	L = rt->L;
	push_hooks(L);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	lua_rawgeti(L, -1, H_EACH);
	each = lua_isfunction(L, -1);
	lua_pop(L, 2);
	return each;
}

enum vn_each
vn_rt_each(vn_rt *rt, const char *name, const char *path,
           const struct vn_stat *st, const char **line, size_t *len)
{
	lua_State *L = rt->L;
	struct step a = { rt, name, path, st, VN_EACH_SKIP };

	lua_settop(L, 0);
	push_hooks(L);
	lua_rawgeti(L, -1, H_STEP);
	lua_remove(L, -2);
	lua_pushlightuserdata(L, &a);
	if (vn_rt_pcall(rt, 1, 1) != 0) {
		int quit;

		lua_getfield(L, LUA_REGISTRYINDEX, "vlcnet.quit");
		quit = lua_toboolean(L, -1);
		lua_pop(L, 1);
		if (quit || vn_sig_pending() || vn_sig_quitting())
			lua_pop(L, 1);
		else
			vn_rt_report(rt);
		return quit || vn_sig_quitting() ? VN_EACH_QUIT : VN_EACH_ERROR;
	}
	if (a.code == VN_EACH_LINE)
		*line = lua_tolstring(L, -1, len);
	return a.code;
}

vn_rt *
vn_rt_hooks_open(const struct vn_script *s, const char *where,
                 const char *print, int *status)
{
	vn_rt *rt = vn_rt_new(s);

	*status = 1;
	if (!rt)
		return NULL;
	*status = vn_rt_run(rt);
	if (!*status)
		*status = hooks_init(rt, where, print);
	if (*status || vn_rt_quit_called(rt)) {
		vn_rt_free(rt);
		return NULL;
	}
	return rt;
}
