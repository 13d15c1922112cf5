/* lua/internal.h: what the files of lua/ share about a runtime. */
#ifndef VN_LUA_INTERNAL_H
#define VN_LUA_INTERNAL_H

#include <lua.h>

#include "runtime.h"

struct vn_rt {
	lua_State *L;
	struct vn_script s;
	int where_ref, print_ref;   /* compiled --where/--print, or LUA_NOREF */
	int nchunks;                /* compiled chunks on the stack, -1 before */
};

struct vn_conn;
struct vn_fdtab;

/* What the binding functions of lua/net.c and lua/tls.c share; each has the
 * descriptor table as upvalue 1. */
/* The state's descriptor table (upvalue 1). */
struct vn_fdtab *vn_lua_fdtab(lua_State *L);
/* The connection of descriptor argument i, or NULL when it is not open. */
struct vn_conn *vn_lua_checkconn(lua_State *L, int i);
/* A port argument: a whole number in 0..65535, or -1. */
int vn_lua_port(lua_State *L, int i);
/* The shape of a failed call returning a number: -1 and why (2 results). */
int vn_lua_fail(lua_State *L, const char *why);
/* A proxy URL (a connect option) parsed into *p, its strings in *u
 * (vn_url_free it after use); a URL that is not a proxy's raises
 * "invalid proxy URL: …". */
struct vn_proxy;
struct vn_proxy_err;
struct vn_url;
void vn_lua_proxy_parse(lua_State *L, const char *url, struct vn_proxy *p, struct vn_url *u);
/* Push why a connect through p failed: "proxy HOST:PORT: …" when the proxy
 * itself was out of reach, the proxy's or the handshake's reason otherwise. */
void vn_lua_push_proxy_err(lua_State *L, const struct vn_proxy *p,
                           const struct vn_proxy_err *pe);
/* After a wait that ended with r < 0: raise "Interrupted." when it was
 * SIGINT/SIGTERM. */
void vn_lua_check_interrupt(lua_State *L, int r);

/* Whether the script called vlc.misc.quit(): the tool ends there, status 0. */
int vn_rt_quit_called(vn_rt *rt);
/* Print "PROG: message" for the error object on top of the stack and pop it. */
void vn_rt_report(vn_rt *rt);
/* lua_pcall with the runtime's message handler (a traceback under -v). */
int vn_rt_pcall(vn_rt *rt, int nargs, int nresults);

#endif
