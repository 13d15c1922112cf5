/* cmd/exec.c: a child per connection (--lua-exec, --sh-exec, --exec, and
 * --fork --script), given the connection itself, or, with an idle timeout,
 * one end of a socketpair that a process of ours relays to the connection. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/relay.h"
#include "../core/sig.h"
#include "../core/spawn.h"
#include "../core/tls_relay.h"
#include "exec.h"
#include "tls_opts.h"

const char *
vn_exec_name(const struct vn_exec *x)
{
	switch (x->kind) {
	case VN_EXEC_LUA: return "--lua-exec";
	case VN_EXEC_SH: return "--sh-exec";
	case VN_EXEC_PROG: return "--exec";
	default: return "--fork";
	}
}

int
vn_exec_option(struct vn_exec *x, int key, const char *arg, struct vn_cli_err *e)
{
	if (x->kind != VN_EXEC_NONE)
		return vn_cli_fail(e, "only one of --lua-exec, --sh-exec and --exec may be given");
	x->kind = key == VN_OPT_LUA_EXEC ? VN_EXEC_LUA : key == 'c' ? VN_EXEC_SH :
	          VN_EXEC_PROG;
	x->arg = arg;
	if (x->kind != VN_EXEC_LUA && !arg[strspn(arg, " \t\n")])
		return vn_cli_fail(e, "%s needs a command, not an empty one", vn_exec_name(x));
	return 0;
}

int
vn_exec_check(const struct vn_exec *x, const struct vn_cli *cli, struct vn_cli_err *e)
{
	if (x->kind == VN_EXEC_NONE)
		return 0;
	if (cli->script.path)
		return vn_cli_fail(e, "%s does not go with --script", vn_exec_name(x));
	if (x->kind != VN_EXEC_LUA && cli->script.nexec > 0)
		return vn_cli_fail(e, "--eval goes with --lua-exec or --script, not %s",
		                   vn_exec_name(x));
	return 0;
}

int
vn_exec_prepare(struct vn_exec *x, struct vn_cli *cli)
{
	int status;

	if (x->kind == VN_EXEC_PROG && !(x->argv = vn_split_words(x->arg)))
		vn_nomem();   /* not empty: checked by vn_exec_option */
	if (x->kind == VN_EXEC_LUA) {
		cli->script.path = x->arg;
		if (!(x->rt = vn_rt_open(&cli->script, &status)))
			return status;
	}
	x->verbose = cli->script.verbose;
	return 0;
}

void
vn_exec_free(struct vn_exec *x)
{
	free(x->argv);
	x->argv = NULL;
	if (x->kind == VN_EXEC_LUA)
		vn_rt_free(x->rt);
	x->rt = NULL;
}

/* --- the child ------------------------------------------------------------ */

struct lua_child {
	vn_rt *rt;
	const char *peer;
	int stdio;
};

/* A Lua child: the state compiled before the fork runs with `fd` and `peer`
 * (and, for --lua-exec, stdin/stdout on the connection, in blocks as over a
 * pipe: a script flushes when it waits for an answer). The state is not
 * closed: freeing it would only copy the pages the fork shares with the
 * parent, and the exit closes the connection just as well. Never returns. */
static void
run_lua(void *ctx, int fd)
{
	struct lua_child *lc = ctx;
	int status;

	if (lc->stdio)
		setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
	vn_rt_set_fd(lc->rt, "fd", fd);
	vn_rt_set_string(lc->rt, "peer", lc->peer);
	status = vn_rt_run(lc->rt);
	status = vn_cli_exit(status);
	fflush(NULL);   /* what io.open's files hold, which lua_close would flush */
	_exit(status);
}

/* Start the program (or script) of x on fd. */
static pid_t
spawn(struct vn_exec *x, int fd, const char *peer, const struct vn_child_env *env)
{
	struct lua_child lc = { x->rt, peer, x->kind == VN_EXEC_LUA };
	struct vn_spawn sp = { NULL, NULL, NULL, NULL, x->listen_fds, x->nlisten, 1,
	                       x->kind == VN_EXEC_SCRIPT };

	switch (x->kind) {
	case VN_EXEC_SH: sp.shell = x->arg; break;
	case VN_EXEC_PROG: sp.argv = x->argv; break;
	default:
		sp.run = run_lua;
		sp.ctx = &lc;
		sp.stdio = lc.stdio;
		break;
	}
	return vn_spawn(fd, &sp, env);
}

/* --- the relay with an idle timeout ---------------------------------------- */

/* One direction of the relay. */
struct half {
	int from, to;
	int eof;                 /* from has ended (or to has gone) */
	int shut;                /* to's write side is shut down: done */
	size_t len, off;
	unsigned long long bytes;
	char buf[1 << 16];
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Move what can move in h after poll said so. */
static void
step(struct half *h, short revents)
{
	ssize_t r;

	if (!revents)
		return;
	if (h->off < h->len) {
		r = send(h->to, h->buf + h->off, h->len - h->off,
		         MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0) {
			h->off += (size_t)r;
			h->bytes += (unsigned long long)r;
		} else if (r < 0 && errno != EAGAIN && errno != EINTR) {
			h->len = h->off = 0;   /* the reader went away: drop the rest */
			h->eof = 1;
		}
		return;
	}
	r = recv(h->from, h->buf, sizeof h->buf, MSG_DONTWAIT);
	if (r > 0) {
		h->len = (size_t)r;
		h->off = 0;
	} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
		h->eof = 1;
	}
}

/* Relay between the connection sock and the program's end prog until both
 * directions have ended, each end of one direction shutting down the write
 * side of the other end (so the program sees its stdin end, and everything it
 * writes after that still reaches the client). Returns 0, or -1 with errno
 * ETIMEDOUT after timeout_ms without data, EINTR after SIGINT/SIGTERM. */
static int
relay(int sock, int prog, int timeout_ms, struct vn_relay_opts *o)
{
	static struct half h[2];   /* in the relaying process only */
	long start = now_ms();
	int i, r;

	h[0].from = sock;
	h[0].to = prog;
	h[1].from = prog;
	h[1].to = sock;
	for (;;) {
		struct pollfd p[2];

		for (i = 0; i < 2; i++) {
			p[i].fd = -1;
			p[i].events = p[i].revents = 0;
			if (h[i].shut)
				continue;
			if (h[i].off < h[i].len) {
				p[i].fd = h[i].to;
				p[i].events = POLLOUT;
			} else if (!h[i].eof) {
				p[i].fd = h[i].from;
				p[i].events = POLLIN;
			} else {
				shutdown(h[i].to, SHUT_WR);
				h[i].shut = 1;
			}
		}
		if (h[0].shut && h[1].shut) {
			r = 0;
			break;
		}
		if (p[0].fd < 0 && p[1].fd < 0)
			continue;
		r = poll(p, 2, timeout_ms);
		if (r == 0) {
			errno = ETIMEDOUT;
			r = -1;
			break;
		}
		if (r < 0 && errno == EINTR && vn_sig_pending())
			break;
		if (r < 0 && errno != EINTR)
			break;
		for (i = 0; r > 0 && i < 2; i++)
			step(&h[i], p[i].revents);
	}
	o->received = h[0].bytes;
	o->sent = h[1].bytes;
	o->elapsed_ms = now_ms() - start;
	return r;
}

/* The relaying process of one connection: the child on one end of a
 * socketpair, the relay on the other. Never returns. */
static void
relay_child(struct vn_exec *x, int fd, const char *peer, const struct vn_child_env *env)
{
	struct vn_relay_opts o;
	char sum[VN_SUMMARYLEN];
	int sp[2], r, err, st = 0, k, ours[2];
	struct vn_tls *tls = x->session;
	pid_t pid;

	for (k = 0; k < x->nlisten; k++)
		close(x->listen_fds[k]);
	x->nlisten = 0;
	/* Here, not in the parent: a slow handshake holds up no accept. */
	if (x->tls && !(tls = vn_tls_cli_handshake(x->tls, fd, NULL, peer,
	    x->timeout_ms >= 0 ? x->timeout_ms : VN_TLS_HANDSHAKE_MS, x->verbose)))
		_exit(1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		vn_warn("socketpair: %s", strerror(errno));
		_exit(1);
	}
	/* A Lua child does not exec, so close-on-exec does not take these from
	 * it: holding the relay's end, it would never see its reader go and
	 * block in a write forever; holding the connection, it would keep the
	 * client from seeing the end. */
	ours[0] = fd;
	ours[1] = sp[0];
	x->listen_fds = ours;   /* from here on: what the child must not keep */
	x->nlisten = 2;
	if ((pid = spawn(x, sp[1], peer, env)) < 0) {
		vn_warn("fork: %s", strerror(errno));
		_exit(1);
	}
	close(sp[1]);
	memset(&o, 0, sizeof o);
	if (tls) {
		o.idle_timeout_ms = x->timeout_ms;
		o.in_end_ms = o.peer_end_ms = -1;
		r = vn_tls_relay(sp[0], sp[0], tls, &o);
	} else {
		r = relay(fd, sp[0], x->timeout_ms, &o);
	}
	err = errno;
	close(sp[0]);
	if (r < 0 && err != ETIMEDOUT && err != EINTR)
		vn_warn("%s: %s", peer, tls && o.failed == VN_RELAY_NET ?
		        vn_tls_cli_relay_error(tls, err) : strerror(err));
	if (tls) {
		vn_tls_end(tls);
		vn_tls_free(tls);
	}
	close(fd);
	if (r < 0)
		kill(pid, SIGTERM);   /* dropped: the program's client is gone */
	if (x->verbose)
		vn_warn("%s", vn_relay_summary(&o, sum));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	_exit(vn_child_failed(st));
}

pid_t
vn_exec_start(struct vn_exec *x, int fd, const char *peer)
{
	struct vn_child_env env;
	pid_t pid;

	vn_child_env_of(fd, &env);
	if (x->timeout_ms < 0 && !x->tls && !x->session) {
		pid = spawn(x, fd, peer, &env);
	} else {
		fflush(NULL);
		pid = fork();
		if (pid == 0)
			relay_child(x, fd, peer, &env);
	}
	if (pid < 0)
		vn_warn("fork: %s", strerror(errno));
	return pid;
}

int
vn_exec_reap(int n, int block)
{
	int st;
	pid_t pid;

	while (n > 0) {
		pid = waitpid(-1, &st, block ? 0 : WNOHANG);
		if (pid > 0) {
			n--;
			block = 0;
			continue;
		}
		if (pid < 0 && errno == EINTR) {
			if (vn_sig_pending())
				return -1;
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			return 0;
		break;
	}
	return n;
}

int
vn_exec_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR || vn_sig_pending())
			return 1;
	}
	return vn_child_failed(st);
}
