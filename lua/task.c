/* lua/task.c: tasks. A task is a coroutine; a blocking call inside it tries
 * once (lua/task_op.c), and when it would wait, puts the task's waiter
 * (core/loop.h) in the loop and yields. net.run takes the ready waiters in
 * order, finishes the call of each (so the coroutine is resumed with its
 * results: one yield per wait), and turns the loop. net.serve's acceptors
 * are tasks without a coroutine: the loop wakes them and they spawn a
 * handler per connection. This file is the scheduler. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "../core/loop.h"
#include "../core/net.h"
#include "../core/proc.h"
#include "../core/sig.h"
#include "../core/unix.h"
#include "fdtab.h"
#include "net.h"
#include "task.h"
#include "task_int.h"

#define TASK_META "vlcnet.task"
#define ACCEPT_BURST 64        /* connections a serve task takes per turn */
#define BACKOFF_MS 100         /* accept failed (out of descriptors): pause */
#define PEERLEN (VN_ADDRSTRLEN + 112) /* an address, or a Unix path */

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

/* The task being resumed, in this thread: every binding asks whether it
 * runs inside a task, so this costs a compare, not a registry lookup.
 * initial-exec: one word of the static TLS that glibc keeps for modules
 * loaded later (vlcnet.so), not a dynamic block, which LeakSanitizer's
 * tracer crashes on (LuaJIT with require "vlcnet", in the sanitized pass). */
static __thread struct task *running __attribute__((tls_model("initial-exec")));

struct task *
vn_task_current(lua_State *L)
{
	struct task *k = running;

	return k && k->co == L && k->s->current == k ? k : NULL;
}

int
vn_task_active(lua_State *L)
{
	return vn_task_current(L) != NULL;
}

/* The identity of a slot's open file, for the loop (core/loop.h's tag). */
unsigned long
vn_task_tag_of(int slot, unsigned gen)
{
	return ((unsigned long)gen << 24) ^ (unsigned long)slot ^ 0x5bd1e995UL;
}

unsigned long
vn_task_tag(struct sched *s, int slot)
{
	return vn_task_tag_of(slot, vn_fdtab_gen(s->t, slot));
}

void
vn_task_own_slot(struct sched *s, unsigned id, int slot)
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
	struct task *k = vn_task_current(L);

	if (k && slot >= 3)
		vn_task_own_slot(k->s, k->id, slot);
}

void
vn_task_closing_slot(struct sched *s, int slot)
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
		vn_task_closing_slot(s, slot);
}

/* --- waiting ----------------------------------------------------------------- */

void
vn_task_cancel(struct task *k)
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
	vn_task_handshake_end(k);
	vn_task_proxy_end(k);
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

	vn_task_cancel(k);
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
			vn_task_closing_slot(s, i);
			vn_fdtab_close(s->t, i);
		}
}

/* Resume k's coroutine with the nres values on its stack top. */
static void
resume(lua_State *L, struct task *k, int nres)
{
	struct sched *s = k->s;
	lua_State *co = k->co;
	struct task *outer = running;
	int r;

	s->current = running = k;
	r = lua_resume(co, nres);
	s->current = NULL;
	running = outer;
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
			if (vn_task_would_block()) {
				if (vn_loop_wait(s->loop, &k->w, lfd, POLLIN, vn_task_tag(s, lslot), -1) == 0)
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
		vn_task_own_slot(s, h->id, slot);
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
	vn_task_cancel(k);
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
		n = vn_task_attempt(L, k);
		if (n == WAITING && k->op == OP_POLL) {
			/* a spurious wake: wait again, on the same table */
			lua_rawgeti(L, LUA_REGISTRYINDEX, k->s->tasks);
			lua_rawgeti(L, -1, k->wref);
			n = vn_task_poll_wait(L, k, lua_gettop(L));
			if (n == WAITING) {
				lua_settop(L, base);
				return;
			}
			lua_replace(L, base + 1);
			lua_settop(L, base + 1);
			vn_task_poll_end(L, k);
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
		/* the session log (-o, -x) is current while the tasks wait */
		vn_fdtab_flush(vn_fdtab_of(L));
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
	struct task *k = vn_task_current(L);
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
