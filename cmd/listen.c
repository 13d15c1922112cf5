/* vlcnet-listen: listen on [HOST] PORT (or a Unix socket PATH) and relay one
 * connection (or one after another with -k), hand the listener to a script, or
 * run a script per connection with --fork; with -u, relay datagrams. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/broker.h"
#include "../core/conn.h"
#include "../core/dgram.h"
#include "../core/net.h"
#include "../core/relay.h"
#include "../core/sig.h"
#include "../core/udp.h"
#include "../core/unix.h"
#include "../lua/tls.h"
#include "listen.h"

/* What accept_one got. */
enum accepted {
	GOT_CLIENT,      /* *fd is the connection, addr its peer */
	GOT_SIGNAL,      /* SIGINT/SIGTERM: the tool ends */
	GOT_NOTHING      /* timeout_ms expired */
};

/* Accept one connection that --allow/--deny let through: a refused client is
 * closed at once (said under -v) and the wait goes on. Other failures (out of
 * descriptors…) are reported and retried a moment later, so that a server
 * keeps serving. */
static enum accepted
accept_one(const int *fds, int n, int timeout_ms, const struct listen_conf *c,
           int verbose, int *fd, char addr[VN_ADDRSTRLEN])
{
	for (;;) {
		struct sockaddr_storage peer;

		*fd = vn_accept(fds, n, timeout_ms, &peer);
		if (*fd >= 0) {
			/* A Unix client is unnamed: the socket names it. */
			if (c->unix_path)
				snprintf(addr, VN_ADDRSTRLEN, "%s", c->where);
			else
				vn_addr_format((struct sockaddr *)&peer, addr);
			if (vn_acl_check(&c->acl, (struct sockaddr *)&peer) == VN_ACL_REFUSE) {
				close(*fd);
				if (verbose)
					vn_warn("refused connection from %s", addr);
				continue;
			}
			if (verbose)
				vn_warn("connection from %s", addr);
			return GOT_CLIENT;
		}
		if (errno == EINTR || vn_sig_pending())
			return GOT_SIGNAL;
		if (errno == ETIMEDOUT)
			return GOT_NOTHING;
		vn_warn("accept: %s", strerror(errno));
		if (vn_poll(NULL, 0, 1000) < 0)
			return GOT_SIGNAL;
	}
}

/* Relay one connection, then (with -k) the next, until one fails without -k
 * or a signal arrives. stdin goes to the connections in turn: once it has ended,
 * later connections are half-closed from the start. An idle timeout (-w) ends
 * a connection quietly. Returns the exit status. */
static int
serve_relay(const int *fds, int n, struct listen_conf *c, int verbose)
{
	struct vn_relay_opts ro = { .idle_timeout_ms = c->timeout_ms };
	int in_fd = 0;

	do {
		char addr[VN_ADDRSTRLEN], sum[VN_SUMMARYLEN];
		struct vn_conn conn;
		int fd, r, err;

		if (accept_one(fds, n, -1, c, verbose, &fd, addr) != GOT_CLIENT)
			return 1;
		vn_conn_plain(&conn, fd);
		conn.tap = vn_stream_cli_tap(&c->stream);
		/* A client that never finishes its handshake is dropped after
		 * -w SECS (or VN_TLS_HANDSHAKE_MS), and the next one served. */
		if (c->tc && vn_tls_cli_handshake(c->tc, &conn, NULL, addr,
		    c->timeout_ms >= 0 ? c->timeout_ms : VN_TLS_HANDSHAKE_MS, verbose) < 0) {
			vn_conn_end(&conn);
			if (vn_sig_pending() || !c->keep)
				return 1;
			continue;
		}
		vn_relay_set_ends(&ro, in_fd, c->quit_ms);
		vn_stream_cli_apply(&c->stream, &ro);
		r = vn_relay(&conn, in_fd, 1, &ro);
		err = errno;
		if (r < 0 && err != ETIMEDOUT && err != EINTR)
			vn_warn("%s: %s", ro.failed == VN_RELAY_TAP ?
			        vn_stream_cli_where(&c->stream) : vn_relay_where(&ro, addr),
			        vn_relay_strerror(&ro, &conn, err));
		vn_conn_end(&conn);
		if (ro.in_ended)
			in_fd = -1;
		if (r < 0 && err == EINTR)
			return 1;
		if (verbose)
			vn_warn("%s", vn_relay_summary(&ro, sum));
		if (ro.out_closed)
			return 0;
		if (r < 0 && err != ETIMEDOUT && (!c->keep || ro.failed != VN_RELAY_NET))
			return 1;
	} while (c->keep);
	return 0;
}

/* --fork and the exec options: each connection served by a child (see
 * cmd/exec.c), at most max at once; with keep, accept forever, else serve one
 * connection and end with its child's status. The parent keeps no connection
 * open and reaps children at least once a second. Returns the exit status (1
 * after a signal). */
static int
serve_children(const int *fds, int n, const struct listen_conf *c, struct vn_exec *x,
               int verbose)
{
	int fork = c->mode == VN_MODE_FORK, keep = fork || c->keep, children = 0;
	int max = fork || c->max_set ? c->max_conns : 1;
	pid_t pid = -1;

	x->listen_fds = fds;
	x->nlisten = n;
	do {
		char addr[VN_ADDRSTRLEN];
		int fd;

		children = vn_exec_reap(children, 0);
		while (children >= max)
			if ((children = vn_exec_reap(children, 1)) < 0)
				return 1;
		switch (accept_one(fds, n, keep ? 1000 : -1, c, verbose, &fd, addr)) {
		case GOT_CLIENT: break;
		case GOT_NOTHING: continue;
		case GOT_SIGNAL: return 1;
		}
		pid = vn_exec_start(x, fd, addr);
		if (pid > 0)
			children++;
		close(fd);
	} while (keep);
	return pid < 0 ? 1 : vn_exec_wait(pid);
}

/* --broker, --chat: core/broker.c serves every client at once, until a
 * signal; the listener's stdin goes to the clients, its stdout gets
 * nothing (as ncat). A TLS handshake is bounded by -w or
 * VN_TLS_HANDSHAKE_MS. Returns the exit status. */
static int
serve_broker(const int *fds, int n, const struct listen_conf *c, int verbose)
{
	struct vn_broker_opts o = {
		.chat = c->chat, .max_clients = c->max_conns,
		.idle_timeout_ms = c->timeout_ms,
		.handshake_ms = c->timeout_ms >= 0 ? c->timeout_ms : VN_TLS_HANDSHAKE_MS,
		.in_fd = 0, .unix_name = c->unix_path ? c->where : NULL,
		.acl = &c->acl, .tls = c->tc, .verbose = verbose };

	if (vn_broker(fds, n, &o) < 0 && errno != EINTR)
		vn_warn("broker: %s", strerror(errno));
	return 1;
}

/* --port-file: "PORT\n" (with -U "PATH\n") in one write(2), so that whoever
 * sees the file non-empty sees all of it; a descriptor (/dev/fd/N) or a fifo
 * works too. Returns 0, or -1 after saying why. */
static int
write_port_file(const char *path, const char *text)
{
	char line[sizeof(struct sockaddr_un) + 2];
	int fd, len = snprintf(line, sizeof line, "%s\n", text), err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0 && vn_write_all(fd, line, (size_t)len) == 0 && close(fd) == 0)
		return 0;
	err = errno;
	if (fd >= 0)
		close(fd);
	vn_warn("port file '%s': %s", path, strerror(err));
	return -1;
}

/* -v under -u: from whom datagrams come. */
static void
say_peer(const char *addr, void *ctx)
{
	(void)ctx;
	vn_warn("datagrams from %s", addr);
}

/* -u: datagrams on fd, answering the sender (with -k whoever sent last) until
 * -w SECS idle, a signal, or (with -q SECS) that long after stdin ended.
 * Returns the exit status. */
static int
serve_dgram(int fd, const struct listen_conf *c, int verbose)
{
	struct vn_dgram_opts o = { .any_peer = c->keep,
	                           .on_peer = verbose ? say_peer : NULL };
	struct vn_relay_opts ro = { .idle_timeout_ms = c->timeout_ms,
	                            .in_end_ms = c->quit_ms, .peer_end_ms = -1 };
	char sum[VN_SUMMARYLEN];
	int r, err;

	r = vn_dgram_relay(fd, 0, 1, &o, &ro);
	err = errno;
	if (r < 0 && err != ETIMEDOUT && err != EINTR)
		vn_warn("%s: %s", vn_relay_where(&ro, "socket"), strerror(err));
	if (verbose && !(r < 0 && err == EINTR))
		vn_warn("%s", vn_relay_summary(&ro, sum));
	return r < 0 && err != ETIMEDOUT ? 1 : 0;
}

/* Open the listening socket(s) of -U PATH, -u or TCP into fds[]. Returns how
 * many, or -1 after saying why. */
static int
open_listener(const struct listen_conf *c, int fds[VN_MAXLISTEN],
              struct vn_unix_file *file, int verbose)
{
	char hp[VN_HOSTPORTLEN];
	struct vn_err e;
	struct stat st;
	int family = c->family | (c->numeric ? VN_AF_NUMERIC : 0);
	int n, i, stale;

	if (c->unix_path) {
		stale = c->where[0] != '@' && lstat(c->where, &st) == 0 &&
		        S_ISSOCK(st.st_mode);
		fds[0] = vn_listen_unix(c->where, c->udp ? SOCK_DGRAM : SOCK_STREAM,
		                        file, &e);
		if (fds[0] < 0) {
			vn_warn("listen on %s: %s", c->where, vn_err_str(&e));
			return -1;
		}
		if (verbose && stale)
			vn_warn("replaced the stale socket file %s", c->where);
		if (verbose)
			vn_warn("listening on %s", c->where);
		return 1;
	}
	if (c->udp) {
		fds[0] = vn_udp_bind(c->host, c->portnum, family, &e);
		n = fds[0] < 0 ? -1 : 1;
	} else {
		n = vn_listen_tcp(c->host, c->portnum, family, fds, &e);
	}
	if (n < 0) {
		vn_warn("listen on %s: %s",
		        vn_hostport(hp, c->host ? c->host : "*", c->portnum), vn_err_str(&e));
		return -1;
	}
	if (verbose)
		for (i = 0; i < n; i++) {
			struct sockaddr_storage ss;
			socklen_t len = sizeof ss;
			char addr[VN_ADDRSTRLEN];

			getsockname(fds[i], (struct sockaddr *)&ss, &len);
			vn_addr_format((struct sockaddr *)&ss, addr);
			vn_warn("listening on %s", addr);
		}
	return n;
}

/* Serve in the mode the options chose, on the n sockets fds (which the
 * script mode hands over to the state: *n is then 0). Returns the status. */
static int
serve(int *fds, int *n, struct listen_conf *c, vn_rt *rt, int verbose)
{
	switch (c->mode) {
	case VN_MODE_EXEC:
		return serve_children(fds, *n, c, &c->exec, verbose);
	case VN_MODE_FORK:
		/* The parent never runs its state: each child runs its copy. */
		c->exec.kind = VN_EXEC_SCRIPT;
		c->exec.rt = rt;
		c->exec.verbose = verbose;
		return serve_children(fds, *n, c, &c->exec, verbose);
	case VN_MODE_SCRIPT:
		/* A datagram socket has nothing to accept: the script gets it. */
		if (c->udp) {
			vn_rt_set_fd(rt, "fd", fds[0]);
		} else {
			vn_rt_set_listener(rt, "listener", fds, *n);
			if (c->tc)
				vn_rt_set_listener_tls(rt, "listener", c->tc);
		}
		*n = 0;   /* the state closes the sockets */
		return vn_rt_run(rt);
	case VN_MODE_DGRAM:
		return serve_dgram(fds[0], c, verbose);
	case VN_MODE_BROKER:
		return serve_broker(fds, *n, c, verbose);
	default:
		return serve_relay(fds, *n, c, verbose);
	}
}

/* -U: the socket file. A script's os.exit ends the process from inside Lua,
 * past main's end: at exit the file goes too (vn_unix_remove leaves it to the
 * process that made it, not to a --fork child). */
static struct vn_unix_file sock_file;
static const char *sock_path;

static void
remove_sock_file(void)
{
	if (sock_path)
		vn_unix_remove(sock_path, &sock_file);
}

int
main(int argc, char **argv)
{
	struct listen_conf c;
	struct vn_cli cli;
	struct vn_cli_err e;
	int fds[VN_MAXLISTEN], n = -1, i, status = 1;
	char portnum[16];
	vn_rt *rt = NULL;

	vn_proc_std_init();
	vn_sig_init(vn_rt_interrupt);
	if (vn_listen_args(&cli, &c, argc, argv, &e) < 0 ||
	    vn_tls_cli_ctx(&c.tls, 1, &c.tc, &e) < 0 ||
	    vn_stream_cli_open(&c.stream, &e) < 0) {
		vn_listen_conf_free(&c);
		vn_tls_ctx_free(c.tc);
		return vn_cli_exit(vn_cli_report(&e));
	}
	c.exec.tls = c.tc;   /* each child's relay does the handshake */
	c.exec.tap = vn_stream_cli_tap(&c.stream);
	if (c.mode == VN_MODE_EXEC && (status = vn_exec_prepare(&c.exec, &cli)) != 0)
		goto out;
	if ((c.mode == VN_MODE_SCRIPT || c.mode == VN_MODE_FORK) &&
	    !(rt = vn_rt_open(&cli.script, &status)))
		goto out;
	if (rt)
		vn_rt_set_tap(rt, vn_stream_cli_tap(&c.stream));
	status = 1;
	if ((n = open_listener(&c, fds, &sock_file, cli.script.verbose)) < 0)
		goto out;
	if (c.unix_path) {
		sock_path = c.where;
		atexit(remove_sock_file);
	}
	if (!c.unix_path)
		snprintf(portnum, sizeof portnum, "%d", vn_local_port(fds[0]));
	if (!c.port_file || write_port_file(c.port_file, c.unix_path ? c.where :
	                                    portnum) == 0)
		status = serve(fds, &n, &c, rt, cli.script.verbose);
	for (i = 0; i < n; i++)
		close(fds[i]);
out:
	vn_rt_free(rt);
	if (vn_stream_cli_close(&c.stream) < 0 && status == 0)
		status = 1;
	vn_listen_conf_free(&c);
	vn_exec_free(&c.exec);
	vn_tls_ctx_free(c.tc);
	/* After the state closed its sockets; a --fork child never gets here. */
	if (n >= 0 && c.unix_path && vn_unix_remove(c.where, &sock_file) < 0)
		vn_warn("remove %s: %s", c.where, strerror(errno));
	return vn_cli_exit(status);
}
