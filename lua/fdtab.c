/* lua/fdtab.c: the per-state descriptor table. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include <lauxlib.h>

#include "../core/tls.h"
#include "fdtab.h"

static const char key; /* registry key: its address */

/* End a slot's TLS session before its socket is closed (vn_tls_end). */
static void
end_tls(struct vn_fdtab *t, int slot)
{
	if (t->tls[slot]) {
		vn_tls_end(t->tls[slot]);
		vn_tls_free(t->tls[slot]);
		t->tls[slot] = NULL;
	}
}

static int
fdtab_gc(lua_State *L)
{
	struct vn_fdtab *t = lua_touserdata(L, 1);
	int i;

	for (i = 3; i < t->cap; i++)
		if (t->fd[i] >= 0) {
			end_tls(t, i);
			close(t->fd[i]);
		}
	free(t->fd);
	free(t->tls);
	t->tls = NULL;
	free(t->gen);
	free(t->buf);
	free(t->pfd);
	free(t->keys);
	free(t->slot);
	free(t->freed);
	t->freed = NULL;
	t->nfreed = t->freedcap = 0;
	t->fd = NULL;
	t->gen = NULL;
	t->buf = NULL;
	t->pfd = NULL;
	t->keys = NULL;
	t->slot = NULL;
	t->cap = t->bufcap = t->pcap = 0;
	t->closed = 1;
	return 0;
}

struct vn_fdtab *
vn_fdtab_new(lua_State *L)
{
	struct vn_fdtab *t = lua_newuserdata(L, sizeof *t);
	int i;

	t->cap = 16;
	t->top = 3;
	t->freed = NULL;
	t->nfreed = t->freedcap = 0;
	t->closed = 0;
	t->buf = NULL;
	t->bufcap = 0;
	t->pfd = NULL;
	t->keys = NULL;
	t->slot = NULL;
	t->pcap = 0;
	t->fd = malloc(t->cap * sizeof *t->fd);
	t->gen = calloc(t->cap, sizeof *t->gen);
	t->tls = calloc(t->cap, sizeof *t->tls);
	if (!t->fd || !t->gen || !t->tls) {
		free(t->fd);
		free(t->gen);
		free(t->tls);
		luaL_error(L, "not enough memory");
	}
	for (i = 0; i < t->cap; i++)
		t->fd[i] = i < 3 ? i : -1;
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
	if (!(slot >= 0 && slot < t->cap) || slot != floor(slot))
		return -1;
	return t->fd[(int)slot];
}

static int
grow(struct vn_fdtab *t)
{
	int ncap = t->cap * 2, i;
	int *nfd;
	unsigned *ngen;
	struct vn_tls **ntls;

	if (ncap <= t->cap)
		return -1;
	nfd = realloc(t->fd, ncap * sizeof *nfd);
	if (!nfd)
		return -1;
	t->fd = nfd;
	ngen = realloc(t->gen, ncap * sizeof *ngen);
	if (!ngen)
		return -1;
	t->gen = ngen;
	ntls = realloc(t->tls, ncap * sizeof *ntls);
	if (!ntls)
		return -1;
	t->tls = ntls;
	for (i = t->cap; i < ncap; i++) {
		t->fd[i] = -1;
		t->gen[i] = 0;
		t->tls[i] = NULL;
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
vn_fdtab_add(struct vn_fdtab *t, int fd)
{
	int i;

	if (t->closed) {
		close(fd);
		return -1;
	}
	if (t->nfreed > 0) {
		i = heap_pop(t);
	} else {
		if (t->top == t->cap && grow(t) < 0) {
			close(fd);
			return -1;
		}
		i = t->top++;
	}
	t->fd[i] = fd;
	return i;
}

void
vn_fdtab_close(struct vn_fdtab *t, int slot)
{
	if (slot < 3 || slot >= t->cap || t->fd[slot] < 0)
		return;
	end_tls(t, slot);
	close(t->fd[slot]);
	t->fd[slot] = -1;
	t->gen[slot]++;
	if (slot == t->top - 1 && t->nfreed == 0)
		t->top--;
	else if (heap_push(t, slot) < 0)
		t->fd[slot] = -2;   /* out of memory: the slot is lost, not reused */
}

struct vn_tls *
vn_fdtab_tls(const struct vn_fdtab *t, lua_Number slot)
{
	if (vn_fdtab_get(t, slot) < 0)
		return NULL;
	return t->tls[(int)slot];
}

void
vn_fdtab_set_tls(struct vn_fdtab *t, int slot, struct vn_tls *tls)
{
	if (slot < 3 || slot >= t->cap || t->fd[slot] < 0 || t->tls[slot]) {
		vn_tls_free(tls);
		return;
	}
	t->tls[slot] = tls;
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
vn_fdtab_pollroom(struct vn_fdtab *t, size_t n)
{
	if (n > t->pcap) {
		size_t ncap = n < 64 ? 64 : 2 * n;
		struct pollfd *p = realloc(t->pfd, ncap * sizeof *p);
		lua_Number *k;
		int *sl;

		if (!p)
			return -1;
		t->pfd = p;
		k = realloc(t->keys, ncap * sizeof *k);
		if (!k)
			return -1;
		t->keys = k;
		sl = realloc(t->slot, ncap * sizeof *sl);
		if (!sl)
			return -1;
		t->slot = sl;
		t->pcap = ncap;
	}
	return 0;
}
