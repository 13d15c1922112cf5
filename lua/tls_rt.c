/* lua/tls_rt.c: TLS descriptors handed to a runtime's script by the tools
 * (lua/tls.h). Apart from lua/tls.c, which vlcnet.so has without the runtime. */
#include <lua.h>

#include "../core/conn.h"

#include "fdtab.h"
#include "internal.h"
#include "net.h"
#include "tls.h"

int
vn_rt_set_conn(vn_rt *rt, const char *name, struct vn_conn *c)
{
	int slot = vn_fdtab_add_conn(vn_fdtab_of(rt->L), c);
	if (slot >= 0) {
		lua_pushinteger(rt->L, slot);
		lua_setglobal(rt->L, name);
	}
	return slot;
}

void
vn_rt_set_tap(vn_rt *rt, const struct vn_conn_tap *tap)
{
	vn_fdtab_set_tap(vn_fdtab_of(rt->L), tap);
}

void
vn_rt_flush_tap(vn_rt *rt)
{
	vn_fdtab_flush(vn_fdtab_of(rt->L));
}

void
vn_rt_set_listener_tls(vn_rt *rt, const char *name, struct vn_tls_ctx *c)
{
	lua_getglobal(rt->L, name);
	vn_lua_listener_set_tls(rt->L, -1, c);
	lua_pop(rt->L, 1);
}
