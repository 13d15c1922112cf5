/* cmd/cli.h: what the four mains share: options, messages, script runs. */
#ifndef VN_CLI_H
#define VN_CLI_H

#include "../core/proc.h"
#include "../lua/runtime.h"

/* The key of every option of the four tools, in one enumeration: a short
 * option's key is its letter; a long option without one takes a name here.
 * Adding a long option is one name here, one row in the tool's table and one
 * case in its option function. */
enum vn_opt_key {
	VN_OPT_LONG = 256,     /* above every letter */
	VN_OPT_EVAL_OLD = VN_OPT_LONG,   /* stat, ls: --exec CODE, old name of --eval */
	VN_OPT_WHERE,          /* stat, ls */
	VN_OPT_PRINT,
	VN_OPT_FORK,           /* listen */
	VN_OPT_PORT_FILE,
	VN_OPT_ALLOW,
	VN_OPT_DENY,
	VN_OPT_ALLOWFILE,
	VN_OPT_DENYFILE,
	VN_OPT_LUA_EXEC,       /* listen, connect: the exec options ('c' too) */
	VN_OPT_EXEC,
	VN_OPT_TLS,            /* listen, connect: cmd/tls_opts.h */
	VN_OPT_TLS_CA,
	VN_OPT_TLS_SERVERNAME,
	VN_OPT_TLS_INSECURE,
	VN_OPT_TLS_CERT,
	VN_OPT_TLS_KEY,
	VN_OPT_TLS_VERIFY_CLIENT,
	VN_OPT_TLS_ALPN,
	VN_OPT_SOURCE,         /* connect */
	VN_OPT_PROXY,
	VN_OPT_PROXY_TYPE,
	VN_OPT_PROXY_AUTH,
	VN_OPT_PROXY_DNS,
	VN_OPT_SEND_ONLY,      /* listen, connect: cmd/stream_opts.h */
	VN_OPT_RECV_ONLY,
	VN_OPT_APPEND_OUTPUT,
	VN_OPT_BROKER,         /* listen */
	VN_OPT_CHAT,
	VN_OPT_END             /* one past the last key */
};

/* One option of a tool: its long name, its key, the name of its argument in
 * --help (NULL: it takes none) and its description. */
struct vn_option {
	const char *name;
	int key;
	const char *arg;
	const char *help;
};

/* Why parsing or checking the command line stopped: the mains report it with
 * vn_cli_report, once, and exit with status. */
struct vn_cli_err {
	int status;            /* 2 a usage error, 1 a runtime failure, 0 --help */
	int hint;              /* add "Try 'PROG --help'" */
	char msg[512];         /* "" for nothing to say */
};

struct vn_cli {
	const char *prog;
	const char *const *usage;      /* synopsis lines after "Usage: PROG " */
	const char *summary;           /* one paragraph under the synopsis */
	const struct vn_option *opts;  /* the tool's own options, {NULL} ended */
	struct vn_script script;       /* -s, -e, -v and the script's arguments */
	char **ops;                    /* operands */
	int nops;
	unsigned char given[VN_OPT_END];   /* the keys of the options given */
};

/* Called for each option of the tool's own table; returns 0, or -1 after
 * vn_cli_fail. */
typedef int (*vn_optfn)(int key, const char *arg, void *ctx, struct vn_cli_err *e);

/* Parse argv: the common options (-s -e -v -h -V) are handled here, the tool's
 * own go to fn. Returns 0, or -1 with *e saying why the tool ends now: after
 * --help or --version (status 0, printed), or a usage error (status 2). The
 * words after "--" are the script's arguments (listen, connect). */
int vn_cli_parse(struct vn_cli *c, int argc, char **argv, vn_optfn fn, void *ctx,
                 struct vn_cli_err *e);
/* vn_cli_parse for the tools that take paths (stat, ls): "--" only ends the
 * options, as in POSIX tools, so the words after it are operands too; the
 * script's arguments are the operands. */
int vn_cli_parse_paths(struct vn_cli *c, int argc, char **argv, vn_optfn fn,
                       void *ctx, struct vn_cli_err *e);
/* Whether -s or -e was given. */
int vn_cli_scripted(const struct vn_cli *c);
/* "--NAME" of the option key in the tool's table or the common one. */
const char *vn_cli_name(const struct vn_cli *c, int key, char *buf, size_t size);

/* A usage error: *e says the message (and a hint) with status 2. Returns -1. */
int vn_cli_fail(struct vn_cli_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print e's message (PROG: MESSAGE, and the hint); returns its status. */
int vn_cli_report(const struct vn_cli_err *e);
/* -w and -q: SECS in milliseconds (0 only when zero_ok), or -1 with the usage
 * error "invalid timeout" (-w) or "invalid time" (-q). */
int vn_cli_secs(const char *arg, int zero_ok, struct vn_cli_err *e);
/* A port operand, or -1 with the usage error "invalid port". */
int vn_cli_port(const char *s, struct vn_cli_err *e);
/* Finish: flush stdout and report its first write error (status 1), die of a
 * pending SIGINT/SIGTERM, else return status. */
int vn_cli_exit(int status);

#endif
