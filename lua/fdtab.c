/* lua/fdtab.c: the per-state descriptor table. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "../core/conn.h"
#include "fdtab.h"

struct vn_fdtab {
	struct vn_conn *conn; /* slot -> its connection, fd -1 when free */
	unsigned *gen;      /* bumped at each close, so stale owners can tell */
	int cap;            /* slots allocated */
	int top;            /* every slot from here up is free (>= 3) */
	int *freed;         /* min-heap of the free slots below top */
	int nfreed, freedcap;
	int closed;         /* the table was finalized: every descriptor is closed */
	char *buf;          /* scratch for recv/read, grown on demand */
	size_t bufcap;
	struct vn_fdtab_poll poll; /* scratch for poll, grown on demand */
	size_t pcap;
	const struct vn_conn_tap *tap; /* given to every connection added */
};

static const char key; /* registry key: its address */

static int
fdtab_gc(lua_State *L)
{
	struct vn_fdtab *t = lua_touserdata(L, 1);
	int i;

	for (i = 3; i < t->cap; i++)
		if (t->conn[i].fd >= 0)
			vn_conn_end(&t->conn[i]);
	free(t->conn);
	free(t->gen);
	free(t->buf);
	free(t->poll.pfd);
	free(t->poll.keys);
	free(t->poll.slot);
	free(t->freed);
	memset(t, 0, sizeof *t);
	t->closed = 1;
	return 0;
}

struct vn_fdtab *
vn_fdtab_new(lua_State *L)
{
	struct vn_fdtab *t = lua_newuserdata(L, sizeof *t);
	int i;

	memset(t, 0, sizeof *t);
	t->cap = 16;
	t->top = 3;
	t->conn = malloc(t->cap * sizeof *t->conn);
	t->gen = calloc(t->cap, sizeof *t->gen);
	if (!t->conn || !t->gen) {
		free(t->conn);
		free(t->gen);
		luaL_error(L, "not enough memory");
	}
	for (i = 0; i < t->cap; i++)
		vn_conn_plain(&t->conn[i], i < 3 ? i : -1);
	lua_newtable(L);
	lua_pushcfunction(L, fdtab_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_pushlightuserdata(L, (void *)&key);
	lua_pushvalue(L, -2);
	lua_rawset(L, LUA_REGISTRYINDEX);
	return t;
}

struct vn_fdtab *
vn_fdtab_of(lua_State *L)
{
	struct vn_fdtab *t;

	lua_pushlightuserdata(L, (void *)&key);
	lua_rawget(L, LUA_REGISTRYINDEX);
	t = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return t;
}

int
vn_fdtab_get(const struct vn_fdtab *t, lua_Number slot)
{
	/* Anything that is not a whole number inside the table is "not open". */
	if (!(slot >= 0 && slot < t->cap) || slot != (lua_Number)(int)slot)
		return -1;
	return t->conn[(int)slot].fd < 0 ? -1 : t->conn[(int)slot].fd;
}

struct vn_conn *
vn_fdtab_conn(const struct vn_fdtab *t, lua_Number slot)
{
	return vn_fdtab_get(t, slot) < 0 ? NULL : &t->conn[(int)slot];
}

unsigned
vn_fdtab_gen(const struct vn_fdtab *t, int slot)
{
	return slot >= 0 && slot < t->cap ? t->gen[slot] : 0;
}

struct vn_conn *
vn_fdtab_conn_gen(const struct vn_fdtab *t, int slot, unsigned gen)
{
	if (slot < 0 || slot >= t->cap || t->gen[slot] != gen || t->conn[slot].fd < 0)
		return NULL;
	return &t->conn[slot];
}

int
vn_fdtab_closed(const struct vn_fdtab *t)
{
	return t->closed;
}

static int
grow(struct vn_fdtab *t)
{
	int ncap = t->cap * 2, i;
	struct vn_conn *nconn;
	unsigned *ngen;

	if (ncap <= t->cap)
		return -1;
	nconn = realloc(t->conn, ncap * sizeof *nconn);
	if (!nconn)
		return -1;
	t->conn = nconn;
	ngen = realloc(t->gen, ncap * sizeof *ngen);
	if (!ngen)
		return -1;
	t->gen = ngen;
	for (i = t->cap; i < ncap; i++) {
		vn_conn_plain(&t->conn[i], -1);
		t->gen[i] = 0;
	}
	t->cap = ncap;
	return 0;
}

/* The freed slots form a binary min-heap, so the lowest one is at the root. */
static void
heap_swap(int *h, int a, int b)
{
	int x = h[a];

	h[a] = h[b];
	h[b] = x;
}

static int
heap_pop(struct vn_fdtab *t)
{
	int *h = t->freed, min = h[0], i = 0;

	h[0] = h[--t->nfreed];
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < t->nfreed && h[l] < h[m])
			m = l;
		if (r < t->nfreed && h[r] < h[m])
			m = r;
		if (m == i)
			return min;
		heap_swap(h, i, m);
		i = m;
	}
}

static int
heap_push(struct vn_fdtab *t, int slot)
{
	int i;

	if (t->nfreed == t->freedcap) {
		int ncap = t->freedcap ? 2 * t->freedcap : 16;
		int *h = realloc(t->freed, ncap * sizeof *h);

		if (!h)
			return -1;
		t->freed = h;
		t->freedcap = ncap;
	}
	i = t->nfreed++;
	t->freed[i] = slot;
	while (i > 0 && t->freed[(i - 1) / 2] > t->freed[i]) {
		heap_swap(t->freed, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

int
vn_fdtab_add_conn(struct vn_fdtab *t, struct vn_conn *c)
{
	int i;

	if (t->closed) {
		vn_conn_end(c);
		return -1;
	}
	if (t->nfreed > 0) {
		i = heap_pop(t);
	} else {
		if (t->top == t->cap && grow(t) < 0) {
			vn_conn_end(c);
			return -1;
		}
		i = t->top++;
	}
	t->conn[i] = *c;
	if (!t->conn[i].tap)
		t->conn[i].tap = t->tap;
	vn_conn_plain(c, -1);
	return i;
}

void
vn_fdtab_set_tap(struct vn_fdtab *t, const struct vn_conn_tap *tap)
{
	t->tap = tap;
}

int
vn_fdtab_flush(struct vn_fdtab *t)
{
	return t->tap && t->tap->flush ? t->tap->flush(t->tap->ctx) : 0;
}

int
vn_fdtab_add(struct vn_fdtab *t, int fd)
{
	struct vn_conn c;

	vn_conn_plain(&c, fd);
	return vn_fdtab_add_conn(t, &c);
}

void
vn_fdtab_close(struct vn_fdtab *t, int slot)
{
	if (slot < 3 || slot >= t->cap || t->conn[slot].fd < 0)
		return;
	vn_conn_end(&t->conn[slot]);
	t->gen[slot]++;
	if (slot == t->top - 1 && t->nfreed == 0)
		t->top--;
	else if (heap_push(t, slot) < 0)
		t->conn[slot].fd = -2;  /* out of memory: the slot is lost, not reused */
}

void *
vn_fdtab_scratch(struct vn_fdtab *t, size_t n)
{
	if (n > t->bufcap) {
		char *b = realloc(t->buf, n);

		if (!b)
			return NULL;
		t->buf = b;
		t->bufcap = n;
	}
	return t->buf;
}

int
vn_fdtab_pollroom(struct vn_fdtab *t, size_t n, struct vn_fdtab_poll *p)
{
	if (n > t->pcap) {
		size_t ncap = n < 64 ? 64 : 2 * n;
		struct pollfd *pfd = realloc(t->poll.pfd, ncap * sizeof *pfd);
		lua_Number *k;
		int *sl;

		if (!pfd)
			return -1;
		t->poll.pfd = pfd;
		k = realloc(t->poll.keys, ncap * sizeof *k);
		if (!k)
			return -1;
		t->poll.keys = k;
		sl = realloc(t->poll.slot, ncap * sizeof *sl);
		if (!sl)
			return -1;
		t->poll.slot = sl;
		t->pcap = ncap;
	}
	*p = t->poll;
	return 0;
}
