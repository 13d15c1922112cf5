/* cmd/mode.c: the mode of vlcnet-listen and vlcnet-connect, and the one table
 * of the options that do not go with a mode or a transport. */
#include <stdio.h>
#include <string.h>

#include "mode.h"

/* What a row tests, besides its option: the mode and the transport. The
 * order is the order of the names in messages when several hold. */
enum {
	IN_UNIX = 1 << 0,     /* -U */
	IN_SCAN = 1 << 1,     /* -z */
	IN_FORK = 1 << 2,     /* --fork */
	IN_UDP = 1 << 3,      /* -u */
	IN_EXEC = 1 << 4,     /* an exec option */
	IN_EVAL = 1 << 5,     /* -s or -e, with --fork or not */
	IN_SCRIPT = 1 << 6,   /* the script mode: -s or -e alone */
	IN_BROKER = 1 << 7,   /* listen --broker or --chat */
	IN_LAST = IN_BROKER
};

/* One rule: when one of the options is given and the situation has a bit of
 * `with` (or lacks one of `needs`), the usage error msg, where $opt is the
 * option's name and $with the name of the situation's first bit. */
struct rule {
	int opts[4];          /* keys; 0 ends */
	unsigned with, needs;
	unsigned tools;       /* 0: both tools */
	const char *msg;
};

#define EXEC_KEYS { VN_OPT_LUA_EXEC, 'c', VN_OPT_EXEC }
#define ACL_KEYS { VN_OPT_ALLOW, VN_OPT_DENY, VN_OPT_ALLOWFILE, VN_OPT_DENYFILE }
#define ACL_MSG "--allow and --deny need TCP connections the tool accepts: not with "

static const struct rule rules[] = {
	{ .opts = { 'z' }, .with = IN_UDP | IN_UNIX, .msg = "--scan works over TCP only" },
	{ .opts = { '4', '6' }, .with = IN_UNIX,
	  .msg = "--ipv4 and --ipv6 do not apply to --unix" },
	{ .opts = { 'z' }, .with = IN_EVAL, .msg = "--scan takes no script" },
	{ .opts = EXEC_KEYS, .with = IN_SCAN | IN_FORK | IN_UDP,
	  .msg = "$opt does not go with $with" },
	{ .opts = { VN_OPT_BROKER, VN_OPT_CHAT }, .with = IN_FORK | IN_UDP | IN_EXEC | IN_EVAL,
	  .msg = "$opt does not go with $with" },
	{ .opts = { VN_OPT_FORK }, .needs = IN_EVAL, .msg = "--fork needs --script or --eval" },
	{ .opts = { VN_OPT_FORK }, .with = IN_UDP,
	  .msg = "--fork needs connections: not with --udp" },
	{ .opts = ACL_KEYS, .with = IN_UNIX | IN_UDP, .msg = ACL_MSG "$with" },
	{ .opts = ACL_KEYS, .with = IN_SCRIPT,
	  .msg = ACL_MSG "--script alone (add --fork)" },
	{ .opts = { 'q' }, .with = IN_EXEC | IN_EVAL | IN_BROKER,
	  .msg = "--quit-after applies to the relay, not to $with" },
	{ .opts = { 'w' }, .with = IN_SCRIPT, .tools = VN_TOOL_LISTEN,
	  .msg = "--timeout applies to the relay, --fork and the exec options, not to a script" },
	{ .opts = { VN_OPT_TLS }, .with = IN_UDP,
	  .msg = "--tls works over TCP and Unix stream sockets: not with --udp" },
	{ .opts = { VN_OPT_TLS }, .with = IN_SCAN, .msg = "--scan sends nothing: not with --tls" },
	{ .opts = { VN_OPT_PROXY }, .with = IN_UDP | IN_UNIX | IN_SCAN, .tools = VN_TOOL_CONNECT,
	  .msg = "--proxy does not go with $with" },
	{ .opts = { VN_OPT_SOURCE, 'p' }, .with = IN_UNIX, .tools = VN_TOOL_CONNECT,
	  .msg = "--source and --source-port do not apply to --unix" },
};

/* The exec option given, or 0. */
static int
exec_key(const struct vn_cli *cli)
{
	static const int keys[] = EXEC_KEYS;
	size_t i;

	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		if (cli->given[keys[i]])
			return keys[i];
	return 0;
}

enum vn_mode
vn_mode_of(const struct vn_cli *cli)
{
	if (exec_key(cli))
		return VN_MODE_EXEC;
	if (cli->given[VN_OPT_FORK])
		return VN_MODE_FORK;
	if (cli->given[VN_OPT_BROKER] || cli->given[VN_OPT_CHAT])
		return VN_MODE_BROKER;
	if (cli->given['z'])
		return VN_MODE_SCAN;
	if (vn_cli_scripted(cli))
		return VN_MODE_SCRIPT;
	return cli->given['u'] ? VN_MODE_DGRAM : VN_MODE_RELAY;
}

static unsigned
situation(const struct vn_cli *cli)
{
	enum vn_mode m = vn_mode_of(cli);

	return (cli->given['U'] ? IN_UNIX : 0) | (cli->given['u'] ? IN_UDP : 0) |
	       (cli->given['z'] ? IN_SCAN : 0) | (cli->given[VN_OPT_FORK] ? IN_FORK : 0) |
	       (m == VN_MODE_EXEC ? IN_EXEC : 0) | (vn_cli_scripted(cli) ? IN_EVAL : 0) |
	       (m == VN_MODE_SCRIPT ? IN_SCRIPT : 0) | (m == VN_MODE_BROKER ? IN_BROKER : 0);
}

/* The name of situation bit b in messages. */
static const char *
with_name(const struct vn_cli *cli, unsigned b, char *buf, size_t size)
{
	switch (b) {
	case IN_UNIX: return "--unix";
	case IN_SCAN: return "--scan";
	case IN_FORK: return "--fork";
	case IN_UDP: return "--udp";
	case IN_EXEC: return vn_cli_name(cli, exec_key(cli), buf, size);
	case IN_BROKER: return cli->given[VN_OPT_CHAT] ? "--chat" : "--broker";
	default: return "a script";
	}
}

/* Row r's message, $opt and $with replaced, as the usage error. */
static int
fail(const struct vn_cli *cli, const struct rule *r, int key, unsigned hit,
     struct vn_cli_err *e)
{
	char obuf[64], wbuf[64], msg[sizeof e->msg];
	const char *p = r->msg, *opt, *with;
	size_t n = 0;
	unsigned b = 1;

	while (b < IN_LAST && !(hit & b))
		b <<= 1;
	opt = vn_cli_name(cli, key, obuf, sizeof obuf);
	with = with_name(cli, b, wbuf, sizeof wbuf);
	while (*p && n + 1 < sizeof msg) {
		const char *word = !strncmp(p, "$opt", 4) ? opt :
		                   !strncmp(p, "$with", 5) ? with : NULL;

		if (!word) {
			msg[n++] = *p++;
			continue;
		}
		n += (size_t)snprintf(msg + n, sizeof msg - n, "%s", word);
		if (n >= sizeof msg)
			n = sizeof msg - 1;
		p += word == opt ? 4 : 5;
	}
	msg[n] = '\0';
	return vn_cli_fail(e, "%s", msg);
}

int
vn_mode_check(const struct vn_cli *cli, enum vn_tool tool, struct vn_cli_err *e)
{
	unsigned in = situation(cli);
	size_t i, k;

	for (i = 0; i < sizeof rules / sizeof *rules; i++) {
		const struct rule *r = &rules[i];

		if (r->tools && !(r->tools & tool))
			continue;
		for (k = 0; k < sizeof r->opts / sizeof *r->opts && r->opts[k]; k++) {
			if (!cli->given[r->opts[k]])
				continue;
			if (in & r->with)
				return fail(cli, r, r->opts[k], in & r->with, e);
			if (r->needs && !(in & r->needs))
				return fail(cli, r, r->opts[k], 0, e);
		}
	}
	return 0;
}
