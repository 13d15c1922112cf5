/* cmd/exec.c: a child per connection (--lua-exec, --sh-exec, --exec, and
 * --fork --script), given the connection itself, or, with an idle timeout or
 * TLS, one end of a socketpair that a process of ours relays to the
 * connection with the tools' one relay (core/relay.c). -w for these children
 * is enforced there (the idle timeout) and in wait_child below. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/conn.h"
#include "../lua/tls.h"
#include "../core/net.h"
#include "../core/relay.h"
#include "../core/sig.h"
#include "../core/spawn.h"
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
	vn_rt_flush_tap(lc->rt);   /* the session log's last bytes (--fork -o) */
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

/* --- the relaying process ------------------------------------------------ */

/* Wait for the child pid; under -w, a child still running timeout_ms after
 * its relay ended (one that ignores SIGPIPE and never learns its client left)
 * gets SIGTERM (*killed set), then is waited for. Returns its wait status. */
static int
wait_child(pid_t pid, int timeout_ms, int *killed)
{
	long until = timeout_ms >= 0 ? vn_now_ms() + timeout_ms : -1;
	int st = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, until >= 0 ? WNOHANG : 0);
		if (r == pid || (r < 0 && errno != EINTR))
			return st;
		if (until >= 0 && (vn_now_ms() >= until || vn_poll(NULL, 0, 10) < 0)) {
			kill(pid, SIGTERM);
			*killed = 1;
			until = -1;
		}
	}
}

/* The connection of a relaying process: x->conn, or fd after the handshake
 * of x->tls (here, not in the parent: a slow handshake holds up no accept).
 * Exits 1 when the handshake fails. */
static void
child_conn(struct vn_exec *x, int fd, const char *peer, struct vn_conn *conn)
{
	int k;

	for (k = 0; k < x->nlisten; k++)
		close(x->listen_fds[k]);
	x->nlisten = 0;
	if (x->conn) {
		*conn = *x->conn;
		return;
	}
	vn_conn_plain(conn, fd);
	conn->tap = x->tap;
	if (x->tls && vn_tls_cli_handshake(x->tls, conn, NULL, peer,
	    x->timeout_ms >= 0 ? x->timeout_ms : VN_TLS_HANDSHAKE_MS, x->verbose) < 0)
		_exit(1);
}

/* The relaying process of one connection: the child on one end of a
 * socketpair, the relay on the other. Exits with the child's status (0 when
 * the idle timeout dropped the connection). */
static void
relay_child(struct vn_exec *x, int fd, const char *peer, const struct vn_child_env *env)
{
	struct vn_relay_opts o = { .idle_timeout_ms = x->timeout_ms, .in_end_ms = -1,
	                           .peer_end_ms = -1, .shut_out = 1 };
	char sum[VN_SUMMARYLEN];
	int sp[2], r, err, st, ours[2], killed;
	struct vn_conn conn;
	pid_t pid;

	child_conn(x, fd, peer, &conn);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		vn_warn("socketpair: %s", strerror(errno));
		_exit(1);
	}
	/* A Lua child does not exec, so close-on-exec does not take these from
	 * it: holding the relay's end, it would never see its reader go and
	 * block in a write forever; holding the connection, it would keep the
	 * client from seeing the end. */
	ours[0] = conn.fd;
	ours[1] = sp[0];
	x->listen_fds = ours;   /* from here on: what the child must not keep */
	x->nlisten = 2;
	if ((pid = spawn(x, sp[1], peer, env)) < 0) {
		vn_warn("fork: %s", strerror(errno));
		_exit(1);
	}
	close(sp[1]);
	/* our end never waits in a write: the relay's rule */
	fcntl(sp[0], F_SETFL, fcntl(sp[0], F_GETFL) | O_NONBLOCK);
	r = vn_relay(&conn, sp[0], sp[0], &o);
	err = errno;
	close(sp[0]);
	if (r < 0 && err != ETIMEDOUT && err != EINTR)
		vn_warn("%s: %s", peer, vn_relay_strerror(&o, &conn, err));
	vn_conn_end(&conn);
	if ((killed = r < 0))
		kill(pid, SIGTERM);   /* dropped: the program's client is gone */
	if (x->verbose)
		vn_warn("%s", vn_relay_summary(&o, sum));
	st = wait_child(pid, x->timeout_ms, &killed);
	/* a child we ended because its client left (or went idle) did not fail */
	if (killed && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM)
		_exit(r < 0 && err != ETIMEDOUT && err != EINTR);
	_exit(vn_child_failed(st));
}

pid_t
vn_exec_start(struct vn_exec *x, int fd, const char *peer)
{
	struct vn_child_env env;
	pid_t pid;

	vn_child_env_of(fd, &env);
	if (x->timeout_ms < 0 && !x->tls && !(x->conn && !vn_conn_bare(x->conn)) &&
	    !(x->tap && x->kind != VN_EXEC_SCRIPT)) {
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
