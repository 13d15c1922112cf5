/* cmd/connect_cli.c: vlcnet-connect's options, operands and their checks. */
#include <stdlib.h>
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
	{ .name = "numeric", .key = 'n',
	  .help = "HOST is a numeric address: never ask a resolver" },
	{ .name = "source", .key = VN_OPT_SOURCE, .arg = "ADDR",
	  .help = "connect from the local address ADDR" },
	{ .name = "source-port", .key = 'p', .arg = "PORT",
	  .help = "connect from the local port PORT" },
	{ .name = "proxy", .key = VN_OPT_PROXY, .arg = "HOST:PORT",
	  .help = "connect through the proxy at HOST:PORT ([V6]:PORT)" },
	{ .name = "proxy-type", .key = VN_OPT_PROXY_TYPE, .arg = "TYPE",
	  .help = "socks4, socks4a, socks5 or http (CONNECT, the default)" },
	{ .name = "proxy-auth", .key = VN_OPT_PROXY_AUTH, .arg = "USER:PASS",
	  .help = "log in to the proxy (socks4/4a: USER, the user ID)" },
	{ .name = "proxy-dns", .key = VN_OPT_PROXY_DNS, .arg = "WHERE",
	  .help = "local or remote: who resolves HOST (default: remote, socks4: local)" },
	VN_TLS_CONNECT_OPTIONS,
	VN_STREAM_OPTIONS,
	VN_STREAM_INTERVAL,
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
	int r;

	if (vn_tls_cli_option(&c->tls, key, arg))
		return 0;
	if ((r = vn_stream_cli_option(&c->stream, key, arg, e)) != 0)
		return r < 0 ? -1 : 0;
	switch (key) {
	case 'w': return (c->timeout_ms = vn_cli_secs(arg, 0, e)) < 0 ? -1 : 0;
	case 'q': return (c->quit_ms = vn_cli_secs(arg, 1, e)) < 0 ? -1 : 0;
	case 'z': break;   /* the mode */
	case '4': c->family = AF_INET; break;
	case '6': c->family = AF_INET6; break;
	case 'u': c->udp = 1; break;
	case 'U': c->unix_path = 1; break;
	case 'n': c->numeric = 1; break;
	case VN_OPT_SOURCE: c->src.host = arg; break;
	case 'p':
		if ((c->src.port = vn_port_parse(arg)) <= 0)
			return vn_cli_fail(e, "invalid source port '%s'", arg);
		break;
	case VN_OPT_PROXY: c->proxy_addr = arg; break;
	case VN_OPT_PROXY_TYPE:
		if ((c->proxy_type = vn_proxy_type_parse(arg)) < 0)
			return vn_cli_fail(e, "invalid proxy type '%s' (socks4, socks4a, "
			                   "socks5 or http)", arg);
		break;
	case VN_OPT_PROXY_AUTH: c->proxy_auth = arg; break;
	case VN_OPT_PROXY_DNS:
		if (strcmp(arg, "local") && strcmp(arg, "remote"))
			return vn_cli_fail(e, "invalid --proxy-dns '%s' (local or remote)", arg);
		c->proxy_dns = arg;
		break;
	case VN_OPT_LUA_EXEC: case 'c': case VN_OPT_EXEC:
		return vn_exec_option(&c->exec, key, arg, e);
	}
	return 0;
}

/* --proxy-auth USER:PASS (socks4/4a: USER) into c->proxy. */
static int
proxy_login(struct connect_conf *c, struct vn_cli_err *e)
{
	struct vn_proxy *p = &c->proxy;
	const char *colon = strchr(c->proxy_auth, ':');

	if (!colon && p->type != VN_PROXY_SOCKS4 && p->type != VN_PROXY_SOCKS4A)
		return vn_cli_fail(e, "--proxy-auth takes USER:PASS");
	if (!(c->proxy_user = strdup(c->proxy_auth))) {
		vn_cli_fail(e, "not enough memory");
		e->status = 1;
		return -1;
	}
	p->user = c->proxy_user;
	if (colon) {
		c->proxy_user[colon - c->proxy_auth] = '\0';
		p->pass = c->proxy_user + (colon - c->proxy_auth) + 1;
	}
	return 0;
}

/* Check the proxy options against each other and make c->proxy of them
 * (which modes and transports --proxy goes with is cmd/mode.c's). */
static int
proxy_conf(const struct vn_cli *cli, struct connect_conf *c, struct vn_cli_err *e)
{
	struct vn_proxy *p = &c->proxy;
	char why[VN_PROXY_ERRLEN];
	struct vn_proxy_err pe;

	if (!c->proxy_addr) {
		if (c->proxy_type >= 0 || c->proxy_auth || c->proxy_dns)
			return vn_cli_fail(e, "%s needs --proxy", c->proxy_type >= 0 ?
			                   "--proxy-type" : c->proxy_auth ? "--proxy-auth" :
			                   "--proxy-dns");
		return 0;
	}
	if (cli->nops == 0)
		return vn_cli_fail(e, "--proxy needs HOST PORT (a script connects with "
		                   "net.connect_tcp's proxy option)");
	p->type = c->proxy_type < 0 ? VN_PROXY_HTTP : (enum vn_proxy_type)c->proxy_type;
	if (vn_proxy_parse_addr(c->proxy_addr, c->proxy_host, sizeof c->proxy_host,
	                        &p->host, &p->port, p->type) < 0)
		return vn_cli_fail(e, "invalid proxy address '%s' (HOST:PORT or [V6]:PORT)",
		                   c->proxy_addr);
	p->dns = !c->proxy_dns ? VN_PROXY_DNS_DEFAULT :
	         !strcmp(c->proxy_dns, "local") ? VN_PROXY_DNS_LOCAL : VN_PROXY_DNS_REMOTE;
	if (p->type == VN_PROXY_SOCKS4 && p->dns == VN_PROXY_DNS_REMOTE)
		return vn_cli_fail(e, "socks4 cannot pass a name to the proxy: use socks4a");
	if (c->proxy_auth && proxy_login(c, e) < 0)
		return -1;
	if ((pe.code = vn_proxy_check(p)) != VN_PROXY_OK) {
		pe.type = p->type;
		return vn_cli_fail(e, "--proxy-auth: %s", vn_proxy_err_str(&pe, why));
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
	c->timeout_ms = c->quit_ms = c->port = c->proxy_type = -1;
	if (vn_cli_parse(cli, argc, argv, option, c, e) < 0)
		return -1;
	c->mode = vn_mode_of(cli);
	if (vn_mode_check(cli, VN_TOOL_CONNECT, e) < 0 || operands(cli, c, e) < 0 ||
	    vn_tls_cli_check(&c->tls, 0, e) < 0 || vn_exec_check(&c->exec, cli, e) < 0 ||
	    proxy_conf(cli, c, e) < 0 ||
	    vn_stream_cli_check(&c->stream, c->udp, c->mode == VN_MODE_SCAN, c->exec.kind ?
	                        vn_exec_name(&c->exec) : NULL, c->mode == VN_MODE_SCRIPT, e) < 0)
		return -1;
	c->exec.timeout_ms = c->timeout_ms;
	return 0;
}

void
vn_connect_conf_free(struct connect_conf *c)
{
	free(c->proxy_user);
	c->proxy_user = NULL;
}
