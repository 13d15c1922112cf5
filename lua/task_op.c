/* lua/task_op.c: the operations that suspend a task (lua/task.c is the
 * scheduler). Each tries once; when it would wait, it puts the task's waiter
 * in the loop (WAITING) and the binding yields; the scheduler calls it again
 * when the waiter is ready. TLS or plain is the connection's business
 * (core/conn.h). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/conn.h"
#include "../core/loop.h"
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
#include "task_int.h"

#define push_fail vn_lua_fail

/* Put the task's waiter in the loop: WAITING, or the failure pushed. */
static int
wait_on(lua_State *L, struct task *k, int fd, short events, unsigned long t,
        long deadline, int nilfail)
{
	k->w.data = k;
	if (vn_loop_wait(k->s->loop, &k->w, fd, events, t, deadline) == 0)
		return WAITING;
	if (nilfail) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(errno));
		return 2;
	}
	return push_fail(L, strerror(errno));
}

/* --- the operations: try once, push the results or wait ------------------- */

/* The connection of the task's slot, or NULL once the slot was closed
 * while the task waited (even when a new connection has taken its number). */
static struct vn_conn *
task_conn(struct task *k)
{
	return vn_fdtab_conn_gen(k->s->t, k->slot, k->gen);
}

/* The loop's tag of the task's slot, once task_conn has found it open. */
static unsigned long
task_tag(struct task *k)
{
	return vn_task_tag_of(k->slot, k->gen);
}

static int
task_fd(struct task *k)
{
	struct vn_conn *c = task_conn(k);

	return c ? c->fd : -1;
}

/* A connection whose descriptor is all there is of it (no TLS session
 * holding bytes) is readable exactly when its descriptor is: a short read
 * drains it, and the loop says when it is worth reading again. */
static int
try_recv(lua_State *L, struct task *k)
{
	struct vn_conn *c = task_conn(k);
	unsigned long tg = task_tag(k);
	int bare;
	void *buf;
	ssize_t r;

	if (!c) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(EBADF));
		return 2;
	}
	bare = vn_conn_bare(c);
	if (bare && !vn_loop_maybe_readable(k->s->loop, c->fd, tg))
		return wait_on(L, k, c->fd, POLLIN, tg, -1, 1);
	if (!(buf = vn_fdtab_scratch(k->s->t, k->len)))
		return luaL_error(L, "not enough memory");
	r = vn_conn_read(c, buf, k->len);
	if (bare && (r < 0 ? vn_task_would_block() : (size_t)r < k->len && r > 0))
		vn_loop_drained(k->s->loop, c->fd, tg);
	if (r > 0) {
		lua_pushlstring(L, buf, (size_t)r);
		return 1;
	}
	if (r == 0) {
		lua_pushnil(L);
		return 1;
	}
	if (vn_task_would_block())
		return wait_on(L, k, c->fd, vn_conn_want(c, POLLIN), tg, -1, 1);
	if (errno == EINTR && vn_sig_pending())
		return INTERRUPTED;
	lua_pushnil(L);
	lua_pushstring(L, vn_conn_strerror(c, errno));
	return 2;
}

static int
try_send(lua_State *L, struct task *k)
{
	struct vn_conn *c = task_conn(k);

	if (!c)
		return push_fail(L, strerror(EBADF));
	while (k->done < k->len) {
		ssize_t r = vn_conn_write(c, k->buf + k->done, k->len - k->done);

		if (r < 0) {
			if (vn_task_would_block())
				return wait_on(L, k, c->fd, vn_conn_want(c, POLLOUT),
				               task_tag(k), -1, 0);
			if (errno == EINTR && vn_sig_pending())
				return INTERRUPTED;
			return push_fail(L, vn_conn_strerror(c, errno));
		}
		k->done += (size_t)r;
	}
	lua_pushinteger(L, (lua_Integer)k->len);
	return 1;
}

static int
try_accept(lua_State *L, struct task *k)
{
	int slots[VN_MAXLISTEN], fds[VN_MAXLISTEN], n, i, fd, slot;
	const char *path;
	char why[VN_WHYLEN];

	n = vn_lua_listener_fds(k->lis, slots, fds, &path);
	if (n == 0)
		return push_fail(L, "listener is closed");
	for (i = 0; i < n; i++) {
		fd = vn_accept_now(fds[i], NULL);
		if (fd >= 0) {
			if ((slot = vn_lua_listener_adopt(k->lis, fd, why)) < 0)
				return push_fail(L, why);
			vn_task_own_slot(k->s, k->id, slot);
			lua_pushinteger(L, slot);
			return 1;
		}
		if (errno == EINTR && vn_sig_pending())
			return INTERRUPTED;
		if (!vn_task_would_block())
			return push_fail(L, strerror(errno));
	}
	if (n > 1 && !k->more &&
	    !(k->more = calloc(VN_MAXLISTEN - 1, sizeof *k->more)))
		return push_fail(L, strerror(ENOMEM));
	for (i = 1; i < n; i++) {
		k->more[i - 1].data = k;
		if (vn_loop_wait(k->s->loop, &k->more[i - 1], fds[i], POLLIN,
		                 vn_task_tag(k->s, slots[i]), -1) < 0) {
			vn_task_cancel(k);
			return push_fail(L, strerror(errno));
		}
	}
	if (wait_on(L, k, fds[0], POLLIN, vn_task_tag(k->s, slots[0]), -1, 0) != WAITING) {
		vn_task_cancel(k);
		return 2;
	}
	return WAITING;
}

void
vn_task_handshake_end(struct task *k)
{
	if (k->hctx)
		vn_tls_ctx_free(k->hctx);
	free(k->hhost);
	k->hctx = NULL;
	k->hhost = NULL;
}

/* The handshake failed: the connection refuses data from now on (never a
 * silent downgrade), and connect_tls's own slot is closed. */
static int
handshake_fail(lua_State *L, struct task *k, struct vn_conn *c, const char *why)
{
	lua_pushinteger(L, -1);
	lua_pushstring(L, why);
	vn_task_handshake_end(k);
	if (c && k->hclose) {
		vn_task_closing_slot(k->s, k->slot);
		vn_fdtab_close(k->s->t, k->slot);
	} else if (c) {
		vn_conn_refuse(c);
	}
	return 2;
}

static int
try_handshake(lua_State *L, struct task *k)
{
	struct vn_conn *c = task_conn(k);
	struct vn_tls_err e;

	if (!c)
		return handshake_fail(L, k, NULL, strerror(EBADF));
	if (!k->hstarted && vn_conn_start_tls(c, k->hctx, k->hhost, 0, 0, &e) < 0)
		return handshake_fail(L, k, c, e.msg);
	k->hstarted = 1;      /* the session is the connection's now */
	if (vn_conn_handshake(c, 0, &e) == 0) {
		vn_task_handshake_end(k);
		lua_pushinteger(L, k->slot);
		return 1;
	}
	if (e.code == VN_TLS_INTR && vn_sig_pending())
		return INTERRUPTED;
	if (e.code != VN_TLS_TIMEOUT)
		return handshake_fail(L, k, c, e.msg);
	if (k->deadline >= 0 && vn_now_ms() >= k->deadline)
		return handshake_fail(L, k, c, "timed out");
	/* libtls's wish is not exposed here: either event retries it */
	return wait_on(L, k, c->fd, POLLIN | POLLOUT, task_tag(k), k->deadline, 0);
}

static void
connect_drop(struct task *k)
{
	if (k->cfd >= 0) {
		vn_loop_closing(k->s->loop, k->cfd);
		close(k->cfd);
		k->cfd = -1;
	}
}

static void
connect_end(struct task *k)
{
	connect_drop(k);
	if (k->res)
		freeaddrinfo(k->res);
	k->res = k->ai = NULL;
}

/* A connect through a proxy: the proxy's URL, and the dialogue that follows
 * the connect to it. */
struct task_proxy {
	struct vn_proxy p;
	struct vn_url u;          /* owns p's strings */
	const char *host;         /* the target: the caller's argument, on the */
	int port;                 /* task's stack while it waits */
	int started;              /* hs is under way */
	struct vn_proxy_hs hs;
	struct vn_proxy_err e;
};

void
vn_task_proxy_end(struct task *k)
{
	if (!k->px)
		return;
	if (k->px->started)
		vn_proxy_hs_end(&k->px->hs);
	vn_url_free(&k->px->u);
	free(k->px);
	k->px = NULL;
}

/* The connect failed (or the proxy's dialogue): -1 and why. */
static int
connect_fail(lua_State *L, struct task *k)
{
	connect_end(k);
	vn_task_handshake_end(k);
	lua_pushinteger(L, -1);
	if (k->px) {
		if (!k->px->started) {   /* the proxy was out of reach */
			k->px->e.code = VN_PROXY_EREACH;
			k->px->e.net = k->err;
		}
		vn_lua_push_proxy_err(L, &k->px->p, &k->px->e);
	} else {
		lua_pushstring(L, vn_err_str(&k->err));
	}
	vn_task_proxy_end(k);
	return 2;
}

/* fd is connected (through the proxy, if any): its slot, or connect_tls's
 * handshake next. */
static int
connected(lua_State *L, struct task *k, int fd)
{
	int slot = vn_fdtab_add(k->s->t, fd);

	if (slot < 0)
		return push_fail(L, "not enough memory");
	vn_task_own_slot(k->s, k->id, slot);
	if (k->hctx) {
		/* connect_tls: the handshake follows, in its own time */
		k->op = OP_HANDSHAKE;
		k->slot = slot;
		k->gen = vn_fdtab_gen(k->s->t, slot);
		k->hclose = 1;
		k->hstarted = 0;
		k->deadline = k->htimeout < 0 ? -1 : vn_now_ms() + k->htimeout;
		return try_handshake(L, k);
	}
	lua_pushinteger(L, slot);
	return 1;
}

/* The proxy's dialogue over k->cfd, as vn_proxy_connect has it: by the
 * connect's own deadline, or VN_PROXY_HANDSHAKE_MS when it has none. */
static int
try_proxy(lua_State *L, struct task *k)
{
	struct task_proxy *x = k->px;
	int r, fd;

	if (!x->started) {
		x->started = 1;
		if (k->deadline < 0)
			k->deadline = vn_now_ms() + VN_PROXY_HANDSHAKE_MS;
		r = vn_proxy_hs_start(&x->hs, &x->p, x->host, x->port, AF_UNSPEC, &x->e);
		if (r == 0)
			r = vn_proxy_hs_step(&x->hs, k->cfd, &x->e);
	} else if (vn_now_ms() >= k->deadline) {
		x->e.code = VN_PROXY_ETIMEDOUT;
		r = -1;
	} else {
		r = vn_proxy_hs_step(&x->hs, k->cfd, &x->e);
	}
	if (r > 0)
		return wait_on(L, k, k->cfd, (short)r, 0, k->deadline, 0);
	if (r < 0)
		return connect_fail(L, k);
	fd = k->cfd;
	k->cfd = -1;
	connect_end(k);
	vn_task_proxy_end(k);
	return connected(L, k, fd);
}

static int
try_connect(lua_State *L, struct task *k)
{
	if (k->cfd >= 0) {
		if (k->deadline >= 0 && vn_now_ms() >= k->deadline) {
			k->err.code = ETIMEDOUT;
			return connect_fail(L, k);
		}
		if (vn_connect_done(k->cfd, &k->err) == 0) {
			int fd = k->cfd;

			if (k->px) {
				k->op = OP_PROXY;
				return try_proxy(L, k);
			}
			k->cfd = -1;
			connect_end(k);
			return connected(L, k, fd);
		}
		connect_drop(k);
	}
	while (k->ai) {
		const struct addrinfo *ai = k->ai;

		k->ai = ai->ai_next;
		k->cfd = vn_connect_start(ai, &k->err);
		if (k->cfd >= 0)
			return wait_on(L, k, k->cfd, POLLOUT, 0, k->deadline, 0);
	}
	return connect_fail(L, k);
}

/* A Unix connect does not go on in the background: while the listener's
 * backlog is full, it is tried again every RETRY_MS. */
#define RETRY_MS 10

static int
try_connect_unix(lua_State *L, struct task *k)
{
	int fd = vn_connect_unix_now(k->buf, &k->err), slot;

	if (fd < 0 && errno == EAGAIN)
		return wait_on(L, k, -1, 0, 0, vn_now_ms() + RETRY_MS, 0);
	if (fd < 0)
		return push_fail(L, vn_err_str(&k->err));
	if ((slot = vn_fdtab_add(k->s->t, fd)) < 0)
		return push_fail(L, "not enough memory");
	vn_task_own_slot(k->s, k->id, slot);
	lua_pushinteger(L, slot);
	return 1;
}

static int
try_recvfrom(lua_State *L, struct task *k)
{
	int fd = task_fd(k), port;
	struct sockaddr_storage from;
	socklen_t fromlen;
	char host[VN_ADDRSTRLEN + 64];
	void *buf;
	ssize_t r;

	if (fd < 0) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(EBADF));
		return 2;
	}
	if (!(buf = vn_fdtab_scratch(k->s->t, k->len)))
		return luaL_error(L, "not enough memory");
	memset(&from, 0, sizeof from);
	r = vn_recvfrom(fd, buf, k->len, &from, &fromlen);
	if (r < 0) {
		if (vn_task_would_block())
			return wait_on(L, k, fd, POLLIN, task_tag(k), -1, 1);
		if (errno == EINTR && vn_sig_pending())
			return INTERRUPTED;
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

static int
try_sendto(lua_State *L, struct task *k)
{
	int fd = task_fd(k);
	ssize_t r;

	if (fd < 0)
		return push_fail(L, strerror(EBADF));
	r = vn_sendto(fd, k->buf, k->len, (struct sockaddr *)&k->to, k->tolen);
	if (r < 0) {
		if (vn_task_would_block())
			return wait_on(L, k, fd, POLLOUT, task_tag(k), -1, 0);
		if (errno == EINTR && vn_sig_pending())
			return INTERRUPTED;
		return push_fail(L, strerror(errno));
	}
	lua_pushinteger(L, (lua_Integer)r);
	return 1;
}

/* net.poll of the table, without waiting: its result pushed on L. */
static int
poll_now(lua_State *L, struct task *k)
{
	struct sched *s = k->s;
	struct task *cur = s->current;

	lua_rawgeti(L, LUA_REGISTRYINDEX, s->tasks);
	lua_rawgeti(L, -1, k->pref);
	lua_rawgeti(L, -2, k->tref);
	lua_rawgeti(L, -3, k->wref);
	lua_pushnil(L);
	while (lua_next(L, -2)) {        /* the events asked, again */
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -5);
	}
	lua_pop(L, 1);
	lua_remove(L, -3);
	lua_pushinteger(L, 0);
	s->current = NULL;    /* the call below is net.poll's own, not the task's */
	lua_call(L, 2, 1);
	s->current = cur;
	return 1;
}

void
vn_task_poll_end(lua_State *L, struct task *k)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, k->s->tasks);
	luaL_unref(L, -1, k->pref);
	luaL_unref(L, -1, k->tref);
	luaL_unref(L, -1, k->wref);
	lua_pop(L, 1);
	k->pref = k->tref = k->wref = LUA_NOREF;
}

/* Put a waiter on every open descriptor of the poll table (at index i of
 * L, the task's thread) and one for the deadline; WAITING, or the count of
 * results pushed when there is nothing to wait on. */
int
vn_task_poll_wait(lua_State *L, struct task *k, int i)
{
	struct sched *s = k->s;
	int n = 0;

	lua_pushnil(L);
	while (lua_next(L, i)) {
		n++;
		lua_pop(L, 1);
	}
	if (n > k->pwcap) {
		if (L != k->co) {
			/* waiting again from the scheduler, on a table that grew:
			 * say "nothing yet", as a timeout would */
			lua_pushinteger(L, 0);
			return 1;
		}
		/* On the task's stack, so alive while it waits. */
		k->pw = lua_newuserdata(L, n * sizeof *k->pw);
		k->pwcap = n;
	}
	k->npw = 0;
	lua_pushnil(L);
	while (lua_next(L, i)) {
		lua_Number slot = lua_tonumber(L, -2);
		int fd = vn_fdtab_get(s->t, slot);
		int ev = (int)lua_tonumber(L, -1) & (POLLIN | POLLOUT | POLLPRI);

		lua_pop(L, 1);
		if (fd < 0 || !ev || k->npw == k->pwcap)
			continue;
		k->pw[k->npw].data = k;
		if (vn_loop_wait(s->loop, &k->pw[k->npw], fd, (short)ev,
		                 vn_task_tag(s, (int)slot), -1) == 0)
			k->npw++;
	}
	k->w.data = k;
	if (k->deadline >= 0 &&
	    vn_loop_wait(s->loop, &k->w, -1, 0, 0, k->deadline) < 0) {
		vn_task_cancel(k);
		return luaL_error(L, "not enough memory");
	}
	if (k->npw == 0 && k->deadline < 0) {
		/* nothing could ever wake it */
		lua_pushinteger(L, 0);
		return 1;
	}
	return WAITING;
}

static int
try_poll(lua_State *L, struct task *k)
{
	poll_now(L, k);
	if (lua_tonumber(L, -1) != 0 ||
	    (k->deadline >= 0 && vn_now_ms() >= k->deadline)) {
		vn_task_poll_end(L, k);
		return 1;
	}
	lua_pop(L, 1);
	return WAITING;
}

/* Try the task's operation: its results pushed on L (their count), WAITING
 * (its waiter is in the loop), or INTERRUPTED. */
int
vn_task_attempt(lua_State *L, struct task *k)
{
	switch (k->op) {
	case OP_RECV: return try_recv(L, k);
	case OP_SEND: return try_send(L, k);
	case OP_ACCEPT: return try_accept(L, k);
	case OP_CONNECT: return try_connect(L, k);
	case OP_PROXY: return try_proxy(L, k);
	case OP_CONNECT_UNIX: return try_connect_unix(L, k);
	case OP_RECVFROM: return try_recvfrom(L, k);
	case OP_SENDTO: return try_sendto(L, k);
	case OP_POLL: return try_poll(L, k);
	case OP_HANDSHAKE: return try_handshake(L, k);
	default: return 0;
	}
}

/* The binding's end: results now, or a yield until the scheduler has them. */
static int
start(lua_State *L, struct task *k, enum op op)
{
	int n;

	k->op = op;
	n = vn_task_attempt(L, k);
	if (n == INTERRUPTED)
		return vn_lua_interrupted(L);
	if (n == WAITING)
		return lua_yield(L, 0);
	return n;
}

/* --- the bindings ------------------------------------------------------------ */

int
vn_task_recv(lua_State *L, int slot, size_t max)
{
	struct task *k = vn_task_current(L);

	k->slot = slot;
	k->gen = vn_fdtab_gen(k->s->t, slot);
	k->len = max;
	return start(L, k, OP_RECV);
}

int
vn_task_send(lua_State *L, int slot, const char *buf, size_t len)
{
	struct task *k = vn_task_current(L);

	k->slot = slot;
	k->gen = vn_fdtab_gen(k->s->t, slot);
	k->buf = buf;   /* the caller's argument: on the task's stack while it waits */
	k->len = len;
	k->done = 0;
	return start(L, k, OP_SEND);
}

int
vn_task_accept(lua_State *L)
{
	struct task *k = vn_task_current(L);

	k->lis = vn_lua_checklistener(L, 1);
	return start(L, k, OP_ACCEPT);
}

/* A connect through proxy (a URL) to host:port: k->px, or -1 when memory
 * ran out; a URL that is not a proxy's raises, before anything is held. */
static int
proxy_begin(lua_State *L, struct task *k, const char *proxy, const char *host, int port)
{
	struct vn_proxy p;
	struct vn_url u;

	vn_lua_proxy_parse(L, proxy, &p, &u);
	if (!(k->px = calloc(1, sizeof *k->px))) {
		vn_url_free(&u);
		return -1;
	}
	k->px->p = p;
	k->px->u = u;
	k->px->host = host;
	k->px->port = port;
	return 0;
}

/* connect_tcp and connect_tls: resolve where to connect (the proxy, when
 * there is one; names are looked up at once, not on the loop), then connect
 * by suspending. */
static int
connect_begin(lua_State *L, struct task *k, const char *host, int port, int timeout)
{
	k->cfd = -1;
	k->deadline = timeout < 0 ? -1 : vn_now_ms() + timeout;
	if (vn_resolve_tcp(k->px ? k->px->p.host : host, k->px ? k->px->p.port : port,
	                   AF_UNSPEC, &k->res, &k->err) < 0)
		return connect_fail(L, k);
	k->ai = k->res;
	return start(L, k, OP_CONNECT);
}

int
vn_task_connect_tcp(lua_State *L, const char *host, int port, int timeout,
                    const char *proxy)
{
	struct task *k = vn_task_current(L);

	if (proxy && proxy_begin(L, k, proxy, host, port) < 0)
		return push_fail(L, strerror(ENOMEM));
	return connect_begin(L, k, host, port, timeout);
}

int
vn_task_connect_unix(lua_State *L, const char *path)
{
	struct task *k = vn_task_current(L);

	k->buf = path;   /* the caller's argument: on the task's stack while it waits */
	return start(L, k, OP_CONNECT_UNIX);
}

int
vn_task_tls(lua_State *L, int slot, struct vn_tls_ctx *c, int timeout)
{
	struct task *k = vn_task_current(L);

	k->slot = slot;
	k->gen = vn_fdtab_gen(k->s->t, slot);
	k->hctx = c;
	k->hclose = 0;
	k->hstarted = 0;
	k->deadline = timeout < 0 ? -1 : vn_now_ms() + timeout;
	return start(L, k, OP_HANDSHAKE);
}

int
vn_task_connect_tls(lua_State *L, const char *host, int port,
                    const struct vn_tls_opts *o, int server, int timeout,
                    const char *proxy)
{
	struct task *k = vn_task_current(L);
	struct vn_tls_err te;

	if (proxy && proxy_begin(L, k, proxy, host, port) < 0)
		return push_fail(L, strerror(ENOMEM));
	if (!(k->hctx = vn_tls_ctx_new(o, server, &te))) {
		vn_task_proxy_end(k);
		return push_fail(L, te.msg);
	}
	if (!(k->hhost = strdup(host))) {
		vn_task_handshake_end(k);
		vn_task_proxy_end(k);
		return push_fail(L, strerror(ENOMEM));
	}
	k->htimeout = timeout;
	return connect_begin(L, k, host, port, timeout);
}

int
vn_task_recvfrom(lua_State *L, int slot, size_t max)
{
	struct task *k = vn_task_current(L);

	k->slot = slot;
	k->gen = vn_fdtab_gen(k->s->t, slot);
	k->len = max;
	return start(L, k, OP_RECVFROM);
}

int
vn_task_sendto(lua_State *L, int slot, const char *buf, size_t len,
               const struct sockaddr_storage *to, socklen_t tolen)
{
	struct task *k = vn_task_current(L);

	k->slot = slot;
	k->gen = vn_fdtab_gen(k->s->t, slot);
	k->buf = buf;
	k->len = len;
	k->to = *to;
	k->tolen = tolen;
	return start(L, k, OP_SENDTO);
}

int
vn_task_poll(lua_State *L)
{
	struct task *k = vn_task_current(L);
	lua_Number t;
	lua_Debug ar;
	int r;

	luaL_checktype(L, 1, LUA_TTABLE);
	t = luaL_optnumber(L, 2, -1);
	if (t != t)
		return luaL_argerror(L, 2, "timeout is not a number");
	k->deadline = t < 0 ? -1 : vn_now_ms() + (t > 1e9 ? 1000000000L : (long)t);
	lua_rawgeti(L, LUA_REGISTRYINDEX, k->s->tasks);
	if (!lua_getstack(L, 0, &ar) || !lua_getinfo(L, "f", &ar))
		return luaL_error(L, "net.poll: cannot find itself");
	k->pref = luaL_ref(L, -2);    /* net.poll, this function */
	lua_pushvalue(L, 1);
	k->tref = luaL_ref(L, -2);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
	k->wref = luaL_ref(L, -2);
	lua_pop(L, 1);
	k->op = OP_POLL;
	k->pwcap = 0;
	poll_now(L, k);
	if (lua_tonumber(L, -1) != 0 || t == 0) {
		vn_task_poll_end(L, k);
		return 1;
	}
	lua_pop(L, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, k->s->tasks);
	lua_rawgeti(L, -1, k->wref);
	r = vn_task_poll_wait(L, k, lua_gettop(L));
	if (r != WAITING) {
		vn_task_poll_end(L, k);
		return r;
	}
	return lua_yield(L, 0);
}

