/* vlcnet-connect: connect to HOST:PORT and relay stdin/stdout, scan ports, or
 * run a script with the connection as the global `fd`. */
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

struct conf {
	int timeout_ms;   /* -w, -1 for none */
	int scan;         /* -z */
	int family;       /* -4/-6 */
};

static const char *const usage[] = {
	"[OPTIONS] HOST PORT",
	"[OPTIONS] -z HOST PORT|LOW-HIGH",
	"[OPTIONS] --script FILE [HOST PORT] [-- ARG...]",
	NULL
};

static const struct vn_option opts[] = {
	{ "timeout", 'w', "SECS", "give up connecting, or idling, after SECS" },
	{ "scan", 'z', NULL, "report the open ports of PORT or LOW-HIGH, send nothing" },
	{ "ipv4", '4', NULL, "IPv4 addresses only" },
	{ "ipv6", '6', NULL, "IPv6 addresses only" },
	{ NULL, 0, NULL, NULL }
};

static int
option(int key, const char *arg, void *ctx)
{
	struct conf *c = ctx;
	char *end;
	double secs;

	switch (key) {
	case 'w':
		secs = strtod(arg, &end);
		if (end == arg || *end || !(secs > 0) || secs > 2e6)
			vn_usage_error("invalid timeout '%s'", arg);
		c->timeout_ms = (int)(secs * 1000);
		if (c->timeout_ms == 0)
			c->timeout_ms = 1;
		break;
	case 'z': c->scan = 1; break;
	case '4': c->family = AF_INET; break;
	case '6': c->family = AF_INET6; break;
	}
	return 0;
}

/* Connect, or report why not (one line) and return -1. */
static int
dial(const char *host, const char *port, const struct conf *c)
{
	struct vn_err e;
	int fd = vn_connect_tcp(host, vn_cli_port(port), c->family, c->timeout_ms, &e);

	if (fd < 0)
		vn_warn("connect to %s:%s: %s", host, port, e.msg);
	return fd;
}

/* -z: one "HOST PORT open" line per open port. 0 if any was open, else 1. */
static int
scan(const char *host, const char *range, const struct conf *c)
{
	char lo[8], *dash = strchr(range, '-');
	int first, last, p, open = 0;

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
	for (p = first; p <= last; p++) {
		struct vn_err e;
		int fd = vn_connect_tcp(host, p, c->family,
		                        c->timeout_ms < 0 ? 1000 : c->timeout_ms, &e);

		if (fd >= 0) {
			printf("%s %d open\n", host, p);
			fflush(stdout);
			close(fd);
			open = 1;
		} else if (strcmp(e.msg, "Connection refused") &&
		           strcmp(e.msg, "Connection timed out")) {
			vn_warn("connect to %s:%d: %s", host, p, e.msg);
			if (vn_cli_exit(0) || !strcmp(e.msg, "unknown host"))
				return 1;
		}
	}
	return open ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct conf c = { -1, 0, AF_UNSPEC };
	struct vn_cli cli = { "vlcnet-connect", usage,
		"Connect to HOST:PORT and relay standard input to it and its data to\n"
		"standard output; at end of input the sending side is shut down.",
		opts, { 0 }, NULL, 0 };
	struct vn_relay_opts ro;
	vn_rt *rt = NULL;
	int fd = -1, status;

	vn_cli_parse(&cli, argc, argv, option, &c);
	if (cli.nops > 2)
		vn_usage_error("too many operands");
	if (cli.nops < 2 && !(vn_cli_scripted(&cli) && cli.nops == 0))
		vn_usage_error(cli.nops ? "missing PORT operand" : "missing HOST and PORT operands");
	if (c.scan)
		return vn_cli_exit(scan(cli.ops[0], cli.ops[1], &c));
	if (vn_cli_scripted(&cli)) {
		rt = vn_rt_new(&cli.script);
		if (!rt)
			return 1;
		if ((status = vn_rt_load(rt)) != 0)
			return status;
	} else {
		vn_sig_init(NULL);
	}
	if (cli.nops == 2 && (fd = dial(cli.ops[0], cli.ops[1], &c)) < 0)
		return vn_cli_exit(1);
	if (!vn_cli_scripted(&cli)) {
		ro.idle_timeout_ms = c.timeout_ms;
		status = 0;
		if (vn_relay(0, 1, fd, &ro) < 0) {
			if (errno != EINTR)
				vn_warn("%s:%s: %s", cli.ops[0], cli.ops[1], strerror(errno));
			status = 1;
		}
		close(fd);
		return vn_cli_exit(status);
	}
	if (fd >= 0)
		vn_rt_set_fd(rt, "fd", fd);
	status = vn_rt_run(rt);
	vn_rt_free(rt);
	return vn_cli_exit(status);
}
