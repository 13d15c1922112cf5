/* vlcnet-listen: listen on [HOST] PORT and relay one connection (or one after
 * another with -k), hand the listener to a script, or run a script per
 * connection with --fork. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/net.h"
#include "../core/relay.h"
#include "../core/sig.h"
#include "cli.h"

enum { OPT_FORK = 256 };

struct conf {
	int keep;        /* -k */
	int family;      /* -4/-6 */
	int fork;        /* --fork */
	int max_conns;   /* -m */
};

static const char *const usage[] = {
	"[OPTIONS] [HOST] PORT",
	"[OPTIONS] --script FILE [HOST] PORT [-- ARG...]",
	"[OPTIONS] --fork --script FILE [HOST] PORT [-- ARG...]",
	NULL
};

static const struct vn_option opts[] = {
	{ "keep-open", 'k', NULL, "accept another connection after each one ends" },
	{ "ipv4", '4', NULL, "IPv4 addresses only" },
	{ "ipv6", '6', NULL, "IPv6 addresses only" },
	{ "fork", OPT_FORK, NULL, "run the script in a child per connection (fd, peer)" },
	{ "max-conns", 'm', "N", "with --fork, at most N children at once (100)" },
	{ NULL, 0, NULL, NULL }
};

static int
option(int key, const char *arg, void *ctx)
{
	struct conf *c = ctx;
	char *end;
	long n;

	switch (key) {
	case 'k': c->keep = 1; break;
	case '4': c->family = AF_INET; break;
	case '6': c->family = AF_INET6; break;
	case OPT_FORK: c->fork = 1; break;
	case 'm':
		n = strtol(arg, &end, 10);
		if (end == arg || *end || n < 1 || n > 1000000)
			vn_usage_error("invalid connection count '%s'", arg);
		c->max_conns = (int)n;
		break;
	}
	return 0;
}

/* Relay accepted connections until one ends (or forever with -k). */
static int
serve_relay(const int *fds, int n, const struct conf *c, int verbose)
{
	struct vn_relay_opts ro = { -1 };

	do {
		struct sockaddr_storage peer;
		char addr[VN_ADDRSTRLEN];
		int fd = vn_accept(fds, n, -1, &peer);

		if (fd < 0) {
			if (errno == EINTR)
				return 1;
			vn_warn("accept: %s", strerror(errno));
			if (!c->keep)
				return 1;
			sleep(1);   /* out of descriptors: let some free up */
			continue;
		}
		if (verbose) {
			vn_addr_format((struct sockaddr *)&peer, addr);
			vn_warn("connection from %s", addr);
		}
		if (vn_relay(0, 1, fd, &ro) < 0 && errno != EINTR) {
			vn_warn("relay: %s", strerror(errno));
			if (!c->keep) {
				close(fd);
				return 1;
			}
		}
		close(fd);
	} while (c->keep && !vn_sig_pending());
	return 0;
}

int
main(int argc, char **argv)
{
	struct conf c = { 0, AF_UNSPEC, 0, 100 };
	struct vn_cli cli = { "vlcnet-listen", usage,
		"Listen on PORT (on every local address, or those HOST resolves to),\n"
		"accept a connection and relay standard input to it and its data to\n"
		"standard output.",
		opts, { 0 }, NULL, 0 };
	int fds[VN_MAXLISTEN], n, i, status;
	const char *host, *port;
	struct vn_err e;
	vn_rt *rt = NULL;

	vn_cli_parse(&cli, argc, argv, option, &c);
	if (cli.nops < 1)
		vn_usage_error("missing PORT operand");
	if (cli.nops > 2)
		vn_usage_error("too many operands");
	if (c.fork && !vn_cli_scripted(&cli))
		vn_usage_error("--fork needs --script or --exec");
	host = cli.nops == 2 ? cli.ops[0] : NULL;
	port = cli.ops[cli.nops - 1];
	if (vn_cli_scripted(&cli) && !c.fork) {
		rt = vn_rt_new(&cli.script);
		if (!rt)
			return 1;
		if ((status = vn_rt_load(rt)) != 0)
			return status;
	}
	n = vn_listen_tcp(host, vn_cli_port(port), c.family, fds, &e);
	if (n < 0) {
		vn_warn("listen on %s:%s: %s", host ? host : "*", port, e.msg);
		return 1;
	}
	if (cli.script.verbose)
		for (i = 0; i < n; i++) {
			struct sockaddr_storage ss;
			socklen_t len = sizeof ss;
			char addr[VN_ADDRSTRLEN];

			getsockname(fds[i], (struct sockaddr *)&ss, &len);
			vn_addr_format((struct sockaddr *)&ss, addr);
			vn_warn("listening on %s", addr);
		}
	if (!vn_cli_scripted(&cli)) {
		vn_sig_init(NULL);
		status = serve_relay(fds, n, &c, cli.script.verbose);
		for (i = 0; i < n; i++)
			close(fds[i]);
		return vn_cli_exit(status);
	}
	vn_rt_set_listener(rt, "listener", fds, n);
	status = vn_rt_run(rt);
	vn_rt_free(rt);
	return vn_cli_exit(status);
}
