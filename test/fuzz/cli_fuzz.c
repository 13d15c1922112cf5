/* test/fuzz/cli_fuzz.c: the command-line readers of vlcnet-connect and
 * vlcnet-listen (cmd/connect_cli.c, cmd/listen_cli.c: vn_cli_parse, the
 * operands and the table of modes of cmd/mode.c) on argument vectors decoded
 * from the input: the first byte picks the tool, the rest is split at NUL
 * bytes into arguments. The readers return an error instead of exiting, so
 * the fuzzer links them as the mains do; --help and the messages go to
 * /dev/null (-close_fd_mask=3). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/connect.h"
#include "../../cmd/listen.h"

enum { MAX_ARGS = 64 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *args[256];
	static char quiet[] = "-close_fd_mask=3";
	int i, n = *argc < 250 ? *argc : 250;

	for (i = 0; i < n; i++)
		args[i] = (*argv)[i];
	args[n++] = quiet;
	args[n] = NULL;
	*argc = n;
	*argv = args;
	return 0;
}

/* What the mains rely on after a reading that succeeded. */
static void
check_read(const struct vn_cli *cli, char **argv, int argc)
{
	int i;

	if (cli->nops < 0 || cli->ops < argv || cli->ops + cli->nops > argv + argc ||
	    cli->script.nexec < 0 || cli->script.nexec >= argc ||
	    cli->script.argc < 0 || cli->script.argc >= argc)
		abort();
	for (i = 0; i < cli->nops; i++)
		if (!cli->ops[i])
			abort();
}

/* What the mains rely on after a reading that failed: a status to exit with
 * and, for a usage error, a message. */
static void
check_error(const struct vn_cli_err *e)
{
	if (e->status != 0 && e->status != 2)
		abort();
	if (e->status == 2 && (!e->msg[0] || !memchr(e->msg, '\0', sizeof e->msg)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAX_ARGS + 2];
	int argc = 1, r;
	size_t i, start;
	struct vn_cli cli;
	struct vn_cli_err e;

	if (size == 0)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[0] = data[0] & 1 ? "vlcnet-listen" : "vlcnet-connect";
	for (start = 0, i = 0; i < size && argc <= MAX_ARGS; i++)
		if (buf[i] == '\0') {
			argv[argc++] = buf + start;
			start = i + 1;
		}
	argv[argc] = NULL;
	optind = 0;    /* glibc: start getopt over */
	if (data[0] & 1) {
		struct listen_conf lc;

		r = vn_listen_args(&cli, &lc, argc, argv, &e);
		vn_listen_conf_free(&lc);
	} else {
		struct connect_conf cc;

		r = vn_connect_args(&cli, &cc, argc, argv, &e);
		vn_connect_conf_free(&cc);
	}
	if (r == 0)
		check_read(&cli, argv, argc);
	else
		check_error(&e);
	free(buf);
	return 0;
}
