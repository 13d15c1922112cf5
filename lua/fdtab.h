/* lua/fdtab.h: a Lua state's descriptor table. Scripts see slot numbers: 0-2 are
 * the process's stdio, sockets take the lowest free slot from 3 up. Each slot
 * holds a connection (core/conn.h): plain, or TLS once net.tls, net.connect_tls
 * or a TLS listener made it so. The table is opaque: these functions are all
 * there is of it. */
#ifndef VN_FDTAB_H
#define VN_FDTAB_H

#include <poll.h>
#include <stddef.h>

#include <lua.h>

struct vn_conn;
struct vn_conn_tap;
struct vn_fdtab;

/* Create the table as a userdata, store it in the registry and leave it on the
 * stack. Closing the state closes every descriptor it still holds. */
struct vn_fdtab *vn_fdtab_new(lua_State *L);
/* The table of this state (from the registry). */
struct vn_fdtab *vn_fdtab_of(lua_State *L);
/* Whether the state is closing: every descriptor is closed already. */
int vn_fdtab_closed(const struct vn_fdtab *t);
/* The OS descriptor behind a slot, or -1 when the slot is not open. */
int vn_fdtab_get(const struct vn_fdtab *t, lua_Number slot);
/* The connection of an open slot, or NULL. */
struct vn_conn *vn_fdtab_conn(const struct vn_fdtab *t, lua_Number slot);
/* How many times the slot was closed, so that stale owners can tell. */
unsigned vn_fdtab_gen(const struct vn_fdtab *t, int slot);
/* The connection of slot if it is open and was closed gen times, or NULL. */
struct vn_conn *vn_fdtab_conn_gen(const struct vn_fdtab *t, int slot, unsigned gen);
/* Put a plain descriptor in the lowest free slot (O(log n)); returns it, or
 * -1 (and closes fd) when memory runs out. */
int vn_fdtab_add(struct vn_fdtab *t, int fd);
/* Likewise a connection, which the table then owns (c is left empty). */
int vn_fdtab_add_conn(struct vn_fdtab *t, struct vn_conn *c);
/* Every connection added from now on passes through tap (core/conn.h):
 * the tools' session logs see a script's traffic. */
void vn_fdtab_set_tap(struct vn_fdtab *t, const struct vn_conn_tap *tap);
/* Write out what the tap buffered (net.poll does before it waits): 0, or
 * -1 with errno. */
int vn_fdtab_flush(struct vn_fdtab *t);
/* End the connection of a slot >= 3 (vn_conn_end) and free the slot; slots
 * 0-2 and unknown numbers are left alone. */
void vn_fdtab_close(struct vn_fdtab *t, int slot);
/* A scratch buffer of at least n bytes owned by the table, or NULL. */
void *vn_fdtab_scratch(struct vn_fdtab *t, size_t n);

/* The scratch of net.poll: per key, its number, and its entry in pfd or -1. */
struct vn_fdtab_poll {
	struct pollfd *pfd;
	lua_Number *keys;
	int *slot;
};
/* Room for n entries in *p; 0, or -1 when memory runs out. */
int vn_fdtab_pollroom(struct vn_fdtab *t, size_t n, struct vn_fdtab_poll *p);

#endif
