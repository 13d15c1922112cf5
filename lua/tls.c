/* lua/tls.c: net.tls (STARTTLS: upgrade a descriptor in place) and
 * net.connect_tls, over core/tls.c. A TLS descriptor is an ordinary slot
 * whose session the descriptor table keeps (lua/fdtab.h); send, recv, poll
 * and close in lua/net.c go through it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/net.h"
#include "../core/sig.h"
#include "../core/tls.h"
#include "fdtab.h"
#include "net.h"
#include "task.h"
#include "tls.h"

static struct vn_fdtab *
fdtab(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

static int
push_fail(lua_State *L, const char *why)
{
	lua_pushinteger(L, -1);
	lua_pushstring(L, why);
	return 2;
}

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
	o->insecure = optbool(L, i, "insecure");
	o->verify_client = optbool(L, i, "verify_client");
	lua_getfield(L, i, "timeout");
	t = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : -1;
	lua_pop(L, 1);
	if (t == t && t >= 0)
		*timeout_ms = t > 0x7fffffff ? 0x7fffffff : (int)t;
	return o->cert_file && o->key_file && !o->servername;
}

/* Start TLS on slot (OS descriptor fd) and finish the handshake; push the
 * slot, or -1 and the reason (the slot stays open and plain). */
static int
upgrade(lua_State *L, int slot, int fd, const char *host,
        const struct vn_tls_opts *o, int server, int timeout)
{
	struct vn_tls_ctx *c;
	struct vn_tls_err e;
	struct vn_tls *t;

	if (vn_fdtab_tls(fdtab(L), slot))
		return push_fail(L, "already speaks TLS");
	if (!(c = vn_tls_ctx_new(o, server, &e)))
		return push_fail(L, e.msg);
	if (vn_task_active(L))
		return vn_task_tls(L, slot, c, timeout);
	t = vn_tls_start(c, fd, host, &e);
	if (t && vn_tls_handshake(t, timeout, &e) < 0) {
		vn_tls_free(t);
		t = NULL;
	}
	vn_tls_ctx_free(c);
	if (!t) {
		if (e.code == VN_TLS_INTR && vn_sig_pending())
			vn_lua_interrupted(L);
		return push_fail(L, e.msg);
	}
	vn_fdtab_set_tls(fdtab(L), slot, t);
	lua_pushinteger(L, slot);
	return 1;
}

static int
net_tls(lua_State *L)
{
	lua_Number n = luaL_checknumber(L, 1);
	int fd = vn_fdtab_get(fdtab(L), n), server, timeout;
	struct vn_tls_opts o;

	server = checkopts(L, 2, &o, &timeout);
	if (fd < 0 || n < 3)
		return push_fail(L, strerror(EBADF));
	return upgrade(L, (int)n, fd, NULL, &o, server, timeout);
}

static int
net_connect_tls(lua_State *L)
{
	const char *host = luaL_checkstring(L, 1);
	lua_Number p = luaL_checknumber(L, 2);
	struct vn_err e;
	int fd, slot, r, timeout, server;
	struct vn_tls_opts o;

	server = checkopts(L, 3, &o, &timeout);
	if (!(p >= 0 && p <= 65535 && p == (int)p))
		return push_fail(L, "invalid port");
	if (vn_task_active(L)) {
		struct vn_tls_ctx *c;
		struct vn_tls_err te;

		if (!(c = vn_tls_ctx_new(&o, server, &te)))
			return push_fail(L, te.msg);
		return vn_task_connect_tls(L, host, (int)p, c, timeout);
	}
	fd = vn_connect_tcp(host, (int)p, AF_UNSPEC, timeout, &e);
	if (fd < 0) {
		if (errno == EINTR && vn_sig_pending())
			vn_lua_interrupted(L);
		return push_fail(L, vn_err_str(&e));
	}
	/* non-blocking, as net.connect_tcp's */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	slot = vn_fdtab_add(fdtab(L), fd);
	if (slot < 0)
		return push_fail(L, "not enough memory");
	r = upgrade(L, slot, fd, host, &o, server, timeout);
	if (r == 2)
		vn_fdtab_close(fdtab(L), slot);
	return r;
}

void
vn_lua_tls_open(lua_State *L, int net, int tab)
{
	lua_pushvalue(L, tab);
	lua_pushcclosure(L, net_tls, 1);
	lua_setfield(L, net, "tls");
	lua_pushvalue(L, tab);
	lua_pushcclosure(L, net_connect_tls, 1);
	lua_setfield(L, net, "connect_tls");
}
