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

#include "../core/acl.h"
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

enum { OPT_FORK = 256, OPT_PORT_FILE };
enum { OPT_ALLOW = 320, OPT_DENY, OPT_ALLOWFILE, OPT_DENYFILE };

struct conf {
	int keep;        /* -k */
	int family;      /* -4/-6 */
	int fork;        /* --fork */
	int max_conns;   /* -m */
	int timeout_ms;  /* -w, -1 for none */
	int quit_ms;     /* -q, -1 for none */
	const char *port_file;  /* --port-file */
	const char *port;       /* -p: the port, so that an operand left is HOST */
	int udp;         /* -u */
	int unix_path;   /* -U: the operand is a PATH */
	const char *where;      /* -U: the PATH, in messages and as `peer` */
	struct vn_acl acl;      /* --allow, --deny */
	int max_set;     /* -m was given */
	struct vn_exec exec;    /* --lua-exec, --sh-exec, --exec */
	struct vn_tls_cli tls;  /* --tls, --tls-* */
	struct vn_tls_ctx *tc;  /* with --tls: the server context */
	struct vn_stream_cli stream;  /* -C, --send-only, --recv-only, -o, -x */
};

static const char *const usage[] = {
	"[OPTIONS] [-u] [HOST] PORT",
	"[OPTIONS] [-l] -p PORT [HOST]",
	"[OPTIONS] -U [-u] PATH",
	"[OPTIONS] --script FILE [HOST] PORT [-- ARG...]",
	"[OPTIONS] --fork --script FILE [HOST] PORT [-- ARG...]",
	"[OPTIONS] --script FILE -U PATH [-- ARG...]",
	"[OPTIONS] [-k] --lua-exec FILE [HOST] PORT [-- ARG...]",
	"[OPTIONS] [-k] -c CMD | --exec \"PROG ARGS\" [HOST] PORT",
	NULL
};

static const struct vn_option opts[] = {
	{ "listen", 'l', NULL, "accepted and ignored, as in nc -l: this tool always listens" },
	{ "port", 'p', "PORT", "listen on PORT (nc -l -p); an operand left is HOST" },
	{ "keep-open", 'k', NULL, "accept another connection after each one ends" },
	{ "timeout", 'w', "SECS", "end a connection after SECS without data" },
	{ "quit-after", 'q', "SECS", "once one side has ended, quit SECS later (0: at once)" },
	{ "ipv4", '4', NULL, "IPv4 addresses only" },
	{ "ipv6", '6', NULL, "IPv6 addresses only" },
	{ "fork", OPT_FORK, NULL, "run the script in a child per connection (fd, peer)" },
	{ "max-conns", 'm', "N", "at most N children at once (--fork: 100; -k with an exec option: 1)" },
	{ "port-file", OPT_PORT_FILE, "FILE", "write the bound port (-U: PATH) to FILE once listening" },
	{ "udp", 'u', NULL, "UDP (with -U: datagram sockets): answer the last sender" },
	{ "unix", 'U', NULL, "listen on the Unix socket PATH (@name: abstract)" },
	VN_TLS_LISTEN_OPTIONS,
	VN_STREAM_OPTIONS,
	{ "allow", OPT_ALLOW, "ADDR", "serve only clients in ADDR[/PREFIX] (repeatable)" },
	{ "deny", OPT_DENY, "ADDR", "never serve clients in ADDR[/PREFIX] (repeatable)" },
	{ "allowfile", OPT_ALLOWFILE, "FILE", "--allow each ADDR[/PREFIX] listed in FILE, one a line" },
	{ "denyfile", OPT_DENYFILE, "FILE", "--deny each ADDR[/PREFIX] listed in FILE, one a line" },
	{ "lua-exec", VN_OPT_LUA_EXEC, "FILE", "run the Lua script FILE per connection on its stdin/stdout" },
	{ "sh-exec", 'c', "CMD", "run /bin/sh -c CMD per connection on its stdin/stdout" },
	{ "exec", VN_OPT_EXEC, "\"PROG ARGS\"", "run PROG (from PATH, no shell) per connection likewise" },
	{ NULL, 0, NULL, NULL }
};

/* --allow/--deny ARG, or exit 2 saying what is wrong with it. */
static void
add_rule(struct conf *c, enum vn_acl_rule rule, const char *opt, const char *arg)
{
	struct vn_err e;

	if (vn_acl_add(&c->acl, rule, arg, &e) < 0)
		vn_usage_error("invalid %s '%s': %s", opt, arg, vn_err_str(&e));
}

/* --allowfile/--denyfile FILE, or exit 2 saying what is wrong with it: one
 * line, as for a --tls-cert that cannot be read. */
static void
add_rule_file(struct conf *c, enum vn_acl_rule rule, const char *opt, const char *path)
{
	unsigned long line;
	struct vn_err e;

	if (vn_acl_add_file(&c->acl, rule, path, &line, &e) == 0)
		return;
	if (line)
		vn_warn("%s %s:%lu: %s", opt, path, line, vn_err_str(&e));
	else
		vn_warn("%s '%s': %s", opt, path, vn_err_str(&e));
	exit(2);
}

static int
option(int key, const char *arg, void *ctx)
{
	struct conf *c = ctx;
	char *end;
	long n;

	if (vn_tls_cli_option(&c->tls, key, arg) ||
	    vn_stream_cli_option(&c->stream, key, arg))
		return 0;
	switch (key) {
	case 'l': break;
	case 'p': c->port = arg; break;
	case 'k': c->keep = 1; break;
	case 'w': c->timeout_ms = vn_cli_secs(arg, 0); break;
	case 'q': c->quit_ms = vn_cli_secs(arg, 1); break;
	case '4': c->family = AF_INET; break;
	case '6': c->family = AF_INET6; break;
	case OPT_FORK: c->fork = 1; break;
	case OPT_PORT_FILE: c->port_file = arg; break;
	case 'u': c->udp = 1; break;
	case 'U': c->unix_path = 1; break;
	case OPT_ALLOW: add_rule(c, VN_ACL_ALLOW, "--allow", arg); break;
	case OPT_DENY: add_rule(c, VN_ACL_DENY, "--deny", arg); break;
	case OPT_ALLOWFILE: add_rule_file(c, VN_ACL_ALLOW, "--allowfile", arg); break;
	case OPT_DENYFILE: add_rule_file(c, VN_ACL_DENY, "--denyfile", arg); break;
	case VN_OPT_LUA_EXEC: case 'c': case VN_OPT_EXEC:
		vn_exec_option(&c->exec, key, arg);
		break;
	case 'm':
		n = strtol(arg, &end, 10);
		if (end == arg || *end || n < 1 || n > 1000000)
			vn_usage_error("invalid connection count '%s'", arg);
		c->max_conns = (int)n;
		c->max_set = 1;
		break;
	}
	return 0;
}

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
accept_one(const int *fds, int n, int timeout_ms, const struct conf *c,
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
serve_relay(const int *fds, int n, struct conf *c, int verbose)
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
serve_children(const int *fds, int n, const struct conf *c, struct vn_exec *x,
               int verbose)
{
	int keep = c->fork || c->keep, children = 0;
	int max = c->fork || c->max_set ? c->max_conns : 1;
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
serve_dgram(int fd, const struct conf *c, int verbose)
{
	struct vn_dgram_opts o = { .idle_timeout_ms = c->timeout_ms,
	                           .in_end_ms = c->quit_ms, .any_peer = c->keep };
	int r, err;

	if (verbose)
		o.on_peer = say_peer;
	r = vn_dgram_relay(0, 1, fd, &o);
	err = errno;
	if (r < 0 && err != ETIMEDOUT && err != EINTR) {
		vn_warn("%s: %s", o.failed == VN_RELAY_IN ? "standard input" :
		        o.failed == VN_RELAY_OUT ? "standard output" : "socket",
		        strerror(err));
		return 1;
	}
	return r < 0 && err == EINTR ? 1 : 0;
}

/* Check the operands and options against each other; exits 2 on a mismatch. */
static void
check_usage(const struct vn_cli *cli, const struct conf *c)
{
	if (c->port && c->unix_path)
		vn_usage_error("-p PORT does not apply to --unix");
	/* nc -l -p 4444 HOST: with -p, an operand of digits is a second port. */
	if (c->port && (cli->nops > 1 ||
	    (cli->nops == 1 && *cli->ops[0] &&
	     !cli->ops[0][strspn(cli->ops[0], "0123456789")])))
		vn_usage_error("-p PORT and a PORT operand both given");
	if (cli->nops < 1 && !c->port)
		vn_usage_error(c->unix_path ? "missing PATH operand" : "missing PORT operand");
	if (cli->nops > 2)
		vn_usage_error("too many operands");
	if (c->unix_path && cli->nops > 1)
		vn_usage_error("--unix takes one PATH operand, not HOST PORT");
	if (c->unix_path && !*cli->ops[0])
		vn_usage_error("empty PATH operand");
	if (c->unix_path && c->family != AF_UNSPEC)
		vn_usage_error("--ipv4 and --ipv6 do not apply to --unix");
	if (c->exec.kind && (c->fork || c->udp))
		vn_usage_error("%s does not go with %s", vn_exec_name(&c->exec),
		               c->fork ? "--fork" : "--udp");
	if (c->fork && !vn_cli_scripted(cli))
		vn_usage_error("--fork needs --script or --eval");
	if (c->fork && c->udp)
		vn_usage_error("--fork needs connections: not with --udp");
	if (vn_acl_active(&c->acl) && (c->unix_path || c->udp ||
	                               (vn_cli_scripted(cli) && !c->fork && !c->exec.kind)))
		vn_usage_error("--allow and --deny need TCP connections the tool accepts: "
		               "not with %s", c->unix_path ? "--unix" : c->udp ? "--udp" :
		               "--script alone (add --fork)");
	if (c->quit_ms >= 0 && (vn_cli_scripted(cli) || c->exec.kind))
		vn_usage_error("--quit-after applies to the relay, not to %s",
		               c->exec.kind ? vn_exec_name(&c->exec) : "a script");
	if (c->timeout_ms >= 0 && vn_cli_scripted(cli) && !c->fork && !c->exec.kind)
		vn_usage_error("--timeout applies to the relay, --fork and the exec options, not to a script");
	vn_stream_cli_check(&c->stream, c->udp, 0, c->exec.kind ? vn_exec_name(&c->exec) : NULL,
	                    vn_cli_scripted(cli));
}

/* Open the listening socket(s) of -U PATH, -u or TCP into fds[]. Returns how
 * many, or -1 after saying why. */
static int
open_listener(const struct conf *c, const char *host, const char *port,
              int fds[VN_MAXLISTEN], struct vn_unix_file *file, int verbose)
{
	char hp[VN_HOSTPORTLEN];
	struct vn_err e;
	struct stat st;
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
		fds[0] = vn_udp_bind(host, vn_cli_port(port), c->family, &e);
		n = fds[0] < 0 ? -1 : 1;
	} else {
		n = vn_listen_tcp(host, vn_cli_port(port), c->family, fds, &e);
	}
	if (n < 0) {
		vn_warn("listen on %s: %s",
		        vn_hostport(hp, host ? host : "*", vn_cli_port(port)), vn_err_str(&e));
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

int
main(int argc, char **argv)
{
	struct conf c = { 0, AF_UNSPEC, 0, 100, -1, -1, NULL, NULL, 0, 0, NULL, { { 0 }, { 0 }, 0 }, 0, { 0 },
	                  { 0 }, NULL, { 0 } };
	struct vn_cli cli = { "vlcnet-listen", usage,
		"Listen on PORT (on every local address, or those HOST resolves to),\n"
		"accept a connection and relay standard input to it and its data to\n"
		"standard output.",
		opts, { 0 }, NULL, 0 };
	struct vn_unix_file file = { 0 };
	int fds[VN_MAXLISTEN], n, i, status;
	const char *host, *port;
	char portnum[16];
	vn_rt *rt = NULL;

	vn_proc_std_init();
	vn_sig_init(vn_rt_interrupt);
	vn_cli_parse(&cli, argc, argv, option, &c);
	check_usage(&cli, &c);
	c.tc = vn_tls_cli_ctx(&c.tls, 1, c.udp, 0);
	vn_stream_cli_open(&c.stream);
	c.exec.tap = vn_stream_cli_tap(&c.stream);
	host = cli.nops == (c.port ? 1 : 2) ? cli.ops[0] : NULL;
	port = c.port ? c.port : cli.ops[cli.nops - 1];
	if (c.unix_path)
		c.where = port;
	c.exec.timeout_ms = c.timeout_ms;
	c.exec.tls = c.tc;   /* each child's relay does the handshake */
	if (c.exec.kind && (status = vn_exec_prepare(&c.exec, &cli)) != 0) {
		vn_tls_ctx_free(c.tc);
		return status;
	}
	if (vn_cli_scripted(&cli) && !c.exec.kind) {
		if (!(rt = vn_rt_open(&cli.script, &status))) {
			vn_tls_ctx_free(c.tc);
			return status;
		}
		vn_rt_set_tap(rt, vn_stream_cli_tap(&c.stream));
	}
	n = open_listener(&c, host, port, fds, &file, cli.script.verbose);
	if (n < 0) {
		vn_rt_free(rt);
		vn_exec_free(&c.exec);
		vn_tls_ctx_free(c.tc);
		return vn_cli_exit(1);
	}
	if (!c.unix_path)
		snprintf(portnum, sizeof portnum, "%d", vn_local_port(fds[0]));
	if (c.port_file &&
	    write_port_file(c.port_file, c.unix_path ? c.where : portnum) < 0) {
		status = 1;
	} else if (c.exec.kind) {
		status = serve_children(fds, n, &c, &c.exec, cli.script.verbose);
	} else if (c.fork) {
		/* The parent never runs its state: each child runs its copy. */
		c.exec.kind = VN_EXEC_SCRIPT;
		c.exec.rt = rt;
		c.exec.verbose = cli.script.verbose;
		c.exec.timeout_ms = c.timeout_ms;
		status = serve_children(fds, n, &c, &c.exec, cli.script.verbose);
	} else if (rt && c.udp) {
		/* A datagram socket has nothing to accept: the script gets it. */
		vn_rt_set_fd(rt, "fd", fds[0]);
		status = vn_rt_run(rt);
		n = 0;   /* the state closes it */
	} else if (rt) {
		vn_rt_set_listener(rt, "listener", fds, n);
		if (c.tc)
			vn_rt_set_listener_tls(rt, "listener", c.tc);
		status = vn_rt_run(rt);
		n = 0;   /* the listener owned the sockets; the state closes them */
	} else if (c.udp) {
		status = serve_dgram(fds[0], &c, cli.script.verbose);
	} else {
		status = serve_relay(fds, n, &c, cli.script.verbose);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	vn_rt_free(rt);
	if (vn_stream_cli_close(&c.stream) < 0 && status == 0)
		status = 1;
	vn_acl_free(&c.acl);
	vn_exec_free(&c.exec);
	vn_tls_ctx_free(c.tc);
	/* After the state closed its sockets; a --fork child never gets here. */
	if (c.unix_path && vn_unix_remove(c.where, &file) < 0)
		vn_warn("remove %s: %s", c.where, strerror(errno));
	return vn_cli_exit(status);
}
