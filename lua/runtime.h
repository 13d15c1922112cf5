/* lua/runtime.h: running user scripts for the four binaries. cmd/ uses only
 * this header, so the mains stay free of the Lua API. */
#ifndef VN_RUNTIME_H
#define VN_RUNTIME_H

#include <stddef.h>

struct vn_stat;

struct vn_script {
	const char *prog;           /* for messages: "vlcnet-connect" */
	const char *path;           /* -s FILE, or NULL */
	const char **exec;          /* -e chunks, in order */
	int nexec;
	int verbose;
	char **argv;                /* arguments after "--" */
	int argc;
};

typedef struct vn_rt vn_rt;

/* A state with the libraries, `net`, `vlc` and `arg`; the newest state is the
 * one vn_rt_interrupt stops. Out of memory ends the process (vn_nomem). */
vn_rt *vn_rt_new(const struct vn_script *s);
/* For vn_sig_init, from the signal handler: make the running Lua code stop
 * with "Interrupted." at its next step (the way lua.c does); blocking net calls
 * see the pending signal themselves. */
void vn_rt_interrupt(int sig);
void vn_rt_free(vn_rt *rt);

/* Give the script a global NAME: an OS descriptor put in the state's table
 * (returns the slot, or -1), a listener over listening descriptors, a string. */
int vn_rt_set_fd(vn_rt *rt, const char *name, int fd);
void vn_rt_set_listener(vn_rt *rt, const char *name, const int *fds, int n);
void vn_rt_set_string(vn_rt *rt, const char *name, const char *value);

/* Compile the -e chunks and the script: 0, or 2 after printing why (a missing
 * file, a syntax error). Mains call it before any network work. */
int vn_rt_load(vn_rt *rt);
/* vn_rt_new and vn_rt_load together: a state with the chunks compiled, or NULL
 * with *status 1 (out of memory) or 2 (the script does not load). */
vn_rt *vn_rt_open(const struct vn_script *s, int *status);
/* Compile (if vn_rt_load was not called) the -e chunks and the script, then run
 * them in order. Returns the exit
 * status: 0; 1 for a runtime error; 2 for a script that is missing or does not
 * compile. Messages are printed as "PROG: …". */
int vn_rt_run(vn_rt *rt);

/* Per-entry hooks of vlcnet-stat and vlcnet-ls (lua/hooks.c). vn_rt_hooks_open
 * does all of the set-up: a state, the -e chunks and the script run, --where
 * and --print compiled. NULL when the tool must end now with *status: 1 out of
 * memory or a runtime error, 2 a script or expression that does not compile, 0
 * after vlc.misc.quit(). */
vn_rt *vn_rt_hooks_open(const struct vn_script *s, const char *where,
                        const char *print, int *status);
/* Whether any hook (each, --where, --print) is in place after vn_rt_run. */
int vn_rt_hooks_active(vn_rt *rt);
/* What the hooks made of one entry. */
enum vn_each {
	VN_EACH_SKIP,       /* leave the entry out */
	VN_EACH_DEFAULT,    /* print the tool's default line */
	VN_EACH_LINE,       /* print *line, *len bytes (valid until the next call) */
	VN_EACH_ERROR,      /* a runtime error, message printed: stop, exit 1 */
	VN_EACH_QUIT        /* a hook called vlc.misc.quit(): stop, keep the status */
};
/* Run the hooks (--where, each, --print) for one entry. */
enum vn_each vn_rt_each(vn_rt *rt, const char *name, const char *path,
                        const struct vn_stat *st, const char **line, size_t *len);

/* Whether CODE compiles as a Lua chunk (nothing runs). */
int vn_rt_compiles(const char *code);

/* "Lua 5.1.5" or "LuaJIT 2.1.0-beta3". */
const char *vn_rt_lua_version(void);

#endif
