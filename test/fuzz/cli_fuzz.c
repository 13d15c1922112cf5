/* test/fuzz/cli_fuzz.c: vn_cli_parse (cmd/cli.c) with the option tables and
 * callbacks of vlcnet-connect and vlcnet-listen (their mains are included
 * here, renamed) on argument vectors decoded from the input: the first byte
 * picks the tool, the rest is split at NUL bytes into arguments.
 *
 * vn_cli_parse exits on --help, --version and usage errors. cmd/cli.c is not
 * changed for the fuzzer: the link wraps exit() (-Wl,--wrap=exit) and
 * __wrap_exit longjmps back here while a parse runs. Two consequences of
 * parsing more than once per process, which the binaries never do:
 *  - the option arrays vn_cli_parse frees only when it returns would leak on
 *    the exit paths: malloc and calloc are wrapped too, and what a parse
 *    allocated is freed here after a longjmp (leak detection stays off,
 *    -detect_leaks=0, as the tracking is not the program's own);
 *  - the list of -e chunks belongs to cmd/cli.c, which frees the previous
 *    one at each parse and the last at exit: the harness never frees it. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/cli.h"   /* before the renames below touch its names */

#define conf connect_conf
#define usage connect_usage
#define opts connect_opts
#define option connect_option
#define main connect_main
#include "../../cmd/connect.c"
#undef conf
#undef usage
#undef opts
#undef option
#undef main

#define conf listen_conf
#define usage listen_usage
#define opts listen_opts
#define option listen_option
#define main listen_main
#include "../../cmd/listen.c"
#undef conf
#undef usage
#undef opts
#undef option
#undef main

enum { MAX_ARGS = 64 };

static jmp_buf back;
static volatile int parsing;
static volatile int exit_status;

static void *allocs[16];          /* what the running parse allocated */
static int nallocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);

void *
__wrap_malloc(size_t n)
{
	void *p = __real_malloc(n);

	if (parsing && p && nallocs < 16)
		allocs[nallocs++] = p;
	return p;
}

void *
__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);

	if (parsing && p && nallocs < 16)
		allocs[nallocs++] = p;
	return p;
}

void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));

void
__wrap_exit(int status)
{
	if (parsing) {
		parsing = 0;
		exit_status = status;
		longjmp(back, 1);
	}
	fflush(NULL);
	_exit(status);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *args[256];
	static char quiet[] = "-close_fd_mask=3", noleaks[] = "-detect_leaks=0";
	int i, n = *argc < 250 ? *argc : 250;

	/* --help and the messages go to /dev/null; libFuzzer keeps its own
	 * copy of stderr for its reports. */
	for (i = 0; i < n; i++)
		args[i] = (*argv)[i];
	args[n++] = quiet;
	args[n++] = noleaks;
	args[n] = NULL;
	*argc = n;
	*argv = args;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const progs[] = { "vlcnet-connect", "vlcnet-listen" };
	char *buf, *argv[MAX_ARGS + 2];
	int argc = 1, tool;
	size_t i, start;
	struct connect_conf cc = { -1, -1, 0, AF_UNSPEC };
	struct listen_conf lc;
	static struct vn_cli cli;    /* static: read after longjmp */

	if (size == 0)
		return 0;
	tool = data[0] & 1;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[0] = (char *)progs[tool];
	for (start = 0, i = 0; i < size && argc <= MAX_ARGS; i++)
		if (buf[i] == '\0') {
			argv[argc++] = buf + start;
			start = i + 1;
		}
	argv[argc] = NULL;

	memset(&cli, 0, sizeof cli);
	memset(&lc, 0, sizeof lc);
	cli.prog = progs[tool];
	cli.usage = tool ? listen_usage : connect_usage;
	cli.summary = "fuzz";
	cli.opts = tool ? listen_opts : connect_opts;
	optind = 0;    /* glibc: start getopt over */
	exit_status = -1;
	nallocs = 0;
	if (!setjmp(back)) {
		parsing = 1;
		if (tool)
			vn_cli_parse(&cli, argc, argv, listen_option, &lc);
		else
			vn_cli_parse(&cli, argc, argv, connect_option, &cc);
		parsing = 0;
		/* What the mains rely on after a parse. */
		if (cli.nops < 0 || cli.ops < argv || cli.ops + cli.nops > argv + argc ||
		    cli.script.nexec < 0 || cli.script.nexec >= argc ||
		    cli.script.argc < 0 || cli.script.argc >= argc)
			abort();
		for (i = 0; i < (size_t)cli.nops; i++)
			if (!cli.ops[i])
				abort();
	} else {
		if (exit_status != 0 && exit_status != 2 && exit_status != 1)
			abort();
		for (i = 0; i < (size_t)nallocs; i++)
			if (allocs[i] != (void *)cli.script.exec)
				free(allocs[i]);
	}
	free(buf);
	return 0;
}
