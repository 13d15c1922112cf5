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

/* Whether the script called vlc.misc.quit(): the tool ends there, status 0. */
int vn_rt_quit_called(vn_rt *rt);
/* Print "PROG: message" for the error object on top of the stack and pop it. */
void vn_rt_report(vn_rt *rt);
/* lua_pcall with the runtime's message handler (a traceback under -v). */
int vn_rt_pcall(vn_rt *rt, int nargs, int nresults);

#endif
