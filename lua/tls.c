/* lua/tls.c: net.tls (STARTTLS: upgrade a descriptor in place) and
 * net.connect_tls. A TLS descriptor is an ordinary slot whose connection
 * (core/conn.h) has a session; send, recv, poll and close in lua/net.c go
 * through the connection and never ask. */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/conn.h"
#include "../core/net.h"
#include "../core/sig.h"
#include "../core/tls.h"
#include "fdtab.h"
#include "internal.h"
#include "net.h"
#include "task.h"
#include "tls.h"

#define push_fail vn_lua_fail

/* A string field of the options table, or NULL; another type is an
 * argument error. */
static const char *
optstring(lua_State *L, int i, const char *k)
{
	const char *s = NULL;

	lua_getfield(L, i, k);
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, i, lua_pushfstring(L, "'%s' must be a string", k));
		s = lua_tostring(L, -1);
		if (strlen(s) != lua_objlen(L, -1))
			luaL_argerror(L, i, lua_pushfstring(L, "'%s' contains a NUL byte", k));
	}
	lua_pop(L, 1);   /* the string stays alive in the options table */
	return s;
}

static int
optbool(lua_State *L, int i, const char *k)
{
	int b;

	lua_getfield(L, i, k);
	b = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return b;
}

/* opts.alpn: a string "h2,http/1.1", or a list of names {"h2", "http/1.1"},
 * which is joined into such a string left on the stack (it lives until the
 * call returns). NULL when absent. */
static const char *
optalpn(lua_State *L, int i)
{
	luaL_Buffer b;
	size_t len;
	int k, list;

	lua_getfield(L, i, "alpn");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return NULL;
	}
	if (lua_type(L, -1) == LUA_TSTRING) {
		lua_pop(L, 1);
		return optstring(L, i, "alpn");
	}
	if (!lua_istable(L, -1))
		luaL_argerror(L, i, "'alpn' must be a string or a list of strings");
	list = lua_gettop(L);
	luaL_buffinit(L, &b);
	for (k = 1; ; k++) {
		const char *name;

		lua_rawgeti(L, list, k);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			break;
		}
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, i, "'alpn' must be a string or a list of strings");
		name = lua_tolstring(L, -1, &len);
		if (memchr(name, ',', len) || strlen(name) != len)
			luaL_argerror(L, i, "an 'alpn' name contains ',' or a NUL byte");
		if (k > 1)
			luaL_addchar(&b, ',');
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	lua_remove(L, list);   /* the joined string stays */
	return lua_tostring(L, -1);
}

/* opts at index i (absent or nil: a client with the defaults). Returns
 * whether it asks for the server side (cert and key given). */
static int
checkopts(lua_State *L, int i, struct vn_tls_opts *o, int *timeout_ms)
{
	lua_Number t;

	memset(o, 0, sizeof *o);
	*timeout_ms = -1;
	if (lua_isnoneornil(L, i))
		return 0;
	luaL_checktype(L, i, LUA_TTABLE);
	o->servername = optstring(L, i, "servername");
	o->ca_file = optstring(L, i, "ca");
	o->cert_file = optstring(L, i, "cert");
	o->key_file = optstring(L, i, "key");
	if (!o->cert_file != !o->key_file)
		luaL_argerror(L, i, o->cert_file ? "'cert' needs 'key'" : "'key' needs 'cert'");
	o->insecure = optbool(L, i, "insecure");
	o->verify_client = optbool(L, i, "verify_client");
	o->alpn = optalpn(L, i);
	lua_getfield(L, i, "timeout");
	t = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : -1;
	lua_pop(L, 1);
	if (t == t && t >= 0)
		*timeout_ms = t > 0x7fffffff ? 0x7fffffff : (int)t;
	return o->cert_file && o->key_file && !o->servername;
}

/* Make connection c speak TLS and finish the handshake. Returns 0, or -1
 * with *e set; c then refuses send and recv (never a silent downgrade). */
static int
upgrade(lua_State *L, struct vn_conn *c, const char *host,
        const struct vn_tls_opts *o, int server, int timeout, struct vn_tls_err *e)
{
	struct vn_tls_ctx *ctx;
	int r;

	if (c->tls) {
		snprintf(e->msg, sizeof e->msg, "already speaks TLS");
		return -1;
	}
	if (!(ctx = vn_tls_ctx_new(o, server, e))) {
		vn_conn_refuse(c);
		return -1;
	}
	r = vn_conn_start_tls(c, ctx, host, 1, timeout, e);
	vn_tls_ctx_free(ctx);
	if (r < 0 && e->code == VN_TLS_INTR && vn_sig_pending())
		vn_lua_interrupted(L);
	return r;
}

static int
net_tls(lua_State *L)
{
	lua_Number n = luaL_checknumber(L, 1);
	struct vn_conn *c = vn_lua_checkconn(L, 1);
	struct vn_tls_opts o;
	struct vn_tls_err e;
	int server, timeout;

	server = checkopts(L, 2, &o, &timeout);
	if (!c || n < 3)
		return push_fail(L, strerror(EBADF));
	if (vn_task_active(L) && !c->tls) {
		struct vn_tls_ctx *ctx = vn_tls_ctx_new(&o, server, &e);

		if (!ctx) {
			vn_conn_refuse(c);
			return push_fail(L, e.msg);
		}
		return vn_task_tls(L, (int)n, ctx, timeout);
	}
	if (upgrade(L, c, NULL, &o, server, timeout, &e) < 0)
		return push_fail(L, e.msg);
	lua_pushinteger(L, (lua_Integer)n);
	return 1;
}

static int
net_connect_tls(lua_State *L)
{
	const char *host = luaL_checkstring(L, 1);
	const char *proxy = NULL;
	int port = vn_lua_port(L, 2), fd, slot, timeout, server;
	struct vn_tls_opts o;
	struct vn_tls_err te;
	struct vn_conn c;

	server = checkopts(L, 3, &o, &timeout);
	if (lua_istable(L, 3))
		proxy = optstring(L, 3, "proxy");
	if (port < 0)
		return push_fail(L, "invalid port");
	if (vn_task_active(L))    /* it suspends the task instead of blocking */
		return vn_task_connect_tls(L, host, port, &o, server, timeout, proxy);
	fd = vn_lua_connect(L, host, port, proxy, timeout);
	if (fd < 0) {
		lua_pushinteger(L, -1);
		lua_insert(L, -2);
		return 2;
	}
	/* non-blocking, as net.connect_tcp's */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	vn_conn_plain(&c, fd);
	if (upgrade(L, &c, host, &o, server, timeout, &te) < 0) {
		vn_conn_end(&c);
		return push_fail(L, te.msg);
	}
	slot = vn_fdtab_add_conn(vn_lua_fdtab(L), &c);
	if (slot < 0)
		return push_fail(L, "not enough memory");
	lua_pushinteger(L, slot);
	return 1;
}

/* net.tls_info(fd): what the session of fd negotiated, or nil and why. */
static int
net_tls_info(lua_State *L)
{
	struct vn_conn *c = vn_lua_checkconn(L, 1);
	struct vn_tls *t = c ? c->tls : NULL;
	struct vn_tls_info i;

	if (t)
		vn_tls_info(t, &i);
	if (!t || !i.version) {
		lua_pushnil(L);
		lua_pushstring(L, t ? "TLS handshake not done yet" : "not a TLS descriptor");
		return 2;
	}
	lua_createtable(L, 0, 7);
	lua_pushstring(L, i.version);
	lua_setfield(L, -2, "version");
	lua_pushstring(L, i.cipher);
	lua_setfield(L, -2, "cipher");
	lua_pushstring(L, i.alpn);          /* nil when none was chosen */
	lua_setfield(L, -2, "alpn");
	lua_pushstring(L, i.servername);
	lua_setfield(L, -2, "servername");
	if (i.peer_cert) {
		lua_pushstring(L, i.peer_subject);
		lua_setfield(L, -2, "peer_subject");
		lua_pushstring(L, i.peer_issuer);
		lua_setfield(L, -2, "peer_issuer");
		lua_pushnumber(L, (lua_Number)i.peer_expires);
		lua_setfield(L, -2, "peer_expires");
	}
	return 1;
}

void
vn_lua_tls_open(lua_State *L, int net, int tab)
{
	lua_pushvalue(L, tab);
	lua_pushcclosure(L, net_tls_info, 1);
	lua_setfield(L, net, "tls_info");
	lua_pushvalue(L, tab);
	lua_pushcclosure(L, net_tls, 1);
	lua_setfield(L, net, "tls");
	lua_pushvalue(L, tab);
	lua_pushcclosure(L, net_connect_tls, 1);
	lua_setfield(L, net, "connect_tls");
}
