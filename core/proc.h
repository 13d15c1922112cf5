/* core/proc.h: what every tool sets up once at the top of main, and the one
 * way it reports: its name before each message, its standard descriptors, a
 * stdout whose write errors are remembered, and running out of memory. */
#ifndef VN_PROC_H
#define VN_PROC_H

/* The name that prefixes every message ("vlcnet-ls"); "vlcnet" until set. */
void vn_proc_name(const char *prog);
const char *vn_prog(void);

/* Reopen any of descriptors 0-2 that is closed on /dev/null, so that nothing
 * opened later takes their place; then make stdout remember its first write
 * error (vn_stdout_error) and end the process quietly with status 0 when its
 * reader has gone (EPIPE), whoever writes: the tool, Lua's print or io.write.
 * Call once, first thing in main. */
void vn_proc_std_init(void);
/* The errno of stdout's first failed write (EPIPE aside), or 0. */
int vn_stdout_error(void);

/* "PROG: message" on stderr, after what stdout holds. */
void vn_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: not enough memory", then exit with status 1. */
void vn_nomem(void) __attribute__((noreturn));

#endif
