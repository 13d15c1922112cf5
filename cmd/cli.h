/* cmd/cli.h: what the four mains share: options, messages, script runs. */
#ifndef VN_CLI_H
#define VN_CLI_H

#include "../core/proc.h"
#include "../lua/runtime.h"

/* One option of a tool. key is the short letter, or a value >= 256 for a long
 * option without one. arg names the argument in --help, NULL for none. */
struct vn_option {
	const char *name;
	int key;
	const char *arg;
	const char *help;
};

struct vn_cli {
	const char *prog;
	const char *const *usage;      /* synopsis lines after "Usage: PROG " */
	const char *summary;           /* one paragraph under the synopsis */
	const struct vn_option *opts;  /* the tool's own options, {NULL} ended */
	struct vn_script script;       /* -s, -e, -v and the script's arguments */
	char **ops;                    /* operands */
	int nops;
};

/* The key of --exec CODE, the old name of -e, --eval CODE, which vlcnet-stat
 * and vlcnet-ls still take (in vlcnet-listen and vlcnet-connect --exec runs a
 * program). */
enum { VN_OPT_EVAL_OLD = 0x2ff };

/* Called for each option of the tool's own table; returns 0, or -1 after
 * vn_usage_error. */
typedef int (*vn_optfn)(int key, const char *arg, void *ctx);

/* Parse argv: the common options (-s -e -v -h -V) are handled here, the tool's
 * own go to fn. Exits 0 after --help/--version and 2 on a usage error. The
 * words after "--" are the script's arguments (listen, connect). */
void vn_cli_parse(struct vn_cli *c, int argc, char **argv, vn_optfn fn, void *ctx);
/* vn_cli_parse for the tools that take paths (stat, ls): "--" only ends the
 * options, as in POSIX tools, so the words after it are operands too; the
 * script's arguments are the operands. */
void vn_cli_parse_paths(struct vn_cli *c, int argc, char **argv, vn_optfn fn,
                        void *ctx);
/* Whether -s or -e was given. */
int vn_cli_scripted(const struct vn_cli *c);

/* A usage error: the message and a hint, then exit 2. */
void vn_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
/* -w and -q: SECS in milliseconds (0 only when zero_ok), or exit 2 with
 * "invalid timeout" (-w) or "invalid time" (-q). */
int vn_cli_secs(const char *arg, int zero_ok);
/* Parse a port operand or exit 2 with "invalid port". */
int vn_cli_port(const char *s);
/* Finish: flush stdout and report its first write error (status 1), die of a
 * pending SIGINT/SIGTERM, else return status. */
int vn_cli_exit(int status);

#endif
