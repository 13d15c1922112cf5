/* test/fuzz/lua_fuzz.c: every function of the `net` table and every listener
 * method (and the vlc.strings helpers of lua/strings.c), called with argument values and types decoded from the input: nil,
 * booleans, integers (negative, huge, 2^31, 1e300, inf, NaN), strings (empty,
 * with NULs, numeric ones that Lua converts), tables (poll-style ones with odd
 * keys), functions, listeners and foreign userdata. Each call goes through
 * lua_pcall, so Lua errors are fine; a crash, a sanitizer report or a hang
 * (libFuzzer -timeout) is a finding.
 *
 * Each input gets a fresh lua_State, closed at the end, which closes every
 * descriptor the state opened. Nothing may block, so the harness rewrites the
 * arguments that would: poll always gets a timeout of 0; recv/read only reach a
 * blocking descriptor that poll says is readable (the sockets accept and
 * connect_tcp return are non-blocking, as in VLC, so recv on them runs as it
 * comes and meets "nothing there yet"); accept only a listener with a
 * connection pending (the harness connects first); listen_tcp binds only
 * 127.0.0.1 port 0; connect_tcp reaches only 127.0.0.1/::1 on one of this
 * input's listeners (or port 1), within 0-50 ms; send/write carry at most
 * MAX_SENT bytes per input. Writes to slot 2 go to slot 1, which is /dev/null,
 * as is stdin.
 *
 * The Unix, UDP and TLS functions (one first byte in 16 picks one) reach only what
 * the harness names: listen_unix binds an abstract name or a file in a
 * directory the harness made (or a path too long to bind), connect_unix one of
 * those; listen_udp binds 127.0.0.1 or ::1 port 0, connect_udp and sendto reach
 * 127.0.0.1 or ::1 port 1 or 9; recvfrom, as recv, reaches a blocking
 * descriptor only when poll says it is readable. net.tls and net.connect_tls
 * (which reaches the same peers as connect_tcp) always get an options table
 * with a timeout of 0-50 ms: no peer here speaks TLS, and a handshake would
 * wait for it.
 * Tasks: net.spawn (of a worker that polls for at most 4 ms and receives or
 * sends only what poll says is ready), net.sleep (0-4 ms), net.serve (on the
 * listeners the harness keeps), net.run (after spawning a task that closes
 * those listeners, which ends their serve tasks).
 * Each argument keeps its fuzzed type where the type alone decides (argument
 * errors, NUL bytes in paths, bad ports). */
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "../../core/net.h"
#include "../../lua/fdtab.h"
#include "../../lua/net.h"
#include "../../lua/strings.h"

enum { MAX_OPS = 200, MAX_LISTENS = 8, MAX_CONNECTS = 32, MAX_CLIENTS = 64 };
/* Bytes sent per input: a peer that never reads must not fill the socket
 * buffers, or a blocking send would wait forever. */
enum { MAX_SENT = 32768 };

struct in {
	const uint8_t *p;
	size_t n;
};

/* What one input has opened outside the Lua state. */
struct run {
	struct in in;
	lua_State *L;
	int net;                   /* stack index of the net table */
	int objs;                  /* stack index of the listeners table */
	int strings;               /* stack index of a vlc.strings table */
	int nobjs;
	int listens, connects;
	size_t sent;
	int clients[MAX_CLIENTS];  /* client ends the harness connected */
	int served;                /* net.serve ran on a kept listener: keep them
	                              all, for the closer that ends net.run */
	int nclients;
};

static uint8_t
byte(struct in *in)
{
	uint8_t b;

	if (in->n == 0)
		return 0;
	b = *in->p++;
	in->n--;
	return b;
}

static uint32_t
word(struct in *in)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 8 | byte(in);
	return v;
}

static const lua_Number specials[] = {
	0, -0.0, 1, -1, 2, 3, 4, 0.5, 3.5, 65535, 65536, 70000, 2147483647.0,
	2147483648.0, -2147483648.0, -2147483649.0, 4294967296.0, 9007199254740993.0,
	9223372036854775808.0, -9223372036854775808.0, 1e9, 1e300, -1e300, 5e-324,
	HUGE_VAL, -HUGE_VAL, NAN, 1 << 20, (1 << 20) + 1, 100000,
};

static const char *const numstrs[] = {
	"3", " 80", "0x10", "1e2", "-1", "nan", "inf", "4294967296", "3.0", "",
	"1e300", "0", "  3  ", "127.0.0.1", "::1", "[::1", "*", "a..b", "80 ",
};

static const char *const poll_keys_odd[] = { "x", "", "3" };

static char sockdir[64];   /* the directory for listen_unix's socket files */

/* Every listener removed its file when its state closed: the directory is
 * empty at exit. */
static void
remove_sockdir(void)
{
	rmdir(sockdir);
}

static void push_value(struct run *r, int depth);

static void
push_number(struct run *r)
{
	lua_pushnumber(r->L, specials[byte(&r->in) % (sizeof specials / sizeof *specials)]);
}

/* A table of decoded keys and values; keys Lua cannot hold (nil, NaN) are
 * skipped, since lua_rawset would raise outside any pcall. */
static void
push_table(struct run *r, int depth)
{
	lua_State *L = r->L;
	int n = byte(&r->in) % 8, i;

	lua_createtable(L, 0, n);
	for (i = 0; i < n; i++) {
		push_value(r, depth + 1);
		if (lua_isnil(L, -1) || (lua_type(L, -1) == LUA_TNUMBER &&
		    isnan(lua_tonumber(L, -1)))) {
			lua_pop(L, 1);
			continue;
		}
		push_value(r, depth + 1);
		lua_rawset(L, -3);
	}
}

/* A table as net.poll takes it, with odd keys and event values among the
 * ordinary ones. */
static void
push_poll_table(struct run *r)
{
	lua_State *L = r->L;
	int n = byte(&r->in) % 12, i;

	lua_createtable(L, 0, n);
	for (i = 0; i < n; i++) {
		uint8_t k = byte(&r->in);

		if (k < 160)
			lua_pushinteger(L, k % 20);
		else if (k < 240)
			push_number(r);
		else
			lua_pushstring(L, poll_keys_odd[k % 3]);
		if (lua_type(L, -1) == LUA_TNUMBER && isnan(lua_tonumber(L, -1)))
			lua_pushinteger(L, 1) , lua_replace(L, -2);
		k = byte(&r->in);
		if (k < 128)
			lua_pushinteger(L, k % 8);
		else if (k < 192)
			lua_pushinteger(L, -(lua_Integer)(k % 8));
		else if (k < 240)
			push_number(r);
		else
			push_value(r, 2);
		lua_rawset(L, -3);
	}
}

static int
noop(lua_State *L)
{
	lua_pushinteger(L, 3);
	return 1;
}

static void
push_value(struct run *r, int depth)
{
	lua_State *L = r->L;
	uint8_t t = byte(&r->in);
	size_t len, i;
	char buf[256];

	switch (depth > 2 ? t % 10 : t % 17) {
	case 0: lua_pushnil(L); break;
	case 1: lua_pushboolean(L, t & 0x80); break;
	case 2: lua_pushinteger(L, (int8_t)byte(&r->in)); break;
	case 3: lua_pushinteger(L, byte(&r->in) % 12); break;   /* a slot */
	case 4: push_number(r); break;
	case 5: {
		uint64_t bits = (uint64_t)word(&r->in) << 32 | word(&r->in);
		lua_Number d;

		memcpy(&d, &bits, sizeof d);
		lua_pushnumber(L, d);
		break;
	}
	case 6: lua_pushnumber(L, (int32_t)word(&r->in)); break;
	case 7:
		len = byte(&r->in) % 32;
		for (i = 0; i < len; i++)
			buf[i] = (char)byte(&r->in);
		lua_pushlstring(L, buf, len);
		break;
	case 8: lua_pushliteral(L, ""); break;
	case 9:
		lua_pushstring(L, numstrs[byte(&r->in) % (sizeof numstrs / sizeof *numstrs)]);
		break;
	case 10: push_table(r, depth); break;
	case 11: push_poll_table(r); break;
	case 12: lua_pushcfunction(L, noop); break;
	case 13:
		/* A listener of this input, or a userdata of another kind. */
		if (r->nobjs > 0)
			lua_rawgeti(L, r->objs, 1 + byte(&r->in) % r->nobjs);
		else
			lua_newuserdata(L, 8);
		break;
	case 14: {
		/* Up to 64 KiB of one byte, NULs included. */
		luaL_Buffer b;

		len = (size_t)byte(&r->in) << 8;
		t = byte(&r->in);
		luaL_buffinit(L, &b);
		for (i = 0; i < len; i++)
			luaL_addchar(&b, (char)t);
		luaL_pushresult(&b);
		break;
	}
	case 15:
		lua_newuserdata(L, 1);
		break;
	default: {
		/* A sequence 1..n of POLLIN, the common poll table. */
		int n = byte(&r->in) + 1, k;

		lua_createtable(L, n, 0);
		for (k = 1; k <= n; k++) {
			lua_pushinteger(L, POLLIN);
			lua_rawseti(L, -2, k);
		}
		break;
	}
	}
}

/* Whether stack value i is a listener (its metatable is VN_LISTENER's). */
static int
is_listener(lua_State *L, int i)
{
	int yes;

	if (!lua_isuserdata(L, i) || !lua_getmetatable(L, i))
		return 0;
	luaL_getmetatable(L, VN_LISTENER);
	yes = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	return yes;
}

/* The OS descriptor behind stack value i taken as a slot, or -1. */
static int
os_fd(lua_State *L, int i)
{
	if (!lua_isnumber(L, i))
		return -1;
	return vn_fdtab_get(vn_fdtab_of(L), lua_tonumber(L, i));
}

/* Whether a valid port: the test net.c makes before resolving anything. */
static int
valid_port(lua_State *L, int i)
{
	lua_Number p;

	if (!lua_isnumber(L, i))
		return 0;
	p = lua_tonumber(L, i);
	return p >= 0 && p <= 65535 && p == (int)p;
}

/* The live listening slots of the listener at stack index i (through its own
 * fds method), and its port in *port. */
static int
live_slots(struct run *r, int i, int *port)
{
	lua_State *L = r->L;
	int top = lua_gettop(L), n;

	lua_getfield(L, i, "port");
	lua_pushvalue(L, i);
	if (lua_pcall(L, 1, 1, 0) != 0) {
		lua_settop(L, top);
		return 0;
	}
	*port = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, i, "fds");
	lua_pushvalue(L, i);
	if (lua_pcall(L, 1, LUA_MULTRET, 0) != 0) {
		lua_settop(L, top);
		return 0;
	}
	n = lua_gettop(L) - top;
	lua_settop(L, top);
	return n;
}

/* Whether accept(listener at stack index i) returns at once: the listener has
 * no live socket, or the harness has just queued a connection on it. */
static int
accept_ready(struct run *r, int i)
{
	struct vn_err e;
	int port = 0, fd;

	if (!is_listener(r->L, i))
		return 1;                       /* an argument error */
	if (live_slots(r, i, &port) == 0)
		return 1;                       /* -1, "listener is closed" */
	if (r->nclients == MAX_CLIENTS || port <= 0)
		return 0;
	fd = vn_connect_tcp("127.0.0.1", port, AF_INET, 50, &e);
	if (fd < 0)
		return 0;
	r->clients[r->nclients++] = fd;
	return 1;
}

/* A port of one of this input's listeners, or 1 (nothing listens there). */
static int
some_port(struct run *r)
{
	int i = lua_gettop(r->L), port = 1;

	if (r->nobjs > 0) {
		lua_rawgeti(r->L, r->objs, 1 + byte(&r->in) % r->nobjs);
		if (live_slots(r, i + 1, &port) == 0)
			port = 1;
	}
	lua_settop(r->L, i);
	return port;
}

static void
call(struct run *r, int base, int nres)
{
	lua_State *L = r->L;
	int i, nres_got;

	if (lua_pcall(L, lua_gettop(L) - base - 1, nres, 0) != 0) {
		lua_settop(L, base);
		return;
	}
	/* Keep the listeners returned, for later calls. */
	nres_got = lua_gettop(L) - base;
	for (i = 1; i <= nres_got; i++)
		if (is_listener(L, base + i) && r->nobjs < 64) {
			lua_pushvalue(L, base + i);
			lua_rawseti(L, r->objs, ++r->nobjs);
		}
	lua_settop(L, base);
}

enum {
	OP_LISTEN, OP_LISTEN_ARGS, OP_CONNECT, OP_SEND, OP_RECV, OP_READ, OP_WRITE,
	OP_CLOSE, OP_POLL, OP_STAT, OP_LSTAT, OP_OPENDIR, OP_URL, OP_ACCEPT,
	OP_L_ACCEPT, OP_L_FDS, OP_L_CLOSE, OP_L_PORT, OP_L_TOSTRING, OP_GC,
	OP_STRINGS, OP_COUNT
};

static const char *const names[OP_COUNT] = {
	"listen_tcp", "listen_tcp", "connect_tcp", "send", "recv", "read", "write",
	"close", "poll", "stat", "lstat", "opendir", "url_parse", "accept",
	"accept", "fds", "close", "port", "__tostring", NULL, NULL,
};

/* --- vlc.strings (lua/strings.c): pure functions, any arguments ----------- */

static const char *const strings_funcs[] = {
	"decode_uri", "encode_uri_component", "make_uri", "make_path",
	"resolve_xml_special_chars", "convert_xml_special_chars", "from_charset",
};

static const char *const charsets[] = {
	"UTF-8", "ISO-8859-1", "UTF-16", "UTF-16LE", "UTF-32", "CP1252",
	"ISO-2022-JP", "SHIFT_JIS", "no-such-charset", "", "UTF-8//TRANSLIT",
};

/* One call of a vlc.strings function with 0-4 decoded arguments; from_charset
 * mostly gets a charset name iconv knows. */
static void
strings_step(struct run *r)
{
	lua_State *L = r->L;
	int f = byte(&r->in) % (int)(sizeof strings_funcs / sizeof *strings_funcs);
	int base = lua_gettop(L), nargs = byte(&r->in) % 5, i;

	lua_getfield(L, r->strings, strings_funcs[f]);
	for (i = 0; i < nargs; i++) {
		if (i == 0 && f == 6 && (byte(&r->in) & 3))
			lua_pushstring(L, charsets[byte(&r->in) %
			    (sizeof charsets / sizeof *charsets)]);
		else
			push_value(r, 0);
	}
	call(r, base, LUA_MULTRET);
}

enum {
	XOP_LISTEN_UNIX = OP_COUNT, XOP_CONNECT_UNIX, XOP_LISTEN_UDP,
	XOP_CONNECT_UDP, XOP_SENDTO, XOP_RECVFROM, XOP_TLS, XOP_CONNECT_TLS,
	XOP_SPAWN, XOP_SLEEP, XOP_SERVE, XOP_RUN, XOP_END
};

static const char *const xnames[XOP_END - OP_COUNT] = {
	"listen_unix", "connect_unix", "listen_udp", "connect_udp", "sendto",
	"recvfrom", "tls", "connect_tls", "spawn", "sleep", "serve", "run",
};

/* Ends net.run: a task that closes every listener the harness kept (which
 * ends their serve tasks) after 0-4 ms. The other tasks the harness spawns
 * run C functions that return at once, or the task below. */
static const char closer_code[] =
	"local net, objs, n, ms = ...\n"
	"net.sleep(ms)\n"
	"for i = 1, n do objs[i]:close() end\n";

/* A task that uses the blocking calls inside a task, on what the harness
 * made safe: a poll of 0-4 ms on its table, then recv/send/recvfrom only on
 * what it said is ready, and a sleep. Not under pcall: on Lua 5.1 a wait
 * inside pcall in a task leaves its waiters in the loop, a known defect
 * (regressions/lua/defect-yield-in-pcall-spins) not fixed yet. */
static const char worker_code[] =
	"local net, t, slot, ms, data = ...\n"
	"if type(t) == 'table' then net.poll(t, ms) end\n"
	"if type(slot) == 'number' then\n"
	"  local p = { [slot] = net.POLLIN }\n"
	"  if net.poll(p, ms) > 0 and p[slot] == net.POLLIN then\n"
	"    net.recv(slot, 100)\n"
	"  end\n"
	"  p[slot] = net.POLLOUT\n"
	"  if net.poll(p, 0) > 0 and p[slot] == net.POLLOUT and slot > 2 then\n"
	"    net.send(slot, tostring(data):sub(1, 64))\n"
	"  end\n"
	"end\n"
	"net.sleep(ms)\n";

/* net.spawn of the worker above with decoded arguments, or of whatever the
 * input decodes (C functions that return at once, or values spawn refuses). */
static void
task_spawn_worker(struct run *r, int base)
{
	lua_State *L = r->L;

	lua_settop(L, base + 1);           /* net.spawn */
	if (luaL_loadbuffer(L, worker_code, sizeof worker_code - 1, "=worker") != 0) {
		lua_settop(L, base);
		return;
	}
	lua_pushvalue(L, r->net);
	push_poll_table(r);
	push_value(r, 0);
	lua_pushinteger(L, byte(&r->in) % 5);
	push_value(r, 0);
}

/* Replace the path at stack index i, when it is one the kernel would take, by
 * one the harness chose: an abstract name or a file of sockdir (four of each,
 * so that some are in use or stale), or a path too long for sun_path. */
static void
safe_path(struct run *r, int i)
{
	lua_State *L = r->L;
	uint8_t k = byte(&r->in);
	char path[320];
	size_t len;
	const char *s;

	if (lua_type(L, i) != LUA_TSTRING && lua_type(L, i) != LUA_TNUMBER)
		return;
	s = lua_tolstring(L, i, &len);
	if (len == 0 || strlen(s) != len)
		return;             /* "empty path", or an argument error */
	if (k % 3 == 0)
		snprintf(path, sizeof path, "@vlcnet-fuzz-%ld-%d", (long)getpid(), k % 4);
	else if (k % 3 == 1)
		snprintf(path, sizeof path, "%s/s%d", sockdir, k % 4);
	else
		snprintf(path, sizeof path, "%s/%0200d", sockdir, 0);
	lua_pushstring(L, path);
	lua_replace(L, i);
}

/* send, write, sendto: never to slot 2 (stderr: stdout instead), and no more
 * than MAX_SENT bytes in all. */
static void
bound_send(struct run *r, int base, int nargs)
{
	lua_State *L = r->L;

	if (nargs >= 1 && lua_isnumber(L, base + 2) && lua_tonumber(L, base + 2) == 2) {
		lua_pushinteger(L, 1);
		lua_replace(L, base + 2);
	}
	if (nargs >= 2 && lua_type(L, base + 3) == LUA_TSTRING) {
		size_t len;
		const char *s = lua_tolstring(L, base + 3, &len);

		if (len > MAX_SENT - r->sent) {
			len = MAX_SENT - r->sent;
			lua_pushlstring(L, s, len);
			lua_replace(L, base + 3);
		}
		r->sent += len;
	}
}

/* Replace a host and a valid port by loopback ones nothing answers on. */
static void
safe_peer(struct run *r, int host, int port)
{
	lua_State *L = r->L;
	uint8_t k = byte(&r->in);

	lua_pushstring(L, k & 1 ? "::1" : "127.0.0.1");
	lua_replace(L, host);
	if (valid_port(L, port)) {
		lua_pushinteger(L, k & 2 ? 9 : 1);
		lua_replace(L, port);
	}
}

/* The options of net.tls/connect_tls at stack index i: absent or nil become
 * a table, and a table gets a timeout of 0-50 ms, so that a handshake with a
 * peer that never answers (every peer here) ends. Other types stay, to be
 * refused. */
static void
bound_tls_opts(struct run *r, int i)
{
	lua_State *L = r->L;

	if (lua_isnoneornil(L, i)) {
		lua_settop(L, i - 1);
		lua_newtable(L);
	}
	if (lua_istable(L, i)) {
		lua_pushinteger(L, byte(&r->in) % 51);
		lua_setfield(L, i, "timeout");
	}
}

/* Whether the value at i is one of the listeners the harness keeps. */
static int
kept(struct run *r, int i)
{
	lua_State *L = r->L;
	int k, found = 0;

	for (k = 1; k <= r->nobjs && !found; k++) {
		lua_rawgeti(L, r->objs, k);
		found = lua_rawequal(L, -1, i);
		lua_pop(L, 1);
	}
	return found;
}

/* One call of a Unix, UDP or TLS function, its arguments made safe. */
static void
step_transport(struct run *r, int op)
{
	lua_State *L = r->L;
	int base = lua_gettop(L), nargs = byte(&r->in) % 5, i;

	lua_getfield(L, r->net, xnames[op - OP_COUNT]);
	for (i = 0; i < nargs; i++)
		push_value(r, 0);
	switch (op) {
	case XOP_LISTEN_UNIX:
		if (nargs >= 1 && r->listens++ >= MAX_LISTENS)
			goto skip;
		/* fall through */
	case XOP_CONNECT_UNIX:
		if (nargs >= 1)
			safe_path(r, base + 2);
		break;
	case XOP_LISTEN_UDP:
		if (nargs >= 2 && valid_port(L, base + 3)) {
			if (r->listens++ >= MAX_LISTENS)
				goto skip;
			lua_pushstring(L, byte(&r->in) & 1 ? "::1" : "127.0.0.1");
			lua_replace(L, base + 2);
			lua_pushinteger(L, 0);
			lua_replace(L, base + 3);
		}
		break;
	case XOP_CONNECT_UDP:
		if (nargs >= 2 && valid_port(L, base + 3)) {
			if (r->connects++ >= MAX_CONNECTS)
				goto skip;
			safe_peer(r, base + 2, base + 3);
		}
		break;
	case XOP_SENDTO:
		bound_send(r, base, nargs);
		/* A number is a host too ("3" is 0.0.0.3): any that resolves goes. */
		if (nargs >= 3 && (lua_type(L, base + 4) == LUA_TSTRING ||
		                   lua_type(L, base + 4) == LUA_TNUMBER)) {
			safe_peer(r, base + 4, base + 5);
		}
		break;
	case XOP_TLS:
		if (nargs < 2)
			lua_settop(L, base + 2);
		bound_tls_opts(r, base + 3);
		break;
	case XOP_CONNECT_TLS:
		if (nargs >= 2 && valid_port(L, base + 3)) {
			if (r->connects++ >= MAX_CONNECTS)
				goto skip;
			lua_pushstring(L, byte(&r->in) & 1 ? "::1" : "127.0.0.1");
			lua_replace(L, base + 2);
			lua_pushinteger(L, some_port(r));
			lua_replace(L, base + 3);
			lua_settop(L, base + 4);
			bound_tls_opts(r, base + 4);
		}
		break;
	case XOP_SPAWN:
		if (byte(&r->in) & 1)
			task_spawn_worker(r, base);
		break;
	case XOP_SLEEP:
		/* outside a task it sleeps the process: a few ms at most, and a
		 * string that converts ("1e300") counts as the number it is */
		if (nargs >= 1 && lua_isnumber(L, base + 2)) {
			lua_pushinteger(L, byte(&r->in) % 5);
			lua_replace(L, base + 2);
		}
		break;
	case XOP_SERVE:
		/* only listeners the harness keeps, which the closer can end */
		if (nargs >= 1 && is_listener(L, base + 2) && !kept(r, base + 2))
			goto skip;
		if (nargs >= 1 && r->nobjs > 0 && (byte(&r->in) & 1)) {
			lua_rawgeti(L, r->objs, 1 + byte(&r->in) % r->nobjs);
			lua_replace(L, base + 2);
		}
		if (nargs < 2) {
			lua_settop(L, base + 2);
			lua_pushcfunction(L, noop);
		}
		r->served = 1;
		break;
	case XOP_RUN:
		lua_getfield(L, r->net, "spawn");
		if (luaL_loadbuffer(L, closer_code, sizeof closer_code - 1, "=closer") != 0)
			goto skip;
		lua_pushvalue(L, r->net);
		lua_pushvalue(L, r->objs);
		lua_pushinteger(L, r->nobjs);
		lua_pushinteger(L, byte(&r->in) % 5);
		if (lua_pcall(L, 5, 0, 0) != 0)
			goto skip;
		break;
	case XOP_RECVFROM:
		if (nargs >= 1 && os_fd(L, base + 2) >= 0 &&
		    !(fcntl(os_fd(L, base + 2), F_GETFL) & O_NONBLOCK)) {
			struct pollfd p = { os_fd(L, base + 2), POLLIN, 0 };

			if (poll(&p, 1, 0) != 1) {
				lua_pushinteger(L, -1);
				lua_replace(L, base + 2);
			}
		}
		break;
	}
	call(r, base, LUA_MULTRET);
	return;
skip:
	lua_settop(L, base);
}

/* One operation: push the function and its arguments, make them safe, call. */
static void
step(struct run *r)
{
	lua_State *L = r->L;
	uint8_t b = byte(&r->in);
	int op = b < 240 ? b % OP_COUNT : OP_COUNT + (b - 240) % (XOP_END - OP_COUNT);
	int base = lua_gettop(L), nargs, i;

	if (op >= OP_COUNT) {
		step_transport(r, op);
		return;
	}
	if (op == OP_STRINGS) {
		strings_step(r);
		return;
	}

	if (op == OP_GC) {
		/* Drop a listener reference and collect: __gc runs on some. */
		if (r->nobjs > 0 && (byte(&r->in) & 1) && !r->served) {
			lua_pushnil(L);
			lua_rawseti(L, r->objs, r->nobjs--);
		}
		lua_gc(L, LUA_GCCOLLECT, 0);
		return;
	}
	if (op >= OP_L_ACCEPT) {
		luaL_getmetatable(L, VN_LISTENER);
		if (op == OP_L_TOSTRING) {
			lua_getfield(L, -1, names[op]);
		} else {
			lua_getfield(L, -1, "__index");
			lua_getfield(L, -1, names[op]);
			lua_remove(L, -2);
		}
		lua_remove(L, -2);
	} else {
		lua_getfield(L, r->net, names[op]);
	}
	if (op == OP_LISTEN) {
		if (r->listens++ >= MAX_LISTENS) {
			lua_settop(L, base);
			return;
		}
		lua_pushliteral(L, "127.0.0.1");
		lua_pushinteger(L, 0);
		call(r, base, LUA_MULTRET);
		return;
	}
	nargs = byte(&r->in) % 5;
	/* A method's self is mostly a listener. */
	if (op >= OP_ACCEPT && r->nobjs > 0 && (byte(&r->in) & 3)) {
		lua_rawgeti(L, r->objs, 1 + byte(&r->in) % r->nobjs);
		nargs--;
	}
	for (i = 0; i < nargs; i++)
		push_value(r, 0);
	nargs = lua_gettop(L) - base - 1;

	switch (op) {
	case OP_LISTEN_ARGS:
		/* A valid port would bind HOST, which may need the resolver:
		 * only the argument and port errors run with fuzzed values. */
		if (nargs >= 2 && valid_port(L, base + 3)) {
			if (r->listens++ >= MAX_LISTENS)
				break;
			lua_pushliteral(L, "127.0.0.1");
			lua_replace(L, base + 2);
			lua_pushinteger(L, 0);
			lua_replace(L, base + 3);
		}
		call(r, base, LUA_MULTRET);
		return;
	case OP_CONNECT:
		if (nargs >= 2 && valid_port(L, base + 3)) {
			if (r->connects++ >= MAX_CONNECTS)
				break;
			lua_pushstring(L, byte(&r->in) & 1 ? "::1" : "127.0.0.1");
			lua_replace(L, base + 2);
			lua_pushinteger(L, some_port(r));
			lua_replace(L, base + 3);
			/* A timeout of 0-50 ms; other types stay, to be refused. */
			if (nargs < 3) {
				lua_pushinteger(L, 50);
			} else if (lua_isnumber(L, base + 4) || lua_isnil(L, base + 4)) {
				lua_Number t = lua_isnil(L, base + 4) ? 50 :
				               fabs(lua_tonumber(L, base + 4));

				lua_pushnumber(L, isnan(t) || isinf(t) ? 0 : fmod(t, 51));
				lua_replace(L, base + 4);
			}
		}
		call(r, base, LUA_MULTRET);
		return;
	case OP_SEND:
	case OP_WRITE:
		bound_send(r, base, nargs);
		call(r, base, LUA_MULTRET);
		return;
	case OP_RECV:
	case OP_READ: {
		int fd = nargs >= 1 ? os_fd(L, base + 2) : -1;

		if (fd >= 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK)) {
			struct pollfd p = { fd, POLLIN, 0 };

			if (poll(&p, 1, 0) != 1) {
				lua_pushinteger(L, -1);
				lua_replace(L, base + 2);
			}
		}
		call(r, base, LUA_MULTRET);
		return;
	}
	case OP_POLL:
		if (nargs < 2) {
			lua_settop(L, base + 2);    /* t, or nil when absent */
			lua_pushinteger(L, 0);
		} else if (lua_isnumber(L, base + 3) || lua_isnil(L, base + 3)) {
			lua_pushinteger(L, 0);
			lua_replace(L, base + 3);
		}
		call(r, base, LUA_MULTRET);
		return;
	case OP_ACCEPT:
	case OP_L_ACCEPT:
		if (nargs >= 1 && !accept_ready(r, base + 2))
			break;
		call(r, base, LUA_MULTRET);
		return;
	default:
		call(r, base, LUA_MULTRET);
		return;
	}
	lua_settop(L, base);
}

static int
setup(lua_State *L)
{
	lua_pushcfunction(L, luaopen_base);
	lua_call(L, 0, 0);
	vn_lua_net_open(L);
	lua_newtable(L);
	lua_newtable(L);
	vn_lua_strings_register(L);
	return 3;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int null = open("/dev/null", O_RDWR);

	(void)argc;
	(void)argv;
	/* Slots 0 and 1 are the process's stdin and stdout: make them harmless.
	 * A closed peer must be EPIPE, as in the binaries (vn_sig_init). */
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		abort();
	close(null);
	signal(SIGPIPE, SIG_IGN);
	snprintf(sockdir, sizeof sockdir, "/tmp/vlcnet-fuzz.XXXXXX");
	if (!mkdtemp(sockdir))
		abort();
	atexit(remove_sockdir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r;
	int i;

	memset(&r, 0, sizeof r);
	r.in.p = data;
	r.in.n = size;
	r.L = luaL_newstate();
	if (!r.L)
		return 0;
	lua_pushcfunction(r.L, setup);
	if (lua_pcall(r.L, 0, 3, 0) != 0)
		abort();
	r.net = 1;
	r.objs = 2;
	r.strings = 3;
	for (i = 0; i < MAX_OPS && r.in.n > 0; i++)
		step(&r);
	lua_close(r.L);
	for (i = 0; i < r.nclients; i++)
		close(r.clients[i]);
	return 0;
}
