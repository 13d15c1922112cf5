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
#include "cli.h"
#include "tls_opts.h"
#include "stream_opts.h"
#include "exec.h"

struct conf {
	int timeout_ms;   /* -w, -1 for none */
	int quit_ms;      /* -q, -1 for none */
	int scan;         /* -z */
	int family;       /* -4/-6 */
	int udp;          /* -u */
	int unix_path;    /* -U: the operand is a PATH */
	struct vn_tls_cli tls;  /* --tls, --tls-* */
	struct vn_exec exec;  /* --lua-exec, --sh-exec, --exec */
	struct vn_stream_cli stream;  /* -C, --send-only, --recv-only, -o, -x, -i */
};

static const char *const usage[] = {
	"[OPTIONS] [-u] HOST PORT",
	"[OPTIONS] -U [-u] PATH",
	"[OPTIONS] -z HOST PORT|LOW-HIGH",
	"[OPTIONS] --script FILE [HOST PORT | -U PATH] [-- ARG...]",
	"[OPTIONS] --lua-exec FILE HOST PORT [-- ARG...]",
	"[OPTIONS] -c CMD | --exec \"PROG ARGS\" HOST PORT",
	NULL
};

static const struct vn_option opts[] = {
	{ "timeout", 'w', "SECS", "give up connecting, or idling, after SECS" },
	{ "quit-after", 'q', "SECS", "once one side has ended, quit SECS later (0: at once)" },
	{ "scan", 'z', NULL, "report the open ports of PORT or LOW-HIGH, send nothing" },
	{ "ipv4", '4', NULL, "IPv4 addresses only" },
	{ "ipv6", '6', NULL, "IPv6 addresses only" },
	{ "udp", 'u', NULL, "UDP (with -U: datagram sockets): one datagram per read" },
	{ "unix", 'U', NULL, "connect to the Unix socket PATH (@name: abstract)" },
	VN_TLS_CONNECT_OPTIONS,
	VN_STREAM_OPTIONS,
	VN_STREAM_INTERVAL,
	{ "lua-exec", VN_OPT_LUA_EXEC, "FILE", "run the Lua script FILE on the connection as stdin/stdout" },
	{ "sh-exec", 'c', "CMD", "run /bin/sh -c CMD on the connection as stdin/stdout" },
	{ "exec", VN_OPT_EXEC, "\"PROG ARGS\"", "run PROG (from PATH, no shell) likewise" },
	{ NULL, 0, NULL, NULL }
};

static int
option(int key, const char *arg, void *ctx)
{
	struct conf *c = ctx;

	if (vn_tls_cli_option(&c->tls, key, arg) ||
	    vn_stream_cli_option(&c->stream, key, arg))
		return 0;
	switch (key) {
	case 'w': c->timeout_ms = vn_cli_secs(arg, 0); break;
	case 'q': c->quit_ms = vn_cli_secs(arg, 1); break;
	case 'z': c->scan = 1; break;
	case '4': c->family = AF_INET; break;
	case '6': c->family = AF_INET6; break;
	case 'u': c->udp = 1; break;
	case 'U': c->unix_path = 1; break;
	case VN_OPT_LUA_EXEC: case 'c': case VN_OPT_EXEC:
		vn_exec_option(&c->exec, key, arg);
		break;
	}
	return 0;
}

/* Connect (to PATH with -U, where host is the path), or report why not (one
 * line) and return -1. */
static int
dial(const char *host, int port, const struct conf *c)
{
	char hp[VN_HOSTPORTLEN];
	struct vn_err e;
	int fd, type = c->udp ? SOCK_DGRAM : SOCK_STREAM;

	if (c->unix_path)
		fd = vn_connect_unix(host, type, &e);
	else if (c->udp)
		fd = vn_udp_connect(host, port, c->family, &e);
	else
		fd = vn_connect_tcp(host, port, c->family, c->timeout_ms, &e);
	if (fd < 0 && !vn_sig_pending())
		vn_warn("connect to %s: %s",
		        c->unix_path ? host : vn_hostport(hp, host, port), vn_err_str(&e));
	return fd;
}

/* -z: try each port of PORT or LOW-HIGH in turn (1 s each unless -w) and print
 * "HOST PORT open" for those that accept; with -v the others are reported on
 * stderr. HOST is resolved once; a failure that holds for every port (an
 * unknown host, no address of the family, an unreachable network) is reported
 * once and ends the scan. Returns 0 if any was open, else 1. */
static int
scan(const char *host, const char *range, const struct conf *c, int verbose)
{
	char lo[8], hp[VN_HOSTPORTLEN], *dash = strchr(range, '-');
	int first, last, p, open = 0;
	struct addrinfo *res;
	struct vn_err e;

	if (dash && (size_t)(dash - range) < sizeof lo) {
		memcpy(lo, range, dash - range);
		lo[dash - range] = '\0';
		first = vn_cli_port(lo);
		last = vn_cli_port(dash + 1);
	} else {
		first = last = vn_cli_port(range);
	}
	if (first > last)
		vn_usage_error("invalid port range '%s'", range);
	if (vn_resolve_tcp(host, first, c->family, &res, &e) < 0) {
		vn_warn("connect to %s: %s", vn_hostport(hp, host, first), vn_err_str(&e));
		return 1;
	}
	for (p = first; p <= last && !vn_sig_pending(); p++) {
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
relay_dgram(int fd, const char *peer, const struct conf *c)
{
	struct vn_dgram_opts o = { .idle_timeout_ms = c->timeout_ms,
	                           .in_end_ms = c->quit_ms < 0 ? 0 : c->quit_ms };
	int r = vn_dgram_relay(0, 1, fd, &o), err = errno;

	close(fd);
	if (r < 0 && err != ETIMEDOUT && err != EINTR) {
		vn_warn("%s: %s", o.failed == VN_RELAY_IN ? "standard input" :
		        o.failed == VN_RELAY_OUT ? "standard output" : peer, strerror(err));
		return 1;
	}
	return r < 0 && err == EINTR ? 1 : 0;
}

/* Relay stdin and stdout over the connection, and end it. An idle timeout
 * (-w) ends the relay quietly, as nc -w does. Returns the exit status. */
static int
relay(struct vn_conn *conn, const char *peer, struct conf *c, int verbose)
{
	struct vn_relay_opts ro = { .idle_timeout_ms = c->timeout_ms };
	char sum[VN_SUMMARYLEN];
	int status = 0, r, err;

	if (c->udp) {
		status = relay_dgram(conn->fd, peer, c);
		vn_conn_release(conn);   /* relay_dgram closed it */
		return status;
	}
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
exec_one(struct vn_conn *conn, const char *peer, struct conf *c)
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

int
main(int argc, char **argv)
{
	struct conf c = { -1, -1, 0, AF_UNSPEC, 0, 0, { 0 }, { 0 }, { 0 } };
	struct vn_cli cli = { "vlcnet-connect", usage,
		"Connect to HOST:PORT and relay standard input to it and its data to\n"
		"standard output; at end of input the sending side is shut down.",
		opts, { 0 }, NULL, 0 };
	vn_rt *rt = NULL;
	struct vn_tls_ctx *tc;
	struct vn_conn conn;
	char hp[VN_HOSTPORTLEN];
	const char *peer = NULL;
	int fd = -1, port = -1, status;

	vn_proc_std_init();
	vn_sig_init(vn_rt_interrupt);
	vn_cli_parse(&cli, argc, argv, option, &c);
	if (c.scan && (c.udp || c.unix_path))
		vn_usage_error("--scan works over TCP only");
	if (c.unix_path && c.family != AF_UNSPEC)
		vn_usage_error("--ipv4 and --ipv6 do not apply to --unix");
	if (c.unix_path && cli.nops > 1)
		vn_usage_error("--unix takes one PATH operand, not HOST PORT");
	if (c.unix_path && cli.nops == 0 && !vn_cli_scripted(&cli))
		vn_usage_error("missing PATH operand");
	if (c.unix_path && cli.nops == 1 && !*cli.ops[0])
		vn_usage_error("empty PATH operand");
	if (cli.nops > 2)
		vn_usage_error("too many operands");
	if (!c.unix_path && cli.nops < 2 &&
	    !(vn_cli_scripted(&cli) && cli.nops == 0 && !c.scan))
		vn_usage_error(cli.nops ? "missing PORT operand" : "missing HOST and PORT operands");
	if (cli.nops == 2 && !*cli.ops[0])
		vn_usage_error("empty HOST operand");
	if (c.scan && vn_cli_scripted(&cli))
		vn_usage_error("--scan takes no script");
	if (c.tls.on && cli.nops == 0)
		vn_usage_error("--tls needs HOST PORT (a script connects with net.connect_tls)");
	tc = vn_tls_cli_ctx(&c.tls, 0, c.udp, c.scan);
	if (c.exec.kind && (c.scan || c.udp))
		vn_usage_error("%s does not go with %s", vn_exec_name(&c.exec),
		               c.scan ? "--scan" : "--udp");
	if (c.exec.kind && c.quit_ms >= 0)
		vn_usage_error("--quit-after applies to the relay, not to %s",
		               vn_exec_name(&c.exec));
	if (c.exec.kind && cli.nops == 0)
		vn_usage_error(c.unix_path ? "missing PATH operand" :
		               "missing HOST and PORT operands");
	vn_stream_cli_check(&c.stream, c.udp, c.scan, c.exec.kind ? vn_exec_name(&c.exec) : NULL,
	                    vn_cli_scripted(&cli));
	if (c.scan)
		return vn_cli_exit(scan(cli.ops[0], cli.ops[1], &c, cli.script.verbose));
	if (cli.nops == 2)
		port = vn_cli_port(cli.ops[1]);
	c.exec.timeout_ms = c.timeout_ms;
	if (c.exec.kind && (status = vn_exec_prepare(&c.exec, &cli)) != 0) {
		vn_tls_ctx_free(tc);
		return status;
	}
	if (vn_cli_scripted(&cli) && !c.exec.kind) {
		if (!(rt = vn_rt_open(&cli.script, &status))) {
			vn_tls_ctx_free(tc);
			return status;
		}
	}
	vn_stream_cli_open(&c.stream);
	if (rt)
		vn_rt_set_tap(rt, vn_stream_cli_tap(&c.stream));
	status = 1;
	if (cli.nops > 0 && (fd = dial(cli.ops[0], port, &c)) < 0)
		goto out;
	vn_conn_plain(&conn, fd);
	conn.tap = vn_stream_cli_tap(&c.stream);
	if (fd >= 0) {
		peer = c.unix_path ? cli.ops[0] : vn_hostport(hp, cli.ops[0], port);
		if (cli.script.verbose)
			vn_warn("connected to %s", peer);
	}
	if (tc && fd >= 0) {
		if (c.tls.o.insecure && cli.script.verbose)
			vn_warn("--tls-insecure: the server's certificate is not verified");
		if (vn_tls_cli_handshake(tc, &conn, cli.ops[0], peer, c.timeout_ms,
		                         cli.script.verbose) < 0) {
			vn_conn_end(&conn);
			goto out;
		}
	}
	if (c.exec.kind)
		status = exec_one(&conn, peer, &c);
	else if (!rt)
		status = relay(&conn, peer, &c, cli.script.verbose);
	else {
		if (fd >= 0)
			vn_rt_set_conn(rt, "fd", &conn);
		status = vn_rt_run(rt);
	}
out:
	vn_rt_free(rt);
	if (vn_stream_cli_close(&c.stream) < 0 && status == 0)
		status = 1;
	vn_exec_free(&c.exec);
	vn_tls_ctx_free(tc);
	return vn_cli_exit(status);
}
