/* core/sig.c: SIGINT/SIGTERM as a flag that blocking calls honour. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

/* Signals are process-wide, so this is the one piece of global state in core/. */
static volatile sig_atomic_t pending;
static volatile sig_atomic_t quitting;
static void (*notify_fn)(int);

#define GRACE_SECONDS 2

/* Die of the pending signal with its default action (status 128+sig); when
 * the tool was only asked to quit (vn_sig_quit), end with status 0. */
static void
die_now(int unused)
{
	(void)unused;
	if (!pending)
		_exit(0);
	signal(pending, SIG_DFL);
	raise(pending);
}

/* The first signal is a request: the flag, and the notify callback that stops
 * running Lua code. Lua code that never reaches a hook (a loop LuaJIT compiled)
 * cannot see it, so if nothing reports the interrupt within GRACE_SECONDS, or a
 * second signal comes, the process dies of the signal. */
static void
on_signal(int sig)
{
	if (pending) {
		die_now(0);
		return;
	}
	pending = sig;
	if (notify_fn) {
		notify_fn(sig);
		alarm(GRACE_SECONDS);
	}
}

void
vn_sig_init(void (*notify)(int))
{
	struct sigaction sa;

	notify_fn = notify;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a closed terminal: the tool ends through its normal path too (its
	 * socket file removed, its children reaped), then dies of SIGHUP */
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = die_now;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void
vn_sig_delivered(void)
{
	if (pending)
		alarm(0);
}

void
vn_sig_quit(void)
{
	if (quitting || pending)
		return;
	quitting = 1;
	if (notify_fn) {
		notify_fn(0);
		/* as for a signal: Lua code that never reaches a hook (a loop
		 * LuaJIT compiled, writing to the reader that went) ends anyway */
		alarm(GRACE_SECONDS);
	}
}

int
vn_sig_quitting(void)
{
	return quitting;
}

int
vn_sig_pending(void)
{
	return pending;
}

void
vn_sig_reraise(void)
{
	int sig = pending;
	sigset_t set;

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}
