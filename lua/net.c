/* lua/net.c: the `net` table. Each function checks its arguments, makes one
 * core/ call and pushes VLC's result shape. Descriptors are slots of the state's
 * table (lua/fdtab.h); every function has that table as upvalue 1. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/conn.h"
#include "../core/fs.h"
#include "../core/net.h"
#include "../core/proxy.h"
#include "../core/sig.h"
#include "../core/tls.h"
#include "../core/udp.h"
#include "../core/unix.h"
#include "../core/url.h"
#include "fdtab.h"
#include "internal.h"
#include "net.h"
#include "task.h"
#include "tls.h"

#define SCRATCH_MAX (1 << 20)  /* recv/read return at most this much per call */

struct listener {
	struct vn_fdtab *t;
	int n;                       /* 0 once closed */
	int port;
	int slot[VN_MAXLISTEN];
	unsigned gen[VN_MAXLISTEN];
	char *path;                  /* listen_unix's PATH, or NULL */
	struct vn_unix_file file;    /* the socket file to remove with it */
	struct vn_tls_ctx *tls;      /* accepted descriptors speak TLS, or NULL */
};

struct vn_fdtab *
vn_lua_fdtab(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

#define fdtab vn_lua_fdtab
#define push_fail vn_lua_fail
#define check_interrupt vn_lua_check_interrupt
#define argport vn_lua_port

/* The OS descriptor for argument i, or -1 for a number that is not open. */
static int
checkfd(lua_State *L, int i)
{
	return vn_fdtab_get(fdtab(L), luaL_checknumber(L, i));
}

struct vn_conn *
vn_lua_checkconn(lua_State *L, int i)
{
	return vn_fdtab_conn(fdtab(L), luaL_checknumber(L, i));
}

/* A length argument as a size in [0, max], whatever number the script passes. */
static size_t
optlen(lua_State *L, int i, size_t def, size_t max)
{
	lua_Number n = luaL_optnumber(L, i, (lua_Number)def);

	if (!(n > 0))               /* negative, zero or NaN */
		return 0;
	return n >= (lua_Number)max ? max : (size_t)n;
}

int
vn_lua_port(lua_State *L, int i)
{
	lua_Number p = luaL_checknumber(L, i);

	return p >= 0 && p <= 65535 && p == (int)p ? (int)p : -1;
}

/* An optional timeout in ms: -1 (absent or negative: no limit), clamped to
 * INT_MAX; NaN is an argument error. */
static int
opttimeout(lua_State *L, int i)
{
	lua_Number t = luaL_optnumber(L, i, -1);

	if (t != t)
		luaL_argerror(L, i, "timeout is not a number");
	return t < 0 ? -1 : t > INT_MAX ? INT_MAX : (int)t;
}

int
vn_lua_interrupted(lua_State *L)
{
	vn_sig_delivered();
	lua_sethook(L, NULL, 0, 0);
	lua_pushliteral(L, "Interrupted.");  /* no position: the same text everywhere */
	return lua_error(L);
}

void
vn_lua_check_interrupt(lua_State *L, int r)
{
	if (r < 0 && errno == EINTR && vn_sig_pending())
		vn_lua_interrupted(L);
}

/* Put a socket the API opened into the table as VLC hands it to scripts:
 * non-blocking (net_AcceptSingle, net_Connect), so send may send part and recv
 * returns nil when nothing is there yet; with tls, a server session whose
 * handshake the first recv or send does. Returns the slot, or -1 (fd closed)
 * with e->msg saying why. */
static int
add_socket(struct vn_fdtab *t, int fd, struct vn_tls_ctx *tls, struct vn_tls_err *e)
{
	int fl = fcntl(fd, F_GETFL);
	struct vn_conn c;

	vn_conn_plain(&c, fd);
	snprintf(e->msg, sizeof e->msg, "not enough memory");
	if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
		snprintf(e->msg, sizeof e->msg, "%s", strerror(errno));
		vn_conn_end(&c);
		return -1;
	}
	if (tls && vn_conn_start_tls(&c, tls, NULL, 0, -1, e) < 0) {
		vn_conn_end(&c);
		return -1;
	}
	return vn_fdtab_add_conn(t, &c);  /* which ends c when it fails */
}

int
vn_lua_fail(lua_State *L, const char *why)
{
	lua_pushinteger(L, -1);
	lua_pushstring(L, why);
	return 2;
}

/* --- listen object ------------------------------------------------------ */

static struct listener *
checklistener(lua_State *L)
{
	return luaL_checkudata(L, 1, VN_LISTENER);
}

/* Close the object's sockets unless the script already closed their slots. */
static void
listener_release(struct listener *l)
{
	int i;

	if (!vn_fdtab_closed(l->t))
		for (i = 0; i < l->n; i++)
			if (vn_fdtab_gen(l->t, l->slot[i]) == l->gen[i])
				vn_fdtab_close(l->t, l->slot[i]);
	l->n = 0;
	if (l->path) {
		vn_unix_remove(l->path, &l->file);
		free(l->path);
		l->path = NULL;
	}
}

void
vn_lua_push_listener(lua_State *L, const int *fds, int n)
{
	struct vn_fdtab *t = vn_fdtab_of(L);
	struct listener *l = lua_newuserdata(L, sizeof *l);
	int i;

	l->t = t;
	l->n = 0;
	l->path = NULL;
	l->tls = NULL;
	l->port = n > 0 ? vn_local_port(fds[0]) : 0;
	if (l->port < 0)
		l->port = 0;
	luaL_getmetatable(L, VN_LISTENER);
	lua_setmetatable(L, -2);
	for (i = 0; i < n; i++) {
		int s = vn_fdtab_add(t, fds[i]);

		if (s < 0) {
			while (++i < n)
				close(fds[i]);
			listener_release(l);
			luaL_error(L, "not enough memory");
		}
		l->slot[l->n] = s;
		l->gen[l->n++] = vn_fdtab_gen(t, s);
	}
}

void *
vn_lua_checklistener(lua_State *L, int i)
{
	return luaL_checkudata(L, i, VN_LISTENER);
}

int
vn_lua_listener_fds(void *p, int *slots, int *fds, const char **path)
{
	struct listener *l = p;
	int i, n = 0;

	for (i = 0; i < l->n; i++) {
		int o = vn_fdtab_get(l->t, l->slot[i]);

		if (o >= 0 && vn_fdtab_gen(l->t, l->slot[i]) == l->gen[i]) {
			slots[n] = l->slot[i];
			fds[n++] = o;
		}
	}
	*path = l->path;
	return n;
}

int
vn_lua_listener_adopt(void *p, int fd, char why[VN_WHYLEN])
{
	struct listener *l = p;
	struct vn_tls_err e;
	int slot = add_socket(l->t, fd, l->tls, &e);

	if (slot < 0)
		snprintf(why, VN_WHYLEN, "%s", e.msg);
	return slot;
}

static int
listener_accept(lua_State *L)
{
	struct listener *l;
	int os[VN_MAXLISTEN], n = 0, i, fd, slot;
	struct vn_tls_err e;

	if (vn_task_active(L))
		return vn_task_accept(L);
	l = checklistener(L);

	for (i = 0; i < l->n; i++) {
		int o = vn_fdtab_get(l->t, l->slot[i]);

		if (o >= 0 && vn_fdtab_gen(l->t, l->slot[i]) == l->gen[i])
			os[n++] = o;
	}
	if (n == 0)
		return push_fail(L, "listener is closed");
	fd = vn_accept(os, n, -1, NULL);
	if (fd < 0) {
		check_interrupt(L, fd);
		return push_fail(L, strerror(errno));
	}
	slot = add_socket(l->t, fd, l->tls, &e);
	if (slot < 0)
		return push_fail(L, e.msg);
	lua_pushinteger(L, slot);
	return 1;
}

void
vn_lua_listener_set_tls(lua_State *L, int i, struct vn_tls_ctx *c)
{
	struct listener *l = lua_touserdata(L, i);
	int same;

	if (!l || !lua_getmetatable(L, i))
		return;
	luaL_getmetatable(L, VN_LISTENER);
	same = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	if (same)
		l->tls = c;
}

static int
listener_fds(lua_State *L)
{
	struct listener *l = checklistener(L);
	int i, n = 0;

	luaL_checkstack(L, l->n, "too many descriptors");
	for (i = 0; i < l->n; i++)
		if (vn_fdtab_gen(l->t, l->slot[i]) == l->gen[i]) {
			lua_pushinteger(L, l->slot[i]);
			n++;
		}
	return n;
}

static int
listener_close(lua_State *L)
{
	struct listener *l = checklistener(L);
	int i;

	for (i = 0; i < l->n; i++)
		if (vn_fdtab_gen(l->t, l->slot[i]) == l->gen[i])
			vn_task_closing(L, l->slot[i]);
	listener_release(l);
	return 0;
}

static int
listener_port(lua_State *L)
{
	lua_pushinteger(L, checklistener(L)->port);
	return 1;
}

static int
listener_tostring(lua_State *L)
{
	struct listener *l = checklistener(L);

	lua_pushfstring(L, "listener (port %d%s)", l->port, l->n ? "" : ", closed");
	return 1;
}

/* --- net.* ---------------------------------------------------------------- */

static int
net_listen_tcp(lua_State *L)
{
	const char *host = luaL_checkstring(L, 1);
	int port = argport(L, 2), fds[VN_MAXLISTEN], n;
	struct vn_err e;

	if (port < 0) {
		lua_Number p = lua_tonumber(L, 2);

		/* NaN prints as "nan" or "-nan" depending on its sign bit */
		return luaL_error(L, "Cannot listen on %s:%s: invalid port", host,
		                  p != p ? "nan" : lua_tostring(L, 2));
	}
	n = vn_listen_tcp(host, port, AF_UNSPEC, fds, &e);
	if (n < 0)
		return luaL_error(L, "Cannot listen on %s:%d: %s", host, port, vn_err_str(&e));
	vn_lua_push_listener(L, fds, n);
	return 1;
}

static int
net_accept(lua_State *L)
{
	return listener_accept(L);
}

void
vn_lua_proxy_parse(lua_State *L, const char *url, struct vn_proxy *p, struct vn_url *u)
{
	char why[VN_PROXY_ERRLEN];
	struct vn_proxy_err pe;
	const char *bad = NULL;

	pe.code = vn_proxy_from_url(url, p, u, &bad);
	if (pe.code == VN_PROXY_OK && (pe.code = vn_proxy_check(p)) != VN_PROXY_OK)
		vn_url_free(u);
	if (pe.code != VN_PROXY_OK) {
		pe.why = bad;
		pe.type = VN_PROXY_SOCKS5;
		/* not the URL itself: it may hold a password */
		luaL_error(L, "invalid proxy URL: %s", vn_proxy_err_str(&pe, why));
	}
}

void
vn_lua_push_proxy_err(lua_State *L, const struct vn_proxy *p, const struct vn_proxy_err *pe)
{
	char php[VN_HOSTPORTLEN], why[VN_PROXY_ERRLEN];

	if (pe->code == VN_PROXY_EREACH)
		lua_pushfstring(L, "proxy %s: %s", vn_hostport(php, p->host, p->port),
		                vn_proxy_err_str(pe, why));
	else
		lua_pushstring(L, vn_proxy_err_str(pe, why));
}

int
vn_lua_connect(lua_State *L, const char *host, int port, const char *proxy,
               int timeout)
{
	struct vn_proxy_err pe;
	struct vn_proxy p;
	struct vn_url u;
	struct vn_err e;
	int fd;

	if (!proxy) {
		fd = vn_connect_tcp(host, port, AF_UNSPEC, timeout, &e);
		if (fd < 0) {
			check_interrupt(L, fd);
			lua_pushstring(L, vn_err_str(&e));
		}
		return fd;
	}
	vn_lua_proxy_parse(L, proxy, &p, &u);
	fd = vn_proxy_connect(&p, host, port, AF_UNSPEC, NULL, timeout, &pe);
	if (fd < 0) {
		check_interrupt(L, fd);
		vn_lua_push_proxy_err(L, &p, &pe);
	}
	vn_url_free(&u);
	return fd;
}

/* connect_tcp's 3rd argument: a timeout, or a table of options (timeout,
 * proxy). Sets *proxy (NULL: none) and returns the timeout. */
static int
connect_opts(lua_State *L, int i, const char **proxy)
{
	int t;

	*proxy = NULL;
	if (lua_type(L, i) != LUA_TTABLE)
		return opttimeout(L, i);
	lua_getfield(L, i, "proxy");
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, i, "'proxy' must be a string");
		*proxy = lua_tostring(L, -1);   /* alive in the options table */
	}
	lua_getfield(L, i, "timeout");
	if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TNUMBER)
		luaL_argerror(L, i, "'timeout' must be a number");
	t = lua_isnil(L, -1) ? -1 : opttimeout(L, lua_gettop(L));
	lua_pop(L, 2);
	return t;
}

static int
net_connect_tcp(lua_State *L)
{
	const char *host = luaL_checkstring(L, 1), *proxy;
	int port = argport(L, 2), timeout = connect_opts(L, 3, &proxy), fd, slot;
	struct vn_tls_err te;

	if (port < 0)
		return push_fail(L, "invalid port");
	if (vn_task_active(L))    /* it suspends the task instead of blocking */
		return vn_task_connect_tcp(L, host, port, timeout, proxy);
	fd = vn_lua_connect(L, host, port, proxy, timeout);
	if (fd < 0) {
		lua_pushinteger(L, -1);
		lua_insert(L, -2);
		return 2;
	}
	slot = add_socket(fdtab(L), fd, NULL, &te);
	if (slot < 0)
		return push_fail(L, te.msg);
	lua_pushinteger(L, slot);
	return 1;
}

/* send and write: one call, len clamped to the string. */
static int
out(lua_State *L)
{
	struct vn_conn *c = vn_lua_checkconn(L, 1);
	size_t len;
	const char *buf = luaL_checklstring(L, 2, &len);
	ssize_t r;

	len = optlen(L, 3, len, len);
	if (!c) {
		lua_pushinteger(L, -1);
		return 1;
	}
	if (c->fd == 1 || c->fd == 2)
		fflush(stdout);  /* keep print() and net.write(1, …) in order */
	if (vn_task_active(L))    /* it suspends the task instead of blocking */
		return vn_task_send(L, (int)lua_tonumber(L, 1), buf, len);
	r = vn_conn_write(c, buf, len);
	check_interrupt(L, r);
	lua_pushinteger(L, r < 0 ? -1 : (lua_Integer)r);
	return 1;
}

/* recv and read: at most maxlen bytes (default 1), nil at end or on error. */
static int
in(lua_State *L)
{
	struct vn_conn *c = vn_lua_checkconn(L, 1);
	size_t max = optlen(L, 2, 1, SCRATCH_MAX);
	void *buf;
	ssize_t r;

	if (max == 0)
		return luaL_argerror(L, 2, "length must be positive");
	if (!c) {
		lua_pushnil(L);
		return 1;
	}
	if (vn_task_active(L))
		return vn_task_recv(L, (int)lua_tonumber(L, 1), max);
	buf = vn_fdtab_scratch(fdtab(L), max);
	if (!buf)
		return luaL_error(L, "not enough memory");
	r = vn_conn_read(c, buf, max);
	check_interrupt(L, r);
	if (r <= 0)
		lua_pushnil(L);
	else
		lua_pushlstring(L, buf, (size_t)r);
	return 1;
}

static int net_send(lua_State *L) { return out(L); }
static int net_write(lua_State *L) { return out(L); }
static int net_recv(lua_State *L) { return in(L); }
static int net_read(lua_State *L) { return in(L); }

static int
net_close(lua_State *L)
{
	lua_Number n = luaL_checknumber(L, 1);

	if (vn_fdtab_get(fdtab(L), n) >= 0) {
		vn_task_closing(L, (int)n);
		vn_fdtab_close(fdtab(L), (int)n);
	}
	return 0;
}

/* Read net.poll's table at index 1 into p: *nk keys, of which *invalid are
 * not open; returns how many entries p->pfd has. */
static size_t
poll_gather(lua_State *L, struct vn_fdtab *t, struct vn_fdtab_poll *p, size_t *nk,
            int *invalid)
{
	size_t np = 0;

	*nk = 0;
	*invalid = 0;
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		lua_Number ev;
		int fd;

		if (lua_type(L, -2) != LUA_TNUMBER)
			luaL_argerror(L, 1, "keys must be descriptor numbers");
		if (lua_type(L, -1) != LUA_TNUMBER)
			luaL_argerror(L, 1, "values must be event numbers");
		if (vn_fdtab_pollroom(t, *nk + 1, p) < 0)
			luaL_error(L, "not enough memory");
		p->keys[*nk] = lua_tonumber(L, -2);
		fd = vn_fdtab_get(t, p->keys[*nk]);
		if (fd < 0) {
			p->slot[(*nk)++] = -1;
			++*invalid;
		} else {
			ev = lua_tonumber(L, -1);
			p->pfd[np].fd = fd;
			p->pfd[np].events = (short)((ev >= INT_MIN && ev <= INT_MAX ?
			                    (int)ev : 0) & (POLLIN | POLLOUT | POLLPRI));
			p->slot[(*nk)++] = (int)np++;
		}
		lua_pop(L, 1);
	}
	return np;
}

/* What a connection asked for POLLIN holds already: data or its end. */
static int
held(struct vn_conn *c, const struct pollfd *pfd)
{
	return (pfd->events & POLLIN) && vn_conn_pending(c) > 0 && vn_conn_readable(c);
}

/* After the kernel's answer: POLLIN on a connection means data or the end;
 * records without data (a TLS 1.3 session ticket) are consumed here and do
 * not count. Returns how many entries are ready. */
static int
poll_settle(struct vn_fdtab *t, struct vn_fdtab_poll *p, size_t nk, int r)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nk; i++) {
		struct pollfd *pfd;
		struct vn_conn *c;

		if (p->slot[i] < 0)
			continue;
		pfd = &p->pfd[p->slot[i]];
		c = vn_fdtab_conn(t, p->keys[i]);
		if (r <= 0)
			pfd->revents = 0;
		if ((pfd->revents & POLLIN) && !(pfd->revents & (POLLHUP | POLLERR)) &&
		    !vn_conn_readable(c))
			pfd->revents &= ~POLLIN;
		if (!(pfd->revents & POLLIN) && held(c, pfd))
			pfd->revents |= POLLIN;
		n += pfd->revents != 0;
	}
	return n;
}

/* poll: t maps slot -> events; every entry gets its revents back as poll(2)
 * reports them (a peer's half-close is POLLIN, as in VLC), within timeout.
 * Unmapped slots report POLLNVAL without reaching the kernel, which only
 * sees open ones. */
static int
net_poll(lua_State *L)
{
	struct vn_fdtab *t = fdtab(L);
	struct vn_fdtab_poll p;
	size_t i, nk, np;
	int r, n, invalid, ready = 0, timeout;
	long until;

	if (vn_task_active(L))
		return vn_task_poll(L);
	luaL_checktype(L, 1, LUA_TTABLE);
	timeout = opttimeout(L, 2);
	/* the session log (-o, -x) is current while the script waits; its
	 * failure is said by the next send or recv */
	vn_fdtab_flush(t);
	np = poll_gather(L, t, &p, &nk, &invalid);
	until = timeout >= 0 ? vn_now_ms() + timeout : -1;
	for (i = 0; i < nk; i++)
		if (p.slot[i] >= 0 && held(vn_fdtab_conn(t, p.keys[i]), &p.pfd[p.slot[i]]))
			ready = 1;
	do {
		long left = until < 0 ? -1 : until - vn_now_ms();

		/* An unmapped descriptor is ready at once, as the kernel's
		 * POLLNVAL is; so is a connection holding data. */
		r = vn_poll(p.pfd, np, invalid || ready ? 0 : left < 0 && until >= 0 ? 0 :
		            left > INT_MAX ? INT_MAX : (int)left);
		check_interrupt(L, r);
		n = r < 0 ? r : poll_settle(t, &p, nk, r);
	} while (n == 0 && r > 0 && !invalid && (until < 0 || vn_now_ms() < until));
	for (i = 0; i < nk; i++) {
		lua_pushnumber(L, p.keys[i]);
		lua_pushinteger(L, p.slot[i] < 0 ? POLLNVAL :
		                n > 0 ? p.pfd[p.slot[i]].revents : 0);
		lua_rawset(L, 1);
	}
	lua_pushinteger(L, n < 0 ? n : n + invalid);
	return 1;
}

static void
setstr(lua_State *L, const char *k, const char *v)
{
	if (v) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, k);
	}
}

static void
setnum(lua_State *L, const char *k, lua_Number v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

int
vn_lua_url_parse(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	struct vn_url u;
	const char *why;

	if (vn_url_parse(s, &u, &why) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	lua_createtable(L, 0, 7);
	setstr(L, "protocol", u.protocol);
	setstr(L, "username", u.username);
	setstr(L, "password", u.password);
	setstr(L, "host", u.host);
	setnum(L, "port", u.port);
	setstr(L, "path", u.path);
	setstr(L, "option", u.option);
	vn_url_free(&u);
	return 1;
}

void
vn_lua_setstat(lua_State *L, const struct vn_stat *st)
{
	int f;

	lua_pushstring(L, vn_fs_type(st->mode));
	lua_setfield(L, -2, vn_stat_names[VN_STAT_TYPE]);
	for (f = VN_STAT_TYPE + 1; f < VN_STAT_NFIELDS; f++)
		setnum(L, vn_stat_names[f], (lua_Number)vn_stat_number(st, f));
}

/* A path argument. The system would stop at an embedded NUL and act on
 * another file, so that is an argument error. */
static const char *
checkpath(lua_State *L, int i)
{
	size_t len;
	const char *path = luaL_checklstring(L, i, &len);

	if (strlen(path) != len)
		luaL_argerror(L, i, "path contains a NUL byte");
	return path;
}

static int
stat_common(lua_State *L, int follow)
{
	const char *path = checkpath(L, 1);
	struct vn_stat st;

	if (vn_fs_stat(AT_FDCWD, path, follow, &st) < 0) {
		lua_pushnil(L);
		lua_pushfstring(L, "%s: %s", path, strerror(errno));
		return 2;
	}
	lua_createtable(L, 0, VN_STAT_NFIELDS);
	vn_lua_setstat(L, &st);
	return 1;
}

static int net_stat(lua_State *L) { return stat_common(L, 1); }
static int net_lstat(lua_State *L) { return stat_common(L, 0); }

static int
net_opendir(lua_State *L)
{
	const char *path = checkpath(L, 1);
	struct vn_dir d;
	size_t i;

	if (vn_fs_dir_read(AT_FDCWD, path, 1, &d) < 0)
		return luaL_error(L, "cannot open directory '%s'. (%s)", path,
		                  strerror(errno));
	lua_createtable(L, (int)d.n, 0);
	for (i = 0; i < d.n; i++) {
		lua_pushlstring(L, d.ents[i].name, d.ents[i].len);
		lua_rawseti(L, -2, (int)i + 1);
	}
	vn_fs_dir_free(&d);
	return 1;
}

/* --- Unix and UDP sockets ----------------------------------------------- */

/* A new socket's slot as the result (non-blocking, as add_socket makes every
 * socket the API opens), or -1 and the reason. */
static int
push_fd(lua_State *L, int fd, const struct vn_err *e)
{
	struct vn_tls_err te;
	int slot;

	if (fd < 0) {
		check_interrupt(L, fd);
		return push_fail(L, vn_err_str(e));
	}
	slot = add_socket(fdtab(L), fd, NULL, &te);
	if (slot < 0)
		return push_fail(L, te.msg);
	vn_task_own(L, slot);
	lua_pushinteger(L, slot);
	return 1;
}

static int
net_listen_unix(lua_State *L)
{
	const char *path = checkpath(L, 1);
	struct vn_unix_file file;
	struct listener *l;
	struct vn_err e;
	char *copy;
	int fd;

	fd = vn_listen_unix(path, SOCK_STREAM, &file, &e);
	if (fd < 0)
		return luaL_error(L, "Cannot listen on %s: %s", path, vn_err_str(&e));
	copy = strdup(path);
	if (!copy) {
		vn_unix_remove(path, &file);
		close(fd);
		return luaL_error(L, "not enough memory");
	}
	vn_lua_push_listener(L, &fd, 1);
	l = lua_touserdata(L, -1);
	l->port = 0;
	l->path = copy;
	l->file = file;
	return 1;
}

static int
net_connect_unix(lua_State *L)
{
	const char *path = checkpath(L, 1);
	struct vn_err e;

	if (vn_task_active(L))    /* it suspends the task while it would wait */
		return vn_task_connect_unix(L, path);
	return push_fd(L, vn_connect_unix(path, SOCK_STREAM, &e), &e);
}

static int
net_listen_udp(lua_State *L)
{
	const char *host = luaL_checkstring(L, 1);
	int port = argport(L, 2);
	struct vn_err e;

	if (port < 0)
		return push_fail(L, "invalid port");
	return push_fd(L, vn_udp_bind(host, port, AF_UNSPEC, &e), &e);
}

static int
net_connect_udp(lua_State *L)
{
	const char *host = luaL_checkstring(L, 1);
	int port = argport(L, 2);
	struct vn_err e;

	if (port < 0)
		return push_fail(L, "invalid port");
	return push_fd(L, vn_udp_connect(host, port, AF_UNSPEC, &e), &e);
}

/* sendto(fd, buf, host, port): one datagram of all of buf. */
static int
net_sendto(lua_State *L)
{
	int fd = checkfd(L, 1);
	size_t len;
	const char *buf = luaL_checklstring(L, 2, &len);
	const char *host = luaL_checkstring(L, 3);
	int port = argport(L, 4);
	struct sockaddr_storage to;
	socklen_t tolen;
	struct vn_err e;
	ssize_t r;

	if (fd < 0)
		return push_fail(L, strerror(EBADF));
	if (port < 0)
		return push_fail(L, "invalid port");
	if (vn_udp_dest(fd, host, port, &to, &tolen, &e) < 0)
		return push_fail(L, vn_err_str(&e));
	if (vn_task_active(L))
		return vn_task_sendto(L, (int)lua_tonumber(L, 1), buf, len, &to, tolen);
	r = vn_sendto(fd, buf, len, (struct sockaddr *)&to, tolen);
	check_interrupt(L, (int)r);
	if (r < 0)
		return push_fail(L, strerror(errno));
	lua_pushinteger(L, (lua_Integer)r);
	return 1;
}

/* recvfrom(fd [, maxlen]): one datagram (cut to maxlen, default a whole one),
 * its sender's host and port; nil and the reason on error. */
static int
net_recvfrom(lua_State *L)
{
	int fd = checkfd(L, 1);
	size_t max = optlen(L, 2, 65535, SCRATCH_MAX);
	struct sockaddr_storage from;
	socklen_t fromlen;
	char host[VN_ADDRSTRLEN + 64];
	void *buf;
	ssize_t r;
	int port;

	if (max == 0)
		return luaL_argerror(L, 2, "length must be positive");
	if (fd < 0) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(EBADF));
		return 2;
	}
	if (vn_task_active(L))
		return vn_task_recvfrom(L, (int)lua_tonumber(L, 1), max);
	buf = vn_fdtab_scratch(fdtab(L), max);
	if (!buf)
		return luaL_error(L, "not enough memory");
	memset(&from, 0, sizeof from);
	r = vn_recvfrom(fd, buf, max, &from, &fromlen);
	check_interrupt(L, (int)r);
	if (r < 0) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(errno));
		return 2;
	}
	vn_addr_host((struct sockaddr *)&from, fromlen, host, sizeof host, &port);
	lua_pushlstring(L, buf, (size_t)r);
	lua_pushstring(L, host);
	lua_pushinteger(L, port);
	return 3;
}

/* port(fd): the local port of a TCP or UDP descriptor (after port 0), 0 for
 * a Unix one. */
static int
net_port(lua_State *L)
{
	int fd = checkfd(L, 1), port;

	if (fd < 0)
		return push_fail(L, strerror(EBADF));
	if ((port = vn_local_port(fd)) < 0)
		return push_fail(L, strerror(errno));
	lua_pushinteger(L, port);
	return 1;
}

static const luaL_Reg net_funcs[] = {
	{ "listen_tcp", net_listen_tcp },
	{ "accept", net_accept },
	{ "connect_tcp", net_connect_tcp },
	{ "send", net_send },
	{ "recv", net_recv },
	{ "read", net_read },
	{ "write", net_write },
	{ "close", net_close },
	{ "poll", net_poll },
	{ "stat", net_stat },
	{ "lstat", net_lstat },
	{ "opendir", net_opendir },
	{ "listen_unix", net_listen_unix },
	{ "connect_unix", net_connect_unix },
	{ "listen_udp", net_listen_udp },
	{ "connect_udp", net_connect_udp },
	{ "sendto", net_sendto },
	{ "recvfrom", net_recvfrom },
	{ "port", net_port },
	{ NULL, NULL }
};

static const luaL_Reg listener_methods[] = {
	{ "accept", listener_accept },
	{ "fds", listener_fds },
	{ "close", listener_close },
	{ "port", listener_port },
	{ NULL, NULL }
};

static void
setflag(lua_State *L, const char *name, int v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, name);
}

int
vn_lua_net_open(lua_State *L)
{
	const luaL_Reg *r;
	int t;

	vn_fdtab_new(L);
	t = lua_gettop(L);
	if (luaL_newmetatable(L, VN_LISTENER)) {
		lua_newtable(L);
		for (r = listener_methods; r->name; r++) {
			lua_pushcfunction(L, r->func);
			lua_setfield(L, -2, r->name);
		}
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, listener_close);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, listener_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
	lua_newtable(L);
	for (r = net_funcs; r->name; r++) {
		lua_pushvalue(L, t);
		lua_pushcclosure(L, r->func, 1);
		lua_setfield(L, -2, r->name);
	}
	vn_lua_tls_open(L, lua_gettop(L), t);
	vn_task_open(L, lua_gettop(L), t);
	lua_pushcfunction(L, vn_lua_url_parse);
	lua_setfield(L, -2, "url_parse");
	setflag(L, "POLLIN", POLLIN);
	setflag(L, "POLLPRI", POLLPRI);
	setflag(L, "POLLOUT", POLLOUT);
	setflag(L, "POLLERR", POLLERR);
	setflag(L, "POLLHUP", POLLHUP);
	setflag(L, "POLLNVAL", POLLNVAL);
	lua_remove(L, t);
	return 1;
}
