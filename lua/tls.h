/* lua/tls.h: TLS in the `net` table (net.tls, net.connect_tls) and TLS
 * descriptors handed to scripts by the tools. No lua.h here: cmd/ uses it. */
#ifndef VN_LUA_TLS_H
#define VN_LUA_TLS_H

#include "runtime.h"

struct lua_State;
struct vn_conn;
struct vn_conn_tap;
struct vn_tls_ctx;

/* Set net.tls and net.connect_tls in the table at index net, as closures over
 * the descriptor table at index fdtab (both absolute). */
void vn_lua_tls_open(struct lua_State *L, int net, int fdtab);

/* Give the script a global NAME: the connection c put in the state's table,
 * which then owns it (c is left empty). Returns the slot, or -1. */
int vn_rt_set_conn(vn_rt *rt, const char *name, struct vn_conn *c);
/* Every connection the script makes, accepts or is given from now on
 * passes through tap (the tools' -o and -x). */
void vn_rt_set_tap(vn_rt *rt, const struct vn_conn_tap *tap);
/* Write out what the tap buffered (before a child _exits). */
void vn_rt_flush_tap(vn_rt *rt);
/* The listener in global NAME accepts TLS from now on: each accepted
 * descriptor is a server session of c (which must outlive the state); its
 * handshake happens in the first recv/send, so one slow client does not
 * hold up accept. */
void vn_rt_set_listener_tls(vn_rt *rt, const char *name, struct vn_tls_ctx *c);

#endif
