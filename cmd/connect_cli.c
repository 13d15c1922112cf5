/* cmd/connect_cli.c: vlcnet-connect's options, operands and their checks. */
#include <string.h>
#include <sys/socket.h>

#include "connect.h"

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
	{ .name = "timeout", .key = 'w', .arg = "SECS",
	  .help = "give up connecting, or idling, after SECS" },
	{ .name = "quit-after", .key = 'q', .arg = "SECS",
	  .help = "once one side has ended, quit SECS later (0: at once)" },
	{ .name = "scan", .key = 'z',
	  .help = "report the open ports of PORT or LOW-HIGH, send nothing" },
	{ .name = "ipv4", .key = '4', .help = "IPv4 addresses only" },
	{ .name = "ipv6", .key = '6', .help = "IPv6 addresses only" },
	{ .name = "udp", .key = 'u',
	  .help = "UDP (with -U: datagram sockets): one datagram per read" },
	{ .name = "unix", .key = 'U', .help = "connect to the Unix socket PATH (@name: abstract)" },
	VN_TLS_CONNECT_OPTIONS,
	{ .name = "lua-exec", .key = VN_OPT_LUA_EXEC, .arg = "FILE",
	  .help = "run the Lua script FILE on the connection as stdin/stdout" },
	{ .name = "sh-exec", .key = 'c', .arg = "CMD",
	  .help = "run /bin/sh -c CMD on the connection as stdin/stdout" },
	{ .name = "exec", .key = VN_OPT_EXEC, .arg = "\"PROG ARGS\"",
	  .help = "run PROG (from PATH, no shell) likewise" },
	{ .name = NULL }
};

static int
option(int key, const char *arg, void *ctx, struct vn_cli_err *e)
{
	struct connect_conf *c = ctx;

	if (vn_tls_cli_option(&c->tls, key, arg))
		return 0;
	switch (key) {
	case 'w': return (c->timeout_ms = vn_cli_secs(arg, 0, e)) < 0 ? -1 : 0;
	case 'q': return (c->quit_ms = vn_cli_secs(arg, 1, e)) < 0 ? -1 : 0;
	case 'z': break;   /* the mode */
	case '4': c->family = AF_INET; break;
	case '6': c->family = AF_INET6; break;
	case 'u': c->udp = 1; break;
	case 'U': c->unix_path = 1; break;
	case VN_OPT_LUA_EXEC: case 'c': case VN_OPT_EXEC:
		return vn_exec_option(&c->exec, key, arg, e);
	}
	return 0;
}

/* -z's PORT or LOW-HIGH into c->first and c->last. */
static int
port_range(const char *range, struct connect_conf *c, struct vn_cli_err *e)
{
	const char *dash = strchr(range, '-');
	char lo[8];

	if (dash && (size_t)(dash - range) < sizeof lo) {
		memcpy(lo, range, dash - range);
		lo[dash - range] = '\0';
		if ((c->first = vn_cli_port(lo, e)) < 0 ||
		    (c->last = vn_cli_port(dash + 1, e)) < 0)
			return -1;
	} else if ((c->first = c->last = vn_cli_port(range, e)) < 0) {
		return -1;
	}
	if (c->first > c->last)
		return vn_cli_fail(e, "invalid port range '%s'", range);
	return 0;
}

/* The operands: HOST PORT, PATH with -U; none for a script alone. */
static int
operands(const struct vn_cli *cli, struct connect_conf *c, struct vn_cli_err *e)
{
	int scripted = vn_cli_scripted(cli) && !c->exec.kind;

	if (c->unix_path && cli->nops > 1)
		return vn_cli_fail(e, "--unix takes one PATH operand, not HOST PORT");
	if (c->unix_path && cli->nops == 0 && !scripted)
		return vn_cli_fail(e, "missing PATH operand");
	if (c->unix_path && cli->nops == 1 && !*cli->ops[0])
		return vn_cli_fail(e, "empty PATH operand");
	if (cli->nops > 2)
		return vn_cli_fail(e, "too many operands");
	if (!c->unix_path && cli->nops < 2 &&
	    !(scripted && cli->nops == 0 && c->mode != VN_MODE_SCAN))
		return vn_cli_fail(e, cli->nops ? "missing PORT operand" :
		                   "missing HOST and PORT operands");
	if (cli->nops == 2 && !*cli->ops[0])
		return vn_cli_fail(e, "empty HOST operand");
	if (c->tls.on && cli->nops == 0)
		return vn_cli_fail(e, "--tls needs HOST PORT (a script connects with "
		                   "net.connect_tls)");
	c->host = cli->nops > 0 ? cli->ops[0] : NULL;
	if (c->mode == VN_MODE_SCAN)
		return port_range(cli->ops[1], c, e);
	if (cli->nops == 2 && (c->port = vn_cli_port(cli->ops[1], e)) < 0)
		return -1;
	return 0;
}

int
vn_connect_args(struct vn_cli *cli, struct connect_conf *c, int argc, char **argv,
                struct vn_cli_err *e)
{
	memset(cli, 0, sizeof *cli);
	memset(c, 0, sizeof *c);
	cli->prog = "vlcnet-connect";
	cli->usage = usage;
	cli->summary = "Connect to HOST:PORT and relay standard input to it and its data to\n"
		"standard output; at end of input the sending side is shut down.";
	cli->opts = opts;
	c->family = AF_UNSPEC;
	c->timeout_ms = c->quit_ms = c->port = -1;
	if (vn_cli_parse(cli, argc, argv, option, c, e) < 0)
		return -1;
	c->mode = vn_mode_of(cli);
	if (vn_mode_check(cli, VN_TOOL_CONNECT, e) < 0 || operands(cli, c, e) < 0 ||
	    vn_tls_cli_check(&c->tls, 0, e) < 0 || vn_exec_check(&c->exec, cli, e) < 0)
		return -1;
	c->exec.timeout_ms = c->timeout_ms;
	return 0;
}
