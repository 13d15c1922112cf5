/* lua/fdtab.h: a Lua state's descriptor table. Scripts see slot numbers: 0-2 are
 * the process's stdio, sockets take the lowest free slot from 3 up. */
#ifndef VN_FDTAB_H
#define VN_FDTAB_H

#include <poll.h>
#include <stddef.h>

#include <lua.h>

struct vn_fdtab {
	int *fd;            /* slot -> OS descriptor, -1 when free */
	struct vn_tls **tls; /* slot -> its TLS session, or NULL (plain) */
	unsigned *gen;      /* bumped at each close, so stale owners can tell */
	int cap;            /* slots allocated */
	int top;            /* every slot from here up is free (>= 3) */
	int *freed;         /* min-heap of the free slots below top */
	int nfreed, freedcap;
	int closed;         /* the table was finalized: every descriptor is closed */
	char *buf;          /* scratch for recv/read, grown on demand */
	size_t bufcap;
	struct pollfd *pfd; /* scratch for poll, grown on demand */
	lua_Number *keys;   /* poll's keys, in table order */
	int *slot;          /* for each key, its entry in pfd, or -1 */
	size_t pcap;
};

/* Create the table as a userdata, store it in the registry and leave it on the
 * stack. Closing the state closes every descriptor it still holds. */
struct vn_fdtab *vn_fdtab_new(lua_State *L);
/* The table of this state (from the registry). */
struct vn_fdtab *vn_fdtab_of(lua_State *L);
/* The OS descriptor behind a slot, or -1 when the slot is not open. */
int vn_fdtab_get(const struct vn_fdtab *t, lua_Number slot);
/* Put an OS descriptor in the lowest free slot (O(log n)); returns it, or -1
 * (and closes fd) when memory runs out. */
int vn_fdtab_add(struct vn_fdtab *t, int fd);
/* The TLS session of an open slot, or NULL. */
struct vn_tls *vn_fdtab_tls(const struct vn_fdtab *t, lua_Number slot);
/* Make tls the session of the open slot >= 3 (the table frees it with the
 * slot, after a close_notify); otherwise tls is freed. */
void vn_fdtab_set_tls(struct vn_fdtab *t, int slot, struct vn_tls *tls);
/* Close a slot >= 3 and free it; slots 0-2 and unknown numbers are left alone. */
void vn_fdtab_close(struct vn_fdtab *t, int slot);
/* A scratch buffer of at least n bytes owned by the table, or NULL. */
void *vn_fdtab_scratch(struct vn_fdtab *t, size_t n);
/* Room for n pollfd entries and keys; 0, or -1 when memory runs out. */
int vn_fdtab_pollroom(struct vn_fdtab *t, size_t n);

#endif
