/* core/sig.c: SIGINT/SIGTERM as a flag that blocking calls honour. */
#include <signal.h>
#include <string.h>

#include "sig.h"

/* Signals are process-wide, so this is the one piece of global state in core/. */
static volatile sig_atomic_t pending;
static void (*notify_fn)(int);

static void
on_signal(int sig)
{
	pending = sig;
	if (notify_fn)
		notify_fn(sig);
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
	signal(SIGPIPE, SIG_IGN);
}

int
vn_sig_pending(void)
{
	return pending;
}

void
vn_sig_reset(void)
{
	notify_fn = NULL;
	pending = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
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
