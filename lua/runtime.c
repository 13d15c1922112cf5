/* lua/runtime.c: the Lua state of a binary: libraries, `net`, the `vlc`
 * compatibility table, `arg`, script loading, errors and exit statuses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#if defined(__has_include)
#if __has_include(<luajit.h>)
#include <luajit.h>   /* only on LuaJIT's include path: names the flavour */
#endif
#endif

#include "../core/proc.h"
#include "../core/sig.h"
#include "fdtab.h"
#include "internal.h"
#include "misc.h"
#include "net.h"
#include "strings.h"
#include "../core/version.h"

static const char quit_key;  /* vlc.misc.quit() raises this light userdata */

/* The state SIGINT/SIGTERM must stop. A signal handler cannot find a state any
 * other way, so this is the runtime's one piece of process-wide state. */
static lua_State *volatile sig_state;

static void
stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	vn_lua_interrupted(L);
}

void
vn_rt_interrupt(int sig)
{
	(void)sig;
	if (sig_state)
		lua_sethook(sig_state, stop_hook,
		            LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static vn_rt *
getrt(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* --- vlc.msg, vlc.misc ---------------------------------------------------- */

/* vlc.msg.*: one stderr line per argument; upvalue 2 is the level word. */
static int
msg(lua_State *L)
{
	vn_rt *rt = getrt(L);
	const char *level = lua_tostring(L, lua_upvalueindex(2));
	int i, n = lua_gettop(L);

	if (!strcmp(level, "debug") && !rt->s.verbose)
		return 0;
	for (i = 1; i <= n; i++)
		vn_warn("%s: %s", level, luaL_checkstring(L, i));
	return 0;
}

static int
misc_version(lua_State *L)
{
	lua_pushstring(L, VN_VERSION);
	return 1;
}

static int
misc_quit(lua_State *L)
{
	lua_pushboolean(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, "vlcnet.quit");
	lua_pushlightuserdata(L, (void *)&quit_key);
	return lua_error(L);
}

int
vn_rt_quit_called(vn_rt *rt)
{
	int q;

	lua_getfield(rt->L, LUA_REGISTRYINDEX, "vlcnet.quit");
	q = lua_toboolean(rt->L, -1);
	lua_pop(rt->L, 1);
	return q;
}

static int
misc_should_die(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, "vlcnet.quit");
	lua_pushboolean(L, lua_toboolean(L, -1) || vn_sig_pending());
	return 1;
}

static double
mdate(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
misc_mdate(lua_State *L)
{
	lua_pushnumber(L, mdate());
	return 1;
}

/* vlc.misc.mwait(t): sleep until mdate() reaches t. Like every wait, it raises
 * "Interrupted." on SIGINT/SIGTERM, and at once when one is already pending. */
static int
misc_mwait(lua_State *L)
{
	double until = luaL_checknumber(L, 1);

	for (;;) {
		double left = until - mdate();
		struct timespec ts;

		if (!(left > 0))
			return 0;
		if (vn_sig_pending())
			return vn_lua_interrupted(L);
		if (left > 1e15)
			left = 1e15;
		ts.tv_sec = (time_t)(left / 1e6);
		ts.tv_nsec = (long)((left - ts.tv_sec * 1e6) * 1e3);
		nanosleep(&ts, NULL);  /* a signal ends it early: checked above */
	}
}

static void
setfunc(lua_State *L, vn_rt *rt, const char *name, lua_CFunction f)
{
	lua_pushlightuserdata(L, rt);
	lua_pushcclosure(L, f, 1);
	lua_setfield(L, -2, name);
}

static void
setmsg(lua_State *L, vn_rt *rt, const char *name, const char *level)
{
	lua_pushlightuserdata(L, rt);
	lua_pushstring(L, level);
	lua_pushcclosure(L, msg, 2);
	lua_setfield(L, -2, name);
}

/* The `vlc` table: vlc.net, vlc.strings, vlc.msg, vlc.misc. Expects `net` on
 * the stack top. */
static void
open_vlc(lua_State *L, vn_rt *rt)
{
	lua_newtable(L);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "net");

	lua_newtable(L);
	lua_getfield(L, -3, "url_parse");
	lua_setfield(L, -2, "url_parse");
	vn_lua_strings_register(L);
	lua_setfield(L, -2, "strings");

	lua_newtable(L);
	setmsg(L, rt, "dbg", "debug");
	setmsg(L, rt, "info", "info");
	setmsg(L, rt, "warn", "warning");
	setmsg(L, rt, "err", "error");
	lua_setfield(L, -2, "msg");

	lua_newtable(L);
	setfunc(L, rt, "version", misc_version);
	setfunc(L, rt, "quit", misc_quit);
	setfunc(L, rt, "should_die", misc_should_die);
	setfunc(L, rt, "mdate", misc_mdate);
	setfunc(L, rt, "mwait", misc_mwait);
	vn_lua_misc_register(L);
	lua_setfield(L, -2, "misc");

	lua_setglobal(L, "vlc");
}

/* package.path gets the script's directory and its modules/ first. */
static void
set_path(lua_State *L, const char *script)
{
	const char *slash = strrchr(script, '/');

	lua_getglobal(L, "package");
	if (slash)
		lua_pushlstring(L, script, (size_t)(slash - script));
	else
		lua_pushliteral(L, ".");
	lua_pushfstring(L, "%s/?.lua;%s/modules/?.lua;", lua_tostring(L, -1),
	                lua_tostring(L, -1));
	lua_remove(L, -2);
	lua_getfield(L, -2, "path");
	lua_concat(L, 2);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
}

#ifdef LUAJIT_VERSION
/* Lua 5.2's bit32 over LuaJIT's bit, whose results are signed: bit32's are
 * 0..2^32-1, and its shifts by 32 or more give 0. */
static const char bit32_code[] =
	"local b = require 'bit'\n"
	"local M = 4294967296\n"
	"local function u(x) return x % M end\n"
	"local band, bor, bxor, bnot = b.band, b.bor, b.bxor, b.bnot\n"
	"local shl, shr, sar = b.lshift, b.rshift, b.arshift\n"
	"local t = {}\n"
	"function t.band(...) if select('#', ...) == 0 then return M - 1 end return u(band(...)) end\n"
	"function t.bor(...) if select('#', ...) == 0 then return 0 end return u(bor(...)) end\n"
	"function t.bxor(...) if select('#', ...) == 0 then return 0 end return u(bxor(...)) end\n"
	"function t.btest(...) return t.band(...) ~= 0 end\n"
	"function t.bnot(x) return u(bnot(x)) end\n"
	"function t.lshift(x, n)\n"
	"  if n <= -32 or n >= 32 then return 0 end\n"
	"  if n < 0 then return u(shr(x, -n)) end return u(shl(x, n)) end\n"
	"function t.rshift(x, n)\n"
	"  if n <= -32 or n >= 32 then return 0 end\n"
	"  if n < 0 then return u(shl(x, -n)) end return u(shr(x, n)) end\n"
	"function t.arshift(x, n)\n"
	"  if n < 0 then return t.lshift(x, -n) end\n"
	"  if n >= 32 then n = 31 end return u(sar(x, n)) end\n"
	"function t.lrotate(x, n) return u(b.rol(x, n % 32)) end\n"
	"function t.rrotate(x, n) return u(b.ror(x, n % 32)) end\n"
	"local function mask(f, w)\n"
	"  w = w or 1\n"
	"  assert(f >= 0 and w > 0 and f + w <= 32, 'trying to access non-existent bits')\n"
	"  return w == 32 and -1 or shl(1, w) - 1, w end\n"
	"function t.extract(n, f, w) local m = mask(f, w) return u(band(shr(n, f), m)) end\n"
	"function t.replace(n, v, f, w) local m = mask(f, w)\n"
	"  return u(bor(band(n, bnot(shl(m, f))), shl(band(v, m), f))) end\n"
	"package.loaded.bit32 = t\n"
	"return t\n";
#endif

/* The global bit32 that scripts written for Lua 5.2 (ncat's among them) use:
 * Debian's lua-bit32 module for Lua 5.1, a table over `bit` for LuaJIT. Left
 * out, quietly, where neither exists. */
static void
open_bit32(lua_State *L)
{
#ifdef LUAJIT_VERSION
	if (luaL_loadbuffer(L, bit32_code, sizeof bit32_code - 1, "=bit32") != 0 ||
	    lua_pcall(L, 0, 1, 0) != 0) {
		lua_pop(L, 1);
		return;
	}
#else
	lua_getglobal(L, "require");
	lua_pushliteral(L, "bit32");
	if (lua_pcall(L, 1, 1, 0) != 0 || !lua_istable(L, -1)) {
		lua_pop(L, 1);
		return;
	}
#endif
	lua_setglobal(L, "bit32");
}

static int
setup(lua_State *L)
{
	vn_rt *rt = lua_touserdata(L, 1);
	int i;

	luaL_openlibs(L);
	open_bit32(L);
	vn_lua_net_open(L);
	lua_pushvalue(L, -1);
	lua_setglobal(L, "net");
	/* require "vlcnet" inside a binary gives the same table. */
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "loaded");
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "vlcnet");
	lua_pop(L, 2);
	open_vlc(L, rt);
	lua_pop(L, 1);

	lua_createtable(L, rt->s.argc, 1);
	lua_pushstring(L, rt->s.path ? rt->s.path : rt->s.prog);
	lua_rawseti(L, -2, 0);
	for (i = 0; i < rt->s.argc; i++) {
		lua_pushstring(L, rt->s.argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
	if (rt->s.path)
		set_path(L, rt->s.path);
	return 0;
}

vn_rt *
vn_rt_new(const struct vn_script *s)
{
	vn_rt *rt = calloc(1, sizeof *rt);

	if (!rt || !(rt->L = luaL_newstate()))
		vn_nomem();
	rt->s = *s;
	rt->where_ref = rt->print_ref = LUA_NOREF;
	rt->nchunks = -1;
	if (lua_cpcall(rt->L, setup, rt) != 0)
		vn_nomem();   /* the only error setting up can raise */
	sig_state = rt->L;
	return rt;
}

void
vn_rt_free(vn_rt *rt)
{
	if (!rt)
		return;
	if (sig_state == rt->L)
		sig_state = NULL;
	lua_close(rt->L);
	fflush(stdout);
	free(rt);
}

struct setarg { const char *name; const int *fds; int n; int slot; };

static int
set_fd(lua_State *L)
{
	struct setarg *a = lua_touserdata(L, 1);

	a->slot = vn_fdtab_add(vn_fdtab_of(L), a->fds[0]);
	lua_pushinteger(L, a->slot);
	lua_setglobal(L, a->name);
	return 0;
}

static int
set_listener(lua_State *L)
{
	struct setarg *a = lua_touserdata(L, 1);

	vn_lua_push_listener(L, a->fds, a->n);
	lua_setglobal(L, a->name);
	return 0;
}

int
vn_rt_set_fd(vn_rt *rt, const char *name, int fd)
{
	struct setarg a = { name, &fd, 1, -1 };

	if (lua_cpcall(rt->L, set_fd, &a) != 0)
		lua_pop(rt->L, 1);
	return a.slot;
}

void
vn_rt_set_listener(vn_rt *rt, const char *name, const int *fds, int n)
{
	struct setarg a = { name, fds, n, -1 };

	if (lua_cpcall(rt->L, set_listener, &a) != 0)
		vn_rt_report(rt);
}

void
vn_rt_set_string(vn_rt *rt, const char *name, const char *value)
{
	lua_pushstring(rt->L, value);
	lua_setglobal(rt->L, name);
}

/* --- errors ---------------------------------------------------------------- */

/* Message handler: any error object becomes a string (quit stays itself); under
 * -v a traceback follows. */
static int
msgh(lua_State *L)
{
	vn_rt *rt = getrt(L);

	if (lua_touserdata(L, 1) == &quit_key)
		return 1;
	if (!lua_isstring(L, 1)) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_isstring(L, -1))
			;
		else
			lua_pushfstring(L, "(error object is a %s value)",
			                luaL_typename(L, 1));
		lua_replace(L, 1);
		lua_settop(L, 1);
	}
	if (!rt->s.verbose)
		return 1;
	lua_getglobal(L, "debug");
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return 1;
	}
	lua_getfield(L, -1, "traceback");
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 2);
		return 1;
	}
	lua_pushvalue(L, 1);
	lua_pushinteger(L, 2);
	lua_call(L, 2, 1);
	return 1;
}

int
vn_rt_pcall(vn_rt *rt, int nargs, int nresults)
{
	lua_State *L = rt->L;
	int base = lua_gettop(L) - nargs, r;

	lua_pushlightuserdata(L, rt);
	lua_pushcclosure(L, msgh, 1);
	lua_insert(L, base);
	r = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	return r;
}

void
vn_rt_report(vn_rt *rt)
{
	const char *m = lua_tostring(rt->L, -1);

	vn_warn("%s", m ? m : "(error object is not a string)");
	lua_pop(rt->L, 1);
}

/* --- running --------------------------------------------------------------- */

int
vn_rt_load(vn_rt *rt)
{
	lua_State *L = rt->L;
	int i;

	if (rt->nchunks >= 0)
		return 0;
	for (i = 0; i < rt->s.nexec; i++)
		if (luaL_loadbuffer(L, rt->s.exec[i], strlen(rt->s.exec[i]),
		                    "=(command line)") != 0)
			goto fail;
	if (rt->s.path && luaL_loadfile(L, rt->s.path) != 0)
		goto fail;
	rt->nchunks = lua_gettop(L);
	return 0;
fail:
	vn_rt_report(rt);
	lua_settop(L, 0);
	return 2;
}

vn_rt *
vn_rt_open(const struct vn_script *s, int *status)
{
	vn_rt *rt = vn_rt_new(s);

	*status = 1;
	if (rt && (*status = vn_rt_load(rt)) != 0) {
		vn_rt_free(rt);
		rt = NULL;
	}
	return rt;
}

int
vn_rt_run(vn_rt *rt)
{
	lua_State *L = rt->L;
	int i, n, r;

	if ((r = vn_rt_load(rt)) != 0)
		return r;
	/* The chunks are on the stack in order: run the first, then the next… */
	n = rt->nchunks;
	rt->nchunks = 0;
	for (i = 0; i < n; i++) {
		int nargs = 0;

		lua_pushvalue(L, i - n);
		if (rt->s.path && i == n - 1) {
			int k;

			luaL_checkstack(L, rt->s.argc + 1, "too many arguments");
			for (k = 0; k < rt->s.argc; k++)
				lua_pushstring(L, rt->s.argv[k]);
			nargs = rt->s.argc;
		}
		r = vn_rt_pcall(rt, nargs, 0);
		if (r != 0) {
			int quit = lua_touserdata(L, -1) == &quit_key;

			/* quit ends quietly; so does an interrupt, whose status
			 * comes from the signal. */
			if (quit || vn_sig_pending() || vn_sig_quitting())
				lua_pop(L, 1);
			else
				vn_rt_report(rt);
			lua_settop(L, 0);
			return quit || vn_sig_quitting() ? 0 :
			       vn_sig_pending() ? 128 + vn_sig_pending() : 1;
		}
	}
	lua_settop(L, 0);
	fflush(stdout);
	return 0;
}

int
vn_rt_compiles(const char *code)
{
	lua_State *L = luaL_newstate();
	int ok;

	if (!L)
		vn_nomem();
	ok = luaL_loadbuffer(L, code, strlen(code), "=(command line)") == 0;
	lua_close(L);
	return ok;
}

const char *
vn_rt_lua_version(void)
{
#ifdef LUAJIT_VERSION
	return LUAJIT_VERSION;
#else
	return LUA_RELEASE;
#endif
}
