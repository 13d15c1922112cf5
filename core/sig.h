/* core/sig.h: SIGINT/SIGTERM/SIGHUP become a pending flag that blocking calls check;
 * SIGPIPE is ignored so a closed peer is an EPIPE, never a death. */
#ifndef VN_SIG_H
#define VN_SIG_H

/* Install the handlers (without SA_RESTART). notify, if not NULL, is also called
 * from the handler, e.g. to stop a running Lua state; then, unless
 * vn_sig_delivered is called within 2 seconds, or when a second signal comes,
 * the process dies of the signal. */
void vn_sig_init(void (*notify)(int sig));
/* The interrupt reached the script (an "Interrupted." error was raised): the
 * fallback that kills a script deaf to it is cancelled. */
void vn_sig_delivered(void);
/* stdout's reader went away (core/proc.c): end the tool quietly through its
 * normal path, as nc does at EPIPE: running Lua code is stopped as for a
 * signal (notify), and vn_sig_quitting says so to whoever ends the tool. Code
 * that never stops (a loop LuaJIT compiled) ends with status 0 GRACE seconds
 * later, without that path. */
void vn_sig_quit(void);
int vn_sig_quitting(void);
/* The pending signal number, or 0. */
int vn_sig_pending(void);
/* If a signal is pending, die of it with the default action, so the parent sees
 * 128+sig. Returns otherwise. */
void vn_sig_reraise(void);

#endif
