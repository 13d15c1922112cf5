/* vlcnet-connect: connect to HOST:PORT and relay stdin/stdout, scan ports, or
 * run a script with the connection as the global `fd`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/conn.h"
#include "../core/dgram.h"
#include "../core/net.h"
#include "../core/relay.h"
#include "../core/sig.h"
#include "../core/udp.h"
#include "../core/unix.h"
#include "../lua/tls.h"
#include "connect.h"

/* The family argument of the core's calls: -4/-6 and -n. */
static int
family(const struct connect_conf *c)
{
	return c->family | (c->numeric ? VN_AF_NUMERIC : 0);
}

/* Through the proxy: report a failure as "connect to proxy P: …" when the
 * proxy could not be reached, else "connect to HOST:PORT via P: …"; -v says
 * which way the connection went. */
static int
dial_proxy(const char *host, int port, const struct connect_conf *c, int verbose)
{
	char hp[VN_HOSTPORTLEN], php[VN_HOSTPORTLEN], why[VN_PROXY_ERRLEN];
	struct vn_proxy_err e;
	int fd;

	vn_hostport(php, c->proxy.host, c->proxy.port);
	fd = vn_proxy_connect(&c->proxy, host, port, family(c), &c->src, c->timeout_ms, &e);
	if (fd < 0 && !vn_sig_pending()) {
		if (e.code == VN_PROXY_EREACH)
			vn_warn("connect to proxy %s: %s", php, vn_proxy_err_str(&e, why));
		else
			vn_warn("connect to %s via %s: %s", vn_hostport(hp, host, port), php,
			        vn_proxy_err_str(&e, why));
	} else if (fd >= 0 && verbose) {
		vn_warn("connected to %s via %s", vn_hostport(hp, host, port), php);
	}
	return fd;
}

/* Connect (to PATH with -U, where host is the path), or report why not (one
 * line) and return -1; -v says "connected to HOST:PORT". */
static int
dial(const char *host, int port, const struct connect_conf *c, int verbose)
{
	char hp[VN_HOSTPORTLEN];
	const char *peer = c->unix_path ? host : vn_hostport(hp, host, port);
	struct vn_err e;
	int fd, type = c->udp ? SOCK_DGRAM : SOCK_STREAM;

	if (c->proxy_addr)
		return dial_proxy(host, port, c, verbose);
	if (c->unix_path)
		fd = vn_connect_unix(host, type, &e);
	else if (c->udp)
		fd = vn_udp_connect_from(host, port, family(c), &c->src, &e);
	else
		fd = vn_connect_tcp_from(host, port, family(c), &c->src, c->timeout_ms, &e);
	if (fd < 0 && !vn_sig_pending())
		vn_warn("connect to %s: %s", peer, vn_err_str(&e));
	else if (fd >= 0 && verbose)
		vn_warn("connected to %s", peer);
	return fd;
}

/* -z: try each port of PORT or LOW-HIGH in turn (1 s each unless -w) and print
 * "HOST PORT open" for those that accept; with -v the others are reported on
 * stderr. HOST is resolved once; a failure that holds for every port (an
 * unknown host, no address of the family, an unreachable network) is reported
 * once and ends the scan. Returns 0 if any was open, else 1. */
static int
scan(const char *host, const struct connect_conf *c, int verbose)
{
	char hp[VN_HOSTPORTLEN];
	int p, open = 0;
	struct addrinfo *res;
	struct vn_err e;

	if (vn_resolve_tcp(host, c->first, family(c), &res, &e) < 0) {
		vn_warn("connect to %s: %s", vn_hostport(hp, host, c->first), vn_err_str(&e));
		return 1;
	}
	for (p = c->first; p <= c->last && !vn_sig_pending(); p++) {
		int fd, closed;

		vn_addrs_set_port(res, p);
		fd = vn_connect_addrs(res, c->timeout_ms < 0 ? 1000 : c->timeout_ms, &e);
		closed = fd < 0 && (e.code == ECONNREFUSED || e.code == ETIMEDOUT);
		if (fd >= 0) {
			printf("%s %d open\n", host, p);
			fflush(stdout);
			close(fd);
			open = 1;
		} else if (vn_sig_pending()) {
			break;
		} else if (!closed || verbose) {
			vn_warn("connect to %s: %s", vn_hostport(hp, host, p), vn_err_str(&e));
			if (vn_err_host_wide(&e))
				break;
		}
	}
	freeaddrinfo(res);
	return open ? 0 : 1;
}

/* -u: datagrams over fd until stdin ends (and -q SECS more), -w SECS idle,
 * or a signal. Returns the exit status. */
static int
relay_dgram(int fd, const char *peer, const struct connect_conf *c, int verbose)
{
	struct vn_dgram_opts o = { .any_peer = 0 };
	struct vn_relay_opts ro = { .idle_timeout_ms = c->timeout_ms,
	                            .in_end_ms = c->quit_ms < 0 ? 0 : c->quit_ms,
	                            .peer_end_ms = -1 };
	int r = vn_dgram_relay(fd, 0, 1, &o, &ro), err = errno;
	char sum[VN_SUMMARYLEN];

	close(fd);
	if (r < 0 && err != ETIMEDOUT && err != EINTR)
		vn_warn("%s: %s", vn_relay_where(&ro, peer), strerror(err));
	if (verbose && !(r < 0 && err == EINTR))
		vn_warn("%s", vn_relay_summary(&ro, sum));
	return r < 0 && err != ETIMEDOUT ? 1 : 0;
}

/* Relay stdin and stdout over the connection, and end it. An idle timeout
 * (-w) ends the relay quietly, as nc -w does. Returns the exit status. */
static int
relay(struct vn_conn *conn, const char *peer, struct connect_conf *c, int verbose)
{
	struct vn_relay_opts ro = { .idle_timeout_ms = c->timeout_ms };
	char sum[VN_SUMMARYLEN];
	int status = 0, r, err;

	vn_relay_set_ends(&ro, 0, c->quit_ms);
	vn_stream_cli_apply(&c->stream, &ro);
	r = vn_relay(conn, 0, 1, &ro);
	err = errno;
	if (r < 0 && err != ETIMEDOUT) {
		if (err != EINTR)
			vn_warn("%s: %s", ro.failed == VN_RELAY_TAP ?
			        vn_stream_cli_where(&c->stream) : vn_relay_where(&ro, peer),
			        vn_relay_strerror(&ro, conn, err));
		status = 1;
	}
	if (verbose && !(r < 0 && err == EINTR))
		vn_warn("%s", vn_relay_summary(&ro, sum));
	vn_conn_end(conn);
	return status;
}

/* An exec option: the child talks to the server over the connection, and the
 * tool ends with its status. */
static int
exec_one(struct vn_conn *conn, const char *peer, struct connect_conf *c)
{
	pid_t pid;
	int status;

	/* With --tls the child's relay speaks it (cmd/exec.c) */
	c->exec.conn = conn;
	pid = vn_exec_start(&c->exec, conn->fd, peer);
	status = pid < 0 ? 1 : 0;
	vn_conn_release(conn);   /* the relaying process has it now */
	if (pid > 0)
		status = vn_exec_wait(pid);
	vn_exec_free(&c->exec);
	return status;
}

/* Connect (unless a script runs alone), then relay, run the exec option or
 * the script. Returns the exit status. */
static int
run(struct connect_conf *c, struct vn_cli *cli, struct vn_tls_ctx *tc, vn_rt *rt)
{
	char hp[VN_HOSTPORTLEN];
	const char *peer = NULL;
	struct vn_conn conn;
	int fd = -1, verbose = cli->script.verbose;

	if (c->host && (fd = dial(c->host, c->port, c, verbose)) < 0)
		return 1;
	vn_conn_plain(&conn, fd);
	conn.tap = vn_stream_cli_tap(&c->stream);
	if (fd >= 0)
		peer = c->unix_path ? c->host : vn_hostport(hp, c->host, c->port);
	if (tc && fd >= 0) {
		if (c->tls.o.insecure && verbose)
			vn_warn("--tls-insecure: the server's certificate is not verified");
		if (vn_tls_cli_handshake(tc, &conn, c->host, peer, c->timeout_ms,
		                         verbose) < 0) {
			vn_conn_end(&conn);
			return 1;
		}
	}
	switch (c->mode) {
	case VN_MODE_EXEC:
		return exec_one(&conn, peer, c);
	case VN_MODE_SCRIPT:
		if (fd >= 0)
			vn_rt_set_conn(rt, "fd", &conn);
		return vn_rt_run(rt);
	case VN_MODE_DGRAM:
		vn_conn_release(&conn);   /* relay_dgram closes fd */
		return relay_dgram(fd, peer, c, verbose);
	default:
		return relay(&conn, peer, c, verbose);
	}
}

int
main(int argc, char **argv)
{
	struct connect_conf c;
	struct vn_cli cli;
	struct vn_cli_err e;
	struct vn_tls_ctx *tc = NULL;
	vn_rt *rt = NULL;
	int status;

	vn_proc_std_init();
	vn_sig_init(vn_rt_interrupt);
	if (vn_connect_args(&cli, &c, argc, argv, &e) < 0 ||
	    vn_tls_cli_ctx(&c.tls, 0, &tc, &e) < 0 ||
	    vn_stream_cli_open(&c.stream, &e) < 0) {
		vn_connect_conf_free(&c);
		vn_tls_ctx_free(tc);
		return vn_cli_exit(vn_cli_report(&e));
	}
	if (c.mode == VN_MODE_SCAN)
		return vn_cli_exit(scan(c.host, &c, cli.script.verbose));
	if (c.mode == VN_MODE_EXEC && (status = vn_exec_prepare(&c.exec, &cli)) != 0)
		goto out;
	if (c.mode == VN_MODE_SCRIPT && !(rt = vn_rt_open(&cli.script, &status)))
		goto out;
	if (rt)
		vn_rt_set_tap(rt, vn_stream_cli_tap(&c.stream));
	status = run(&c, &cli, tc, rt);
out:
	vn_rt_free(rt);
	if (vn_stream_cli_close(&c.stream) < 0 && status == 0)
		status = 1;
	vn_exec_free(&c.exec);
	vn_tls_ctx_free(tc);
	vn_connect_conf_free(&c);
	return vn_cli_exit(status);
}
