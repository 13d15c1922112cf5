/* cmd/cli.c: option parsing, --help, --version and messages for all four tools. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/net.h"
#include "../core/proc.h"
#include "../core/sig.h"
#include "../core/version.h"
#include "cli.h"

static const char **exec_chunks;   /* -e arguments: live until exit */

static void
free_exec(void)
{
	free(exec_chunks);
}

static const struct vn_option common[] = {
	{ "script", 's', "FILE", "run the Lua script FILE" },
	{ "eval", 'e', "CODE", "run the Lua chunk CODE first (repeatable)" },
	{ "verbose", 'v', NULL, "say more on stderr; tracebacks for script errors" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "version", 'V', NULL, "print the version and exit" },
	{ NULL, 0, NULL, NULL }
};

void
vn_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", vn_prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", vn_prog());
	exit(2);
}

int
vn_cli_port(const char *s)
{
	int p = vn_port_parse(s);

	if (p < 0)
		vn_usage_error("invalid port '%s'", s);
	return p;
}

int
vn_cli_secs(const char *arg, int zero_ok)
{
	int ms = vn_secs_parse(arg);

	if (ms < 0 || (ms == 0 && !zero_ok))
		vn_usage_error("invalid %s '%s'", zero_ok ? "time" : "timeout", arg);
	return ms;
}

int
vn_cli_exit(int status)
{
	fflush(stdout);
	if (vn_stdout_error()) {
		vn_warn("write error: %s", strerror(vn_stdout_error()));
		if (status == 0)
			status = 1;
	}
	vn_sig_reraise();
	/* stdout's reader went away: a quiet end, as nc's */
	return vn_sig_quitting() ? 0 : status;
}

int
vn_cli_scripted(const struct vn_cli *c)
{
	return c->script.path || c->script.nexec > 0;
}

/* One option of --help: its names in the first 24 columns (a longer one on a
 * line of its own), its description from column 27, wrapped at word breaks
 * to keep within 80 columns. */
static void
print_help_line(const char *left, const char *help)
{
	enum { COL = 27, WIDTH = 80 };
	int at = printf("  %-24s", left);

	if (at > COL - 1) {
		printf("\n");
		at = 0;
	}

	while (*help) {
		size_t word = strcspn(help, " ");

		if (at >= COL && at + 1 + (int)word > WIDTH) {
			printf("\n");
			at = 0;
		}
		at += printf("%*s%.*s", at < COL ? COL - at : 1, "", (int)word, help);
		help += word;
		help += strspn(help, " ");
	}
	printf("\n");
}

static void
print_opts(const struct vn_option *o)
{
	for (; o->name; o++) {
		char left[64];
		int n;

		if (o->key < 256)
			n = snprintf(left, sizeof left, "-%c, --%s", o->key, o->name);
		else
			n = snprintf(left, sizeof left, "    --%s", o->name);
		if (o->arg)
			snprintf(left + n, sizeof left - n, " %s", o->arg);
		print_help_line(left, o->help);
	}
}

static void
help(const struct vn_cli *c, int paths)
{
	const char *const *u;

	for (u = c->usage; *u; u++)
		printf("%s %s %s\n", u == c->usage ? "Usage:" : "      ", c->prog, *u);
	printf("\n%s\n\nOptions:\n", c->summary);
	print_opts(c->opts);
	print_opts(common);
	if (paths)
		printf("\n-- ends the options: the words after it are operands even if\n"
		       "they begin with '-'. A script sees the operands as arg[1..n].\n");
	else
		printf("\nArguments after -- go to the script as arg[1..n].\n");
	printf("Exit status: 0 success, 1 runtime failure, 2 usage error,\n"
	       "130/143 after SIGINT/SIGTERM. See %s(1).\n", c->prog);
}

static int
count(const struct vn_option *o)
{
	int n = 0;

	while (o[n].name)
		n++;
	return n;
}

static const struct vn_option *
find(const struct vn_option *tool, int key)
{
	const struct vn_option *o;

	for (o = tool; o->name; o++)
		if (o->key == key)
			return o;
	for (o = common; o->name; o++)
		if (o->key == key)
			return o;
	return NULL;
}

/* The option NAME (LEN bytes, maybe an abbreviation, as getopt_long takes). */
static const struct vn_option *
find_long(const struct vn_option *tool, const char *name, size_t len)
{
	const struct vn_option *tables[2] = { tool, common }, *o, *hit = NULL;
	int k;

	for (k = 0; k < 2; k++)
		for (o = tables[k]; o->name; o++)
			if (!strncmp(o->name, name, len)) {
				if (strlen(o->name) == len)
					return o;
				hit = o;
			}
	return hit;
}

/* The index of the "--" that ends the options (or argc), skipping the
 * arguments of options, so that "-e --" is code, not the separator. */
static int
find_dashdash(int argc, char **argv, const struct vn_option *tool)
{
	const struct vn_option *o;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return i;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] == '-') {
			size_t len = strcspn(a + 2, "=");

			o = find_long(tool, a + 2, len);
			if (o && o->arg && !a[2 + len])
				i++;
			continue;
		}
		for (a++; *a; a++) {
			o = find(tool, (unsigned char)*a);
			if (o && o->arg) {
				if (!a[1])
					i++;
				break;
			}
		}
	}
	return argc;
}

/* vn_cli_parse, or vn_cli_parse_paths when paths. */
static void
parse(struct vn_cli *c, int argc, char **argv, vn_optfn fn, void *ctx, int paths)
{
	int nt = count(c->opts), nc = count(common), n = 0, i, end, key;
	struct option *lo = calloc(nt + nc + 1, sizeof *lo);
	char *so = malloc(3 * (nt + nc) + 2), *p = so;

	vn_proc_name(c->prog);
	c->script.prog = c->prog;
	if (!exec_chunks)
		atexit(free_exec);
	free(exec_chunks);
	c->script.exec = exec_chunks = calloc(argc, sizeof *c->script.exec);
	if (!lo || !so || !c->script.exec)
		vn_nomem();
	*p++ = ':';
	for (i = 0; i < nt + nc; i++) {
		const struct vn_option *o = i < nt ? &c->opts[i] : &common[i - nt];

		lo[n].name = o->name;
		lo[n].has_arg = o->arg ? required_argument : no_argument;
		lo[n++].val = o->key;
		if (o->key < 256) {
			*p++ = (char)o->key;
			if (o->arg)
				*p++ = ':';
		}
	}
	*p = '\0';

	end = find_dashdash(argc, argv, c->opts);
	opterr = 0;
	while ((key = getopt_long(end, argv, so, lo, NULL)) != -1) {
		switch (key) {
		case 's':
			if (c->script.path)
				vn_usage_error("only one --script may be given");
			c->script.path = optarg;
			break;
		case 'e':
		case VN_OPT_EVAL_OLD:
			c->script.exec[c->script.nexec++] = optarg;
			break;
		case 'v':
			c->script.verbose++;
			break;
		case 'h':
			help(c, paths);
			exit(0);
		case 'V':
			printf("%s %s (%s)\n", c->prog, VN_VERSION, vn_rt_lua_version());
			exit(0);
		case ':':
			if (optopt && optopt < 256)
				vn_usage_error("option -%c needs an argument", optopt);
			vn_usage_error("option %s needs an argument", argv[optind - 1]);
		case '?':
			if (optopt && optopt < 256)
				vn_usage_error("unknown option -%c", optopt);
			vn_usage_error("unknown option %s", argv[optind - 1]);
		default:
			if (!find(c->opts, key) || fn(key, optarg, ctx) < 0)
				exit(2);
		}
	}
	c->ops = argv + optind;
	c->nops = end - optind;
	if (paths) {
		/* getopt_long moved the operands before "--" next to it: drop
		 * the "--" so that those after it follow them. */
		if (end < argc) {
			memmove(argv + end, argv + end + 1, (size_t)(argc - end) * sizeof *argv);
			c->nops = argc - 1 - optind;
		}
		c->script.argv = c->ops;
		c->script.argc = c->nops;
	} else if (end < argc) {
		c->script.argv = argv + end + 1;
		c->script.argc = argc - end - 1;
	}
	free(lo);
	free(so);
}

void
vn_cli_parse(struct vn_cli *c, int argc, char **argv, vn_optfn fn, void *ctx)
{
	parse(c, argc, argv, fn, ctx, 0);
}

void
vn_cli_parse_paths(struct vn_cli *c, int argc, char **argv, vn_optfn fn, void *ctx)
{
	parse(c, argc, argv, fn, ctx, 1);
}
