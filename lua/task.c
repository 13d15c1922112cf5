/* lua/task.c: tasks. A task is a coroutine; a blocking call inside it tries
 * once, and when it would wait, puts the task's waiter (core/loop.h) in the
 * loop and yields. net.run takes the ready waiters in order, finishes the
 * call of each (so the coroutine is resumed with its results: one yield per
 * wait), and turns the loop. net.serve's acceptors are tasks without a
 * coroutine: the loop wakes them and they spawn a handler per connection. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/conn.h"
#include "../core/loop.h"
#include "../core/net.h"
#include "../core/proc.h"
#include "../core/sig.h"
#include "../core/tls.h"
#include "../core/udp.h"
#include "../core/unix.h"
#include "fdtab.h"
#include "net.h"
#include "task.h"

#define TASK_META "vlcnet.task"
#define RECV_MAX (1 << 20)     /* as net.recv: at most this much per call */
#define ACCEPT_BURST 64        /* connections a serve task takes per turn */
#define BACKOFF_MS 100         /* accept failed (out of descriptors): pause */
#define PEERLEN (VN_ADDRSTRLEN + 112) /* an address, or a Unix path */

enum op {
	OP_START,     /* not started: resume with its arguments */
	OP_SLEEP,     /* net.sleep, or a bare coroutine.yield: resume with nothing */
	OP_RECV,
	OP_SEND,
	OP_ACCEPT,
	OP_CONNECT,
	OP_RECVFROM,
	OP_SENDTO,
	OP_POLL,      /* waits on several descriptors, then polls again */
	OP_HANDSHAKE, /* net.tls, net.connect_tls: the TLS handshake */
	OP_SERVE      /* a serve task: accept and spawn */
};

/* What attempt() did. */
enum { WAITING = -1, INTERRUPTED = -2 };

struct sched;

struct task {
	struct vn_waiter w;
	struct vn_waiter *more;   /* accept on several fds: the other waiters */
	struct sched *s;
	lua_State *co;            /* NULL for a serve task */
	unsigned id;              /* owner of the slots it opened */
	int ref;                  /* its entry in the tasks table */
	int alive;
	enum op op;
	int nargs;
	int slot;
	unsigned gen;             /* the slot's generation when the call began */
	const char *buf;          /* send: the string, kept on the task's stack */
	size_t len, done;
	void *lis;                /* accept, serve: the listener */
	int lref, href;           /* serve: the listener's and handler's refs */
	struct addrinfo *res, *ai;/* connect: the addresses, the next one */
	int cfd;                  /* connect: the socket in progress, or -1 */
	long deadline;
	struct vn_err err;
	struct sockaddr_storage to;   /* sendto: the destination */
	socklen_t tolen;
	struct vn_waiter *pw;     /* poll: a waiter per descriptor (on its stack) */
	int npw, pwcap;
	struct vn_tls_ctx *hctx;  /* handshake: the context, whether the session */
	int hstarted;             /* is the connection's yet, for connect_tls */
	char *hhost;              /* the host (SNI), and whether the slot is */
	int hclose;               /* closed when it fails */
	long htimeout;
	int pref, tref, wref;     /* poll: refs of net.poll, its table, and a
	                             copy of the events asked (poll overwrites) */
};

struct sched {
	struct vn_loop *loop;
	struct vn_fdtab *t;
	struct task *current;     /* the task running now */
	int ntasks;
	int tasks;                /* registry ref of the tasks table */
	unsigned nextid;
	unsigned *owner, *ogen;   /* slot -> task id and the slot's generation */
	int ocap;
};

static const char key;  /* registry key of the scheduler: its address */

static struct sched *
sched_of(lua_State *L)
{
	struct sched *s;

	lua_pushlightuserdata(L, (void *)&key);
	lua_rawget(L, LUA_REGISTRYINDEX);
	s = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return s;
}

static struct task *
current(lua_State *L)
{
	struct sched *s = sched_of(L);

	return s && s->current && s->current->co == L ? s->current : NULL;
}

int
vn_task_active(lua_State *L)
{
	return current(L) != NULL;
}

/* The identity of a slot's open file, for the loop (core/loop.h's tag). */
static unsigned long
tag(struct sched *s, int slot)
{
	return ((unsigned long)vn_fdtab_gen(s->t, slot) << 24) ^ (unsigned long)slot ^
	       0x5bd1e995UL;
}

static void
own(struct sched *s, unsigned id, int slot)
{
	if (slot >= s->ocap) {
		int n = s->ocap ? s->ocap : 64;
		unsigned *o, *g;

		while (n <= slot)
			n *= 2;
		o = realloc(s->owner, n * sizeof *o);
		if (!o)
			return;
		s->owner = o;
		g = realloc(s->ogen, n * sizeof *g);
		if (!g)
			return;
		s->ogen = g;
		memset(o + s->ocap, 0, (n - s->ocap) * sizeof *o);
		s->ocap = n;
	}
	s->owner[slot] = id;
	s->ogen[slot] = vn_fdtab_gen(s->t, slot);
}

void
vn_task_own(lua_State *L, int slot)
{
	struct task *k = current(L);

	if (k && slot >= 3)
		own(k->s, k->id, slot);
}

static void
closing(struct sched *s, int slot)
{
	int fd = vn_fdtab_get(s->t, slot);

	if (fd >= 0)
		vn_loop_closing(s->loop, fd);
}

void
vn_task_closing(lua_State *L, int slot)
{
	struct sched *s = sched_of(L);

	if (s)
		closing(s, slot);
}

/* --- waiting ----------------------------------------------------------------- */

static void
cancel(struct task *k)
{
	int i;

	vn_loop_cancel(k->s->loop, &k->w);
	if (k->more)
		for (i = 0; i < VN_MAXLISTEN - 1; i++)
			vn_loop_cancel(k->s->loop, &k->more[i]);
	for (i = 0; i < k->npw; i++)
		vn_loop_cancel(k->s->loop, &k->pw[i]);
	k->npw = 0;
}

static int
push_fail(lua_State *L, const char *why)
{
	lua_pushinteger(L, -1);
	lua_pushstring(L, why);
	return 2;
}

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

static int
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* --- the operations: try once, push the results or wait ------------------- */

/* The connection of the task's slot, or NULL once the slot was closed
 * while the task waited (even when a new connection has taken its number). */
static struct vn_conn *
task_conn(struct task *k)
{
	struct vn_conn *c = vn_fdtab_conn(k->s->t, k->slot);

	return c && vn_fdtab_gen(k->s->t, k->slot) == k->gen ? c : NULL;
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
	unsigned long tg = tag(k->s, k->slot);
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
	if (bare && (r < 0 ? would_block() : (size_t)r < k->len && r > 0))
		vn_loop_drained(k->s->loop, c->fd, tg);
	if (r > 0) {
		lua_pushlstring(L, buf, (size_t)r);
		return 1;
	}
	if (r == 0) {
		lua_pushnil(L);
		return 1;
	}
	if (would_block())
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
			if (would_block())
				return wait_on(L, k, c->fd, vn_conn_want(c, POLLOUT),
				               tag(k->s, k->slot), -1, 0);
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
			own(k->s, k->id, slot);
			lua_pushinteger(L, slot);
			return 1;
		}
		if (errno == EINTR && vn_sig_pending())
			return INTERRUPTED;
		if (!would_block())
			return push_fail(L, strerror(errno));
	}
	if (n > 1 && !k->more &&
	    !(k->more = calloc(VN_MAXLISTEN - 1, sizeof *k->more)))
		return push_fail(L, strerror(ENOMEM));
	for (i = 1; i < n; i++) {
		k->more[i - 1].data = k;
		if (vn_loop_wait(k->s->loop, &k->more[i - 1], fds[i], POLLIN,
		                 tag(k->s, slots[i]), -1) < 0) {
			cancel(k);
			return push_fail(L, strerror(errno));
		}
	}
	if (wait_on(L, k, fds[0], POLLIN, tag(k->s, slots[0]), -1, 0) != WAITING) {
		cancel(k);
		return 2;
	}
	return WAITING;
}

static void
handshake_end(struct task *k)
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
	handshake_end(k);
	if (c && k->hclose) {
		closing(k->s, k->slot);
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
		handshake_end(k);
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
	return wait_on(L, k, c->fd, POLLIN | POLLOUT, tag(k->s, k->slot), k->deadline, 0);
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

static int
try_connect(lua_State *L, struct task *k)
{
	int slot;

	if (k->cfd >= 0) {
		if (k->deadline >= 0 && vn_now_ms() >= k->deadline) {
			connect_end(k);
			handshake_end(k);
			return push_fail(L, strerror(ETIMEDOUT));
		}
		if (vn_connect_done(k->cfd, &k->err) == 0) {
			int fd = k->cfd;

			k->cfd = -1;
			connect_end(k);
			if ((slot = vn_fdtab_add(k->s->t, fd)) < 0)
				return push_fail(L, "not enough memory");
			own(k->s, k->id, slot);
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
		connect_drop(k);
	}
	while (k->ai) {
		const struct addrinfo *ai = k->ai;

		k->ai = ai->ai_next;
		k->cfd = vn_connect_start(ai, &k->err);
		if (k->cfd >= 0)
			return wait_on(L, k, k->cfd, POLLOUT, 0, k->deadline, 0);
	}
	connect_end(k);
	handshake_end(k);
	return push_fail(L, vn_err_str(&k->err));
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
		if (would_block())
			return wait_on(L, k, fd, POLLIN, tag(k->s, k->slot), -1, 1);
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
		if (would_block())
			return wait_on(L, k, fd, POLLOUT, tag(k->s, k->slot), -1, 0);
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

static void
poll_end(lua_State *L, struct task *k)
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
static int
poll_wait(lua_State *L, struct task *k, int i)
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
		                 tag(s, (int)slot), -1) == 0)
			k->npw++;
	}
	k->w.data = k;
	if (k->deadline >= 0 &&
	    vn_loop_wait(s->loop, &k->w, -1, 0, 0, k->deadline) < 0) {
		cancel(k);
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
		poll_end(L, k);
		return 1;
	}
	lua_pop(L, 1);
	return WAITING;
}

/* Try the task's operation: its results pushed on L (their count), WAITING
 * (its waiter is in the loop), or INTERRUPTED. */
static int
attempt(lua_State *L, struct task *k)
{
	switch (k->op) {
	case OP_RECV: return try_recv(L, k);
	case OP_SEND: return try_send(L, k);
	case OP_ACCEPT: return try_accept(L, k);
	case OP_CONNECT: return try_connect(L, k);
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
	n = attempt(L, k);
	if (n == INTERRUPTED)
		return vn_lua_interrupted(L);
	if (n == WAITING)
		return lua_yield(L, 0);
	return n;
}

/* --- the bindings ------------------------------------------------------------ */

int
vn_task_recv(lua_State *L)
{
	struct task *k = current(L);
	lua_Number n = luaL_checknumber(L, 1), max = luaL_optnumber(L, 2, 1);

	if (!(max > 0))
		return luaL_argerror(L, 2, "length must be positive");
	k->slot = vn_fdtab_get(k->s->t, n) < 0 ? -1 : (int)n;
	k->len = max >= RECV_MAX ? RECV_MAX : max < 1 ? 1 : (size_t)max;
	if (k->slot < 0) {
		lua_pushnil(L);
		return 1;
	}
	k->gen = vn_fdtab_gen(k->s->t, k->slot);
	return start(L, k, OP_RECV);
}

int
vn_task_send(lua_State *L)
{
	struct task *k = current(L);
	lua_Number n = luaL_checknumber(L, 1), len;
	size_t l;
	const char *buf = luaL_checklstring(L, 2, &l);

	len = luaL_optnumber(L, 3, (lua_Number)l);
	k->slot = vn_fdtab_get(k->s->t, n) < 0 ? -1 : (int)n;
	if (k->slot < 0) {
		lua_pushinteger(L, -1);
		return 1;
	}
	k->gen = vn_fdtab_gen(k->s->t, k->slot);
	k->buf = buf;   /* argument 2 stays on the task's stack while it waits */
	k->len = !(len > 0) ? 0 : len >= (lua_Number)l ? l : (size_t)len;
	k->done = 0;
	if (vn_fdtab_get(k->s->t, n) == 1 || vn_fdtab_get(k->s->t, n) == 2)
		fflush(stdout);  /* keep print() and net.write(1, …) in order */
	return start(L, k, OP_SEND);
}

int
vn_task_accept(lua_State *L)
{
	struct task *k = current(L);

	k->lis = vn_lua_checklistener(L, 1);
	return start(L, k, OP_ACCEPT);
}

int
vn_task_connect_tcp(lua_State *L, const char *host, int port, int timeout)
{
	struct task *k = current(L);

	/* Resolving does not wait on the loop: names are looked up at once. */
	if (vn_resolve_tcp(host, port, AF_UNSPEC, &k->res, &k->err) < 0)
		return push_fail(L, vn_err_str(&k->err));
	k->ai = k->res;
	k->cfd = -1;
	k->deadline = timeout < 0 ? -1 : vn_now_ms() + timeout;
	return start(L, k, OP_CONNECT);
}

int
vn_task_tls(lua_State *L, int slot, struct vn_tls_ctx *c, int timeout)
{
	struct task *k = current(L);

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
                    struct vn_tls_ctx *c, int timeout)
{
	struct task *k = current(L);

	k->hctx = c;
	if (!(k->hhost = strdup(host))) {
		handshake_end(k);
		return push_fail(L, strerror(ENOMEM));
	}
	k->htimeout = timeout;
	if (vn_resolve_tcp(host, port, AF_UNSPEC, &k->res, &k->err) < 0) {
		handshake_end(k);
		return push_fail(L, vn_err_str(&k->err));
	}
	k->ai = k->res;
	k->cfd = -1;
	k->deadline = timeout < 0 ? -1 : vn_now_ms() + timeout;
	return start(L, k, OP_CONNECT);
}

int
vn_task_recvfrom(lua_State *L)
{
	struct task *k = current(L);
	lua_Number n = luaL_checknumber(L, 1), max = luaL_optnumber(L, 2, 65535);

	if (!(max > 0))
		return luaL_argerror(L, 2, "length must be positive");
	k->slot = vn_fdtab_get(k->s->t, n) < 0 ? -1 : (int)n;
	k->len = max >= RECV_MAX ? RECV_MAX : max < 1 ? 1 : (size_t)max;
	if (k->slot < 0) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(EBADF));
		return 2;
	}
	k->gen = vn_fdtab_gen(k->s->t, k->slot);
	return start(L, k, OP_RECVFROM);
}

int
vn_task_sendto(lua_State *L)
{
	struct task *k = current(L);
	lua_Number n = luaL_checknumber(L, 1), p;
	size_t len;
	const char *buf = luaL_checklstring(L, 2, &len);
	const char *host = luaL_checkstring(L, 3);
	int fd;

	p = luaL_checknumber(L, 4);
	k->slot = (fd = vn_fdtab_get(k->s->t, n)) < 0 ? -1 : (int)n;
	if (k->slot < 0)
		return push_fail(L, strerror(EBADF));
	if (!(p >= 0 && p <= 65535 && p == (int)p))
		return push_fail(L, "invalid port");
	if (vn_udp_dest(fd, host, (int)p, &k->to, &k->tolen, &k->err) < 0)
		return push_fail(L, vn_err_str(&k->err));
	k->gen = vn_fdtab_gen(k->s->t, k->slot);
	k->buf = buf;
	k->len = len;
	return start(L, k, OP_SENDTO);
}

int
vn_task_poll(lua_State *L)
{
	struct task *k = current(L);
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
		poll_end(L, k);
		return 1;
	}
	lua_pop(L, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, k->s->tasks);
	lua_rawgeti(L, -1, k->wref);
	r = poll_wait(L, k, lua_gettop(L));
	if (r != WAITING) {
		poll_end(L, k);
		return r;
	}
	return lua_yield(L, 0);
}

/* --- tasks ---------------------------------------------------------------- */

static int
task_gc(lua_State *L)
{
	struct task *k = lua_touserdata(L, 1);

	/* The loop may be gone already (the state is closing): no cancel. */
	if (k->cfd >= 0)
		close(k->cfd);
	k->cfd = -1;
	if (k->res)
		freeaddrinfo(k->res);
	k->res = NULL;
	free(k->more);
	k->more = NULL;
	handshake_end(k);
	return 0;
}

/* A new task in the tasks table, ready to start; a coroutine running the
 * function under nargs arguments on L's top (popped), unless serve. */
static struct task *
new_task(lua_State *L, struct sched *s, int nargs, int serve)
{
	struct task *k;
	lua_State *co = NULL;

	lua_rawgeti(L, LUA_REGISTRYINDEX, s->tasks);
	if (!serve)
		co = lua_newthread(L);
	k = lua_newuserdata(L, sizeof *k);
	memset(k, 0, sizeof *k);
	k->w.heap = -1;
	k->cfd = -1;
	k->lref = k->href = k->pref = k->tref = k->wref = LUA_NOREF;
	luaL_getmetatable(L, TASK_META);
	lua_setmetatable(L, -2);
	if (co)
		lua_xmove(L, co, 1);   /* the task's memory lives as long as its stack */
	k->ref = luaL_ref(L, -2);
	lua_pop(L, 1);
	k->s = s;
	k->co = co;
	k->id = ++s->nextid ? s->nextid : ++s->nextid;
	k->alive = 1;
	k->op = OP_START;
	k->nargs = nargs;
	if (co)
		lua_xmove(L, co, nargs + 1);
	k->w.data = k;
	s->ntasks++;
	vn_loop_wake(s->loop, &k->w, 0);
	return k;
}

static void
finish(lua_State *L, struct task *k)
{
	struct sched *s = k->s;

	cancel(k);
	lua_rawgeti(L, LUA_REGISTRYINDEX, s->tasks);
	luaL_unref(L, -1, k->lref);
	luaL_unref(L, -1, k->href);
	luaL_unref(L, -1, k->ref);
	lua_pop(L, 1);
	k->alive = 0;
	k->co = NULL;
	s->ntasks--;
}

/* A failed task: its descriptors are closed, the others go on. */
static void
fail(struct task *k)
{
	struct sched *s = k->s;
	int i;

	for (i = 3; i < s->ocap; i++)
		if (s->owner[i] == k->id && s->ogen[i] == vn_fdtab_gen(s->t, i) &&
		    vn_fdtab_get(s->t, i) >= 0) {
			closing(s, i);
			vn_fdtab_close(s->t, i);
		}
}

/* Resume k's coroutine with the nres values on its stack top. */
static void
resume(lua_State *L, struct task *k, int nres)
{
	struct sched *s = k->s;
	lua_State *co = k->co;
	int r;

	s->current = k;
	r = lua_resume(co, nres);
	s->current = NULL;
	if (r == LUA_YIELD) {
		if (k->w.queued || k->npw > 0)
			return;
		/* A bare coroutine.yield: the task lets the others run. */
		lua_settop(co, 0);
		k->op = OP_SLEEP;
		k->w.data = k;
		vn_loop_wake(s->loop, &k->w, 0);
		return;
	}
	if (r == 0) {
		finish(L, k);
		return;
	}
	if (vn_sig_pending()) {
		fail(k);
		finish(L, k);
		vn_lua_interrupted(L);
	}
	if (lua_type(co, -1) == LUA_TLIGHTUSERDATA) {
		/* vlc.misc.quit(): it ends net.run and the script */
		lua_xmove(co, L, 1);
		fail(k);
		finish(L, k);
		lua_error(L);
	}
	if (lua_isstring(co, -1))
		vn_warn("task: %s", lua_tostring(co, -1));
	else
		vn_warn("task: (error object is a %s value)", luaL_typename(co, -1));
	fail(k);
	finish(L, k);
}

/* The peer as the tools name it: ADDR:PORT, or for a Unix client (unnamed)
 * the listening socket's path. */
static void
peer_name(char peer[PEERLEN], const char *path, int lfd,
          const struct sockaddr_storage *from)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;

	if (from->ss_family != AF_UNIX)
		vn_addr_format((const struct sockaddr *)from, peer);
	else if (path)
		snprintf(peer, PEERLEN, "%s", path);
	else if (getsockname(lfd, (struct sockaddr *)&sa, &len) == 0)
		vn_unix_format(&sa, len, peer, PEERLEN);
	else
		peer[0] = '\0';
}

/* A serve task's turn: take the pending connections, a handler each. */
static void
serve_step(lua_State *L, struct task *k)
{
	struct sched *s = k->s;
	int slots[VN_MAXLISTEN], fds[VN_MAXLISTEN], n, i, lfd = -1, lslot = -1;
	const char *path;
	char why[VN_WHYLEN], peer[PEERLEN];

	n = vn_lua_listener_fds(k->lis, slots, fds, &path);
	for (i = 0; i < n; i++)
		if (slots[i] == k->slot) {
			lfd = fds[i];
			lslot = slots[i];
		}
	if (lfd < 0) {
		finish(L, k);   /* the listener was closed */
		return;
	}
	for (i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage from;
		struct task *h;
		int fd = vn_accept_now(lfd, &from), slot;

		if (fd < 0) {
			if (would_block()) {
				if (vn_loop_wait(s->loop, &k->w, lfd, POLLIN, tag(s, lslot), -1) == 0)
					return;
			} else if (errno == EINTR) {
				vn_loop_wake(s->loop, &k->w, 0);
				return;
			}
			/* Out of descriptors (EMFILE…): the listener stays readable,
			 * so waiting on it would spin; pause instead. */
			vn_loop_wait(s->loop, &k->w, -1, 0, 0, vn_now_ms() + BACKOFF_MS);
			return;
		}
		if ((slot = vn_lua_listener_adopt(k->lis, fd, why)) < 0)
			continue;
		peer_name(peer, path, lfd, &from);
		lua_rawgeti(L, LUA_REGISTRYINDEX, s->tasks);
		lua_rawgeti(L, -1, k->href);
		lua_remove(L, -2);
		lua_pushinteger(L, slot);
		lua_pushstring(L, peer);
		h = new_task(L, s, 2, 0);
		own(s, h->id, slot);
	}
	vn_loop_wake(s->loop, &k->w, 0);   /* more may wait: after the others */
}

/* A ready waiter: finish its task's call and resume it. */
static void
step(lua_State *L, struct task *k)
{
	int base = lua_gettop(L), n;

	if (!k->alive)
		return;
	cancel(k);
	if (!k->co) {
		serve_step(L, k);
		lua_settop(L, base);
		return;
	}
	switch (k->op) {
	case OP_START:
		n = k->nargs;
		k->op = OP_SLEEP;
		break;
	case OP_SLEEP:
		n = 0;
		break;
	default:
		n = attempt(L, k);
		if (n == WAITING && k->op == OP_POLL) {
			/* a spurious wake: wait again, on the same table */
			lua_rawgeti(L, LUA_REGISTRYINDEX, k->s->tasks);
			lua_rawgeti(L, -1, k->wref);
			n = poll_wait(L, k, lua_gettop(L));
			if (n == WAITING) {
				lua_settop(L, base);
				return;
			}
			lua_replace(L, base + 1);
			lua_settop(L, base + 1);
			poll_end(L, k);
		}
		if (n == WAITING)
			return;
		if (n == INTERRUPTED)
			vn_lua_interrupted(L);
		lua_checkstack(k->co, n + LUA_MINSTACK);
		lua_xmove(L, k->co, n);
	}
	resume(L, k, n);
	lua_settop(L, base);
}

/* --- net.spawn, net.run, net.serve, net.sleep ---------------------------- */

static struct sched *
getsched(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

static int
task_spawn(lua_State *L)
{
	struct sched *s = getsched(L);

	luaL_checktype(L, 1, LUA_TFUNCTION);
	new_task(L, s, lua_gettop(L) - 1, 0);
	return 0;
}

static int
task_run(lua_State *L)
{
	struct sched *s = getsched(L);
	struct vn_waiter *w;

	if (s->current)
		return luaL_argerror(L, 1, "net.run inside a task");
	for (;;) {
		while ((w = vn_loop_ready(s->loop)))
			step(L, w->data);
		if (s->ntasks == 0)
			break;
		switch (vn_loop_turn(s->loop)) {
		case VN_LOOP_OK:
			break;
		case VN_LOOP_IDLE:     /* tasks left, none can ever wake */
			lua_pushboolean(L, 0);
			return 1;
		case VN_LOOP_INTERRUPTED:
			return vn_lua_interrupted(L);
		case VN_LOOP_FAILED:
			return luaL_error(L, "event loop: %s", strerror(errno));
		}
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int
task_serve(lua_State *L)
{
	struct sched *s = getsched(L);
	void *l = vn_lua_checklistener(L, 1);
	int slots[VN_MAXLISTEN], fds[VN_MAXLISTEN], n, i;
	const char *path;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	n = vn_lua_listener_fds(l, slots, fds, &path);
	if (n == 0)
		return luaL_argerror(L, 1, "listener is closed");
	for (i = 0; i < n; i++) {
		struct task *k = new_task(L, s, 0, 1);

		k->op = OP_SERVE;
		k->lis = l;
		k->slot = slots[i];
		lua_rawgeti(L, LUA_REGISTRYINDEX, s->tasks);
		lua_pushvalue(L, 1);
		k->lref = luaL_ref(L, -2);
		lua_pushvalue(L, 2);
		k->href = luaL_ref(L, -2);
		lua_pop(L, 1);
	}
	return 0;
}

static int
task_sleep(lua_State *L)
{
	lua_Number ms = luaL_checknumber(L, 1);
	struct task *k = current(L);
	long end;

	if (ms != ms)
		return luaL_argerror(L, 1, "not a number");
	if (ms < 0)
		ms = 0;
	if (ms > 1e12)
		ms = 1e12;
	end = vn_now_ms() + (long)ms;
	if (k) {
		k->op = OP_SLEEP;
		k->w.data = k;
		if (vn_loop_wait(k->s->loop, &k->w, -1, 0, 0, end) < 0)
			return luaL_error(L, "not enough memory");
		return lua_yield(L, 0);
	}
	for (;;) {
		long left = end - vn_now_ms();
		struct timespec ts;

		if (vn_sig_pending())
			return vn_lua_interrupted(L);
		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		nanosleep(&ts, NULL);   /* a signal ends it early: checked above */
	}
}

static int
sched_gc(lua_State *L)
{
	struct sched *s = lua_touserdata(L, 1);

	vn_loop_free(s->loop);
	s->loop = NULL;
	free(s->owner);
	free(s->ogen);
	s->owner = s->ogen = NULL;
	s->ocap = 0;
	return 0;
}

void
vn_task_open(lua_State *L, int net, int tab)
{
	static const luaL_Reg funcs[] = {
		{ "spawn", task_spawn },
		{ "run", task_run },
		{ "serve", task_serve },
		{ "sleep", task_sleep },
		{ NULL, NULL }
	};
	const luaL_Reg *r;
	struct sched *s = lua_newuserdata(L, sizeof *s);

	memset(s, 0, sizeof *s);
	s->t = lua_touserdata(L, tab);
	s->tasks = LUA_NOREF;
	if (!(s->loop = vn_loop_new()))
		luaL_error(L, "event loop: %s", strerror(errno));
	lua_newtable(L);
	lua_pushcfunction(L, sched_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_pushlightuserdata(L, (void *)&key);
	lua_pushvalue(L, -2);
	lua_rawset(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	s->tasks = luaL_ref(L, LUA_REGISTRYINDEX);
	if (luaL_newmetatable(L, TASK_META)) {
		lua_pushcfunction(L, task_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	for (r = funcs; r->name; r++) {
		lua_pushvalue(L, -1);
		lua_pushcclosure(L, r->func, 1);
		lua_setfield(L, net, r->name);
	}
	lua_pop(L, 1);
}
