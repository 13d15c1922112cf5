/* cmd/listen_cli.c: vlcnet-listen's options, operands and their checks. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listen.h"

static const char *const usage[] = {
	"[OPTIONS] [-u] [HOST] PORT",
	"[OPTIONS] [-l] -p PORT [HOST]",
	"[OPTIONS] -U [-u] PATH",
	"[OPTIONS] --script FILE [HOST] PORT [-- ARG...]",
	"[OPTIONS] --fork --script FILE [HOST] PORT [-- ARG...]",
	"[OPTIONS] --script FILE -U PATH [-- ARG...]",
	"[OPTIONS] [-k] --lua-exec FILE [HOST] PORT [-- ARG...]",
	"[OPTIONS] [-k] -c CMD | --exec \"PROG ARGS\" [HOST] PORT",
	"[OPTIONS] --broker | --chat [HOST] PORT",
	NULL
};

static const struct vn_option opts[] = {
	{ .name = "listen", .key = 'l',
	  .help = "accepted and ignored, as in nc -l: this tool always listens" },
	{ .name = "port", .key = 'p', .arg = "PORT",
	  .help = "listen on PORT (nc -l -p); an operand left is HOST" },
	{ .name = "keep-open", .key = 'k',
	  .help = "accept another connection after each one ends" },
	{ .name = "timeout", .key = 'w', .arg = "SECS",
	  .help = "end a connection after SECS without data" },
	{ .name = "quit-after", .key = 'q', .arg = "SECS",
	  .help = "once one side has ended, quit SECS later (0: at once)" },
	{ .name = "ipv4", .key = '4', .help = "IPv4 addresses only" },
	{ .name = "ipv6", .key = '6', .help = "IPv6 addresses only" },
	{ .name = "numeric", .key = 'n',
	  .help = "HOST is a numeric address: never ask a resolver" },
	{ .name = "fork", .key = VN_OPT_FORK,
	  .help = "run the script in a child per connection (fd, peer)" },
	{ .name = "max-conns", .key = 'm', .arg = "N",
	  .help = "at most N children at once (--fork: 100; -k with an exec option: 1),"
	          " or clients (--broker: 100)" },
	{ .name = "port-file", .key = VN_OPT_PORT_FILE, .arg = "FILE",
	  .help = "write the bound port (-U: PATH) to FILE once listening" },
	{ .name = "udp", .key = 'u',
	  .help = "UDP (with -U: datagram sockets): answer the last sender" },
	{ .name = "unix", .key = 'U', .help = "listen on the Unix socket PATH (@name: abstract)" },
	VN_TLS_LISTEN_OPTIONS,
	VN_STREAM_OPTIONS,
	{ .name = "allow", .key = VN_OPT_ALLOW, .arg = "ADDR",
	  .help = "serve only clients in ADDR[/PREFIX] (repeatable)" },
	{ .name = "deny", .key = VN_OPT_DENY, .arg = "ADDR",
	  .help = "never serve clients in ADDR[/PREFIX] (repeatable)" },
	{ .name = "allowfile", .key = VN_OPT_ALLOWFILE, .arg = "FILE",
	  .help = "--allow each ADDR[/PREFIX] listed in FILE, one a line" },
	{ .name = "denyfile", .key = VN_OPT_DENYFILE, .arg = "FILE",
	  .help = "--deny each ADDR[/PREFIX] listed in FILE, one a line" },
	{ .name = "broker", .key = VN_OPT_BROKER,
	  .help = "pass what each client sends to every other client (implies -k)" },
	{ .name = "chat", .key = VN_OPT_CHAT,
	  .help = "--broker with ncat's chat: <userN> prefixes, join/leave notices" },
	{ .name = "lua-exec", .key = VN_OPT_LUA_EXEC, .arg = "FILE",
	  .help = "run the Lua script FILE per connection on its stdin/stdout" },
	{ .name = "sh-exec", .key = 'c', .arg = "CMD",
	  .help = "run /bin/sh -c CMD per connection on its stdin/stdout" },
	{ .name = "exec", .key = VN_OPT_EXEC, .arg = "\"PROG ARGS\"",
	  .help = "run PROG (from PATH, no shell) per connection likewise" },
	{ .name = NULL }
};

/* --allow/--deny ARG: 0, or -1 with what is wrong with it. */
static int
add_rule(struct listen_conf *c, enum vn_acl_rule rule, const char *opt, const char *arg,
         struct vn_cli_err *e)
{
	struct vn_err ae;

	if (vn_acl_add(&c->acl, rule, arg, &ae) < 0)
		return vn_cli_fail(e, "invalid %s '%s': %s", opt, arg, vn_err_str(&ae));
	return 0;
}

/* --allowfile/--denyfile FILE: 0, or -1 with what is wrong with it, in one
 * line, as for a --tls-cert that cannot be read. */
static int
add_rule_file(struct listen_conf *c, enum vn_acl_rule rule, const char *opt,
              const char *path, struct vn_cli_err *e)
{
	unsigned long line;
	struct vn_err ae;

	if (vn_acl_add_file(&c->acl, rule, path, &line, &ae) == 0)
		return 0;
	if (line)
		vn_cli_fail(e, "%s %s:%lu: %s", opt, path, line, vn_err_str(&ae));
	else
		vn_cli_fail(e, "%s '%s': %s", opt, path, vn_err_str(&ae));
	e->hint = 0;   /* a file to mend, not a usage to learn */
	return -1;
}

/* -m N: 0, or -1 with the usage error. */
static int
max_conns(struct listen_conf *c, const char *arg, struct vn_cli_err *e)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (end == arg || *end || n < 1 || n > 1000000)
		return vn_cli_fail(e, "invalid connection count '%s'", arg);
	c->max_conns = (int)n;
	c->max_set = 1;
	return 0;
}

static int
option(int key, const char *arg, void *ctx, struct vn_cli_err *e)
{
	struct listen_conf *c = ctx;
	int r;

	if (vn_tls_cli_option(&c->tls, key, arg))
		return 0;
	if ((r = vn_stream_cli_option(&c->stream, key, arg, e)) != 0)
		return r < 0 ? -1 : 0;
	switch (key) {
	case 'l': break;
	case 'p': c->port_opt = arg; break;
	case 'k': c->keep = 1; break;
	case 'w': return (c->timeout_ms = vn_cli_secs(arg, 0, e)) < 0 ? -1 : 0;
	case 'q': return (c->quit_ms = vn_cli_secs(arg, 1, e)) < 0 ? -1 : 0;
	case '4': c->family = AF_INET; break;
	case '6': c->family = AF_INET6; break;
	case 'n': c->numeric = 1; break;
	case VN_OPT_FORK: case VN_OPT_BROKER: break;   /* the mode */
	case VN_OPT_CHAT: c->chat = 1; break;
	case VN_OPT_PORT_FILE: c->port_file = arg; break;
	case 'u': c->udp = 1; break;
	case 'U': c->unix_path = 1; break;
	case VN_OPT_ALLOW: return add_rule(c, VN_ACL_ALLOW, "--allow", arg, e);
	case VN_OPT_DENY: return add_rule(c, VN_ACL_DENY, "--deny", arg, e);
	case VN_OPT_ALLOWFILE:
		return add_rule_file(c, VN_ACL_ALLOW, "--allowfile", arg, e);
	case VN_OPT_DENYFILE:
		return add_rule_file(c, VN_ACL_DENY, "--denyfile", arg, e);
	case VN_OPT_LUA_EXEC: case 'c': case VN_OPT_EXEC:
		return vn_exec_option(&c->exec, key, arg, e);
	case 'm': return max_conns(c, arg, e);
	}
	return 0;
}

/* The operands: [HOST] PORT, [HOST] with -p PORT, or PATH with -U. */
static int
operands(const struct vn_cli *cli, struct listen_conf *c, struct vn_cli_err *e)
{
	if (c->port_opt && c->unix_path)
		return vn_cli_fail(e, "-p PORT does not apply to --unix");
	/* nc -l -p 4444 HOST: with -p, an operand of digits is a second port. */
	if (c->port_opt && (cli->nops > 1 || (cli->nops == 1 && *cli->ops[0] &&
	    !cli->ops[0][strspn(cli->ops[0], "0123456789")])))
		return vn_cli_fail(e, "-p PORT and a PORT operand both given");
	if (cli->nops < 1 && !c->port_opt)
		return vn_cli_fail(e, c->unix_path ? "missing PATH operand" :
		                   "missing PORT operand");
	if (cli->nops > 2)
		return vn_cli_fail(e, "too many operands");
	if (c->unix_path && cli->nops > 1)
		return vn_cli_fail(e, "--unix takes one PATH operand, not HOST PORT");
	if (c->unix_path && !*cli->ops[0])
		return vn_cli_fail(e, "empty PATH operand");
	c->host = cli->nops == (c->port_opt ? 1 : 2) ? cli->ops[0] : NULL;
	c->port = c->port_opt ? c->port_opt : cli->ops[cli->nops - 1];
	if (c->unix_path)
		c->where = c->port;
	else if ((c->portnum = vn_cli_port(c->port, e)) < 0)
		return -1;
	return 0;
}

int
vn_listen_args(struct vn_cli *cli, struct listen_conf *c, int argc, char **argv,
               struct vn_cli_err *e)
{
	memset(cli, 0, sizeof *cli);
	memset(c, 0, sizeof *c);
	cli->prog = "vlcnet-listen";
	cli->usage = usage;
	cli->summary = "Listen on PORT (on every local address, or those HOST resolves to),\n"
		"accept a connection and relay standard input to it and its data to\n"
		"standard output.";
	cli->opts = opts;
	c->family = AF_UNSPEC;
	c->max_conns = 100;
	c->timeout_ms = c->quit_ms = -1;
	if (vn_cli_parse(cli, argc, argv, option, c, e) < 0 || operands(cli, c, e) < 0 ||
	    vn_mode_check(cli, VN_TOOL_LISTEN, e) < 0 ||
	    vn_exec_check(&c->exec, cli, e) < 0 || vn_tls_cli_check(&c->tls, 1, e) < 0 ||
	    vn_stream_cli_check(&c->stream, c->udp, 0, c->exec.kind ?
	                        vn_exec_name(&c->exec) : NULL, vn_cli_scripted(cli) &&
	                        !c->exec.kind, e) < 0)
		return -1;
	c->mode = vn_mode_of(cli);
	c->exec.timeout_ms = c->timeout_ms;
	return 0;
}

void
vn_listen_conf_free(struct listen_conf *c)
{
	vn_acl_free(&c->acl);
}
