/* cmd/cli.c: option parsing, --help, --version and messages for all four tools. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	{ .name = "script", .key = 's', .arg = "FILE", .help = "run the Lua script FILE" },
	{ .name = "eval", .key = 'e', .arg = "CODE",
	  .help = "run the Lua chunk CODE first (repeatable)" },
	{ .name = "verbose", .key = 'v',
	  .help = "say more on stderr; tracebacks for script errors" },
	{ .name = "help", .key = 'h', .help = "print this help and exit" },
	{ .name = "version", .key = 'V', .help = "print the version and exit" },
	{ .name = NULL }
};

int
vn_cli_fail(struct vn_cli_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->status = 2;
	e->hint = 1;
	return -1;
}

int
vn_cli_report(const struct vn_cli_err *e)
{
	if (e->msg[0])
		fprintf(stderr, "%s: %s\n", vn_prog(), e->msg);
	if (e->hint)
		fprintf(stderr, "Try '%s --help' for more information.\n", vn_prog());
	return e->status;
}

int
vn_cli_port(const char *s, struct vn_cli_err *e)
{
	int p = vn_port_parse(s);

	if (p < 0)
		return vn_cli_fail(e, "invalid port '%s'", s);
	return p;
}

int
vn_cli_secs(const char *arg, int zero_ok, struct vn_cli_err *e)
{
	int ms = vn_secs_parse(arg);

	if (ms < 0 || (ms == 0 && !zero_ok))
		return vn_cli_fail(e, "invalid %s '%s'", zero_ok ? "time" : "timeout", arg);
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

		if (o->key < VN_OPT_LONG)
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

/* Whether the file at path is a regular file we may execute. */
static int
is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Whether NAME (LEN bytes) names a program: a path when it has a slash, else
 * a file in a directory of PATH (an empty entry is the current directory), as
 * execvp(3) looks. */
static int
names_program(const char *name, size_t len)
{
	const char *dir = getenv("PATH"), *end;
	char file[4096];
	int dlen;

	if (len == 0 || len >= sizeof file / 2)
		return 0;
	if (memchr(name, '/', len)) {
		snprintf(file, sizeof file, "%.*s", (int)len, name);
		return is_program(file);
	}
	for (dir = dir ? dir : "/usr/local/bin:/usr/bin:/bin"; ; dir = end + 1) {
		end = strchrnul(dir, ':');
		dlen = (int)(end - dir);
		if (dlen < (int)(sizeof file / 2)) {
			snprintf(file, sizeof file, "%.*s/%.*s", dlen ? dlen : 1,
			         dlen ? dir : ".", (int)len, name);
			if (is_program(file))
				return 1;
		}
		if (!*end)
			return 0;
	}
}

/* nc's -e runs a program, ours Lua: an -e CODE that does not compile but
 * whose first word names a program is a usage error that points to --exec.
 * Not when the word goes on as Lua does ("time = os.time(" is Lua with a
 * mistake, not the program time). */
static int
check_eval_program(const char *code, struct vn_cli_err *e)
{
	size_t lead = strspn(code, " \t"), len = strcspn(code + lead, " \t");
	const char *next = code + lead + len + strspn(code + lead + len, " \t");

	if (*next && strchr("=([{.:", *next))
		return 0;
	if (!names_program(code + lead, len) || vn_rt_compiles(code))
		return 0;
	return vn_cli_fail(e, "-e runs Lua code; to run the program %.*s use --exec %s%s%s",
	                   (int)len, code + lead, *next ? "\"" : "", code, *next ? "\"" : "");
}

/* The getopt_long tables of the tool's options and the common ones. */
static void
make_tables(const struct vn_option *tool, struct option **lop, char **sop)
{
	int nt = count(tool), nc = count(common), n = 0, i;
	struct option *lo = calloc(nt + nc + 1, sizeof *lo);
	char *so = malloc(3 * (nt + nc) + 2), *p = so;

	if (!lo || !so)
		vn_nomem();
	*p++ = ':';
	for (i = 0; i < nt + nc; i++) {
		const struct vn_option *o = i < nt ? &tool[i] : &common[i - nt];

		lo[n].name = o->name;
		lo[n].has_arg = o->arg ? required_argument : no_argument;
		lo[n++].val = o->key;
		if (o->key < VN_OPT_LONG) {
			*p++ = (char)o->key;
			if (o->arg)
				*p++ = ':';
		}
	}
	*p = '\0';
	*lop = lo;
	*sop = so;
}

/* One option the getopt_long loop returned: 0, or -1 with *e set. */
static int
take(struct vn_cli *c, int key, char **argv, vn_optfn fn, void *ctx, int paths,
     struct vn_cli_err *e)
{
	switch (key) {
	case 's':
		if (c->script.path)
			return vn_cli_fail(e, "only one --script may be given");
		c->script.path = optarg;
		return 0;
	case 'e':
	case VN_OPT_EVAL_OLD:
		c->script.exec[c->script.nexec++] = optarg;
		return 0;
	case 'v':
		c->script.verbose++;
		return 0;
	case 'h':
		help(c, paths);
		e->status = 0;
		return -1;
	case 'V':
		printf("%s %s (%s)\n", c->prog, VN_VERSION, vn_rt_lua_version());
		e->status = 0;
		return -1;
	case ':':
		if (optopt && optopt < VN_OPT_LONG)
			return vn_cli_fail(e, "option -%c needs an argument", optopt);
		return vn_cli_fail(e, "option %s needs an argument", argv[optind - 1]);
	case '?':
		if (optopt && optopt < VN_OPT_LONG)
			return vn_cli_fail(e, "unknown option -%c", optopt);
		return vn_cli_fail(e, "unknown option %s", argv[optind - 1]);
	}
	if (key < 0 || key >= VN_OPT_END || !find(c->opts, key))
		return vn_cli_fail(e, "unknown option %s", argv[optind - 1]);
	c->given[key] = 1;
	return fn(key, optarg, ctx, e);
}

/* vn_cli_parse, or vn_cli_parse_paths when paths. */
static int
parse(struct vn_cli *c, int argc, char **argv, vn_optfn fn, void *ctx, int paths,
      struct vn_cli_err *e)
{
	struct option *lo;
	char *so;
	int end, key, i, r = 0;

	memset(e, 0, sizeof *e);
	vn_proc_name(c->prog);
	c->script.prog = c->prog;
	if (!exec_chunks)
		atexit(free_exec);
	free(exec_chunks);
	c->script.exec = exec_chunks = calloc(argc, sizeof *c->script.exec);
	if (!c->script.exec)
		vn_nomem();
	make_tables(c->opts, &lo, &so);
	end = find_dashdash(argc, argv, c->opts);
	opterr = 0;
	while (r == 0 && (key = getopt_long(end, argv, so, lo, NULL)) != -1)
		r = take(c, key, argv, fn, ctx, paths, e);
	free(lo);
	free(so);
	if (r < 0)
		return -1;
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
	} else {
		if (end < argc) {
			c->script.argv = argv + end + 1;
			c->script.argc = argc - end - 1;
		}
		/* the network tools, where --exec runs a program */
		for (i = 0; i < c->script.nexec; i++)
			if (check_eval_program(c->script.exec[i], e) < 0)
				return -1;
	}
	return 0;
}

int
vn_cli_parse(struct vn_cli *c, int argc, char **argv, vn_optfn fn, void *ctx,
             struct vn_cli_err *e)
{
	return parse(c, argc, argv, fn, ctx, 0, e);
}

int
vn_cli_parse_paths(struct vn_cli *c, int argc, char **argv, vn_optfn fn, void *ctx,
                   struct vn_cli_err *e)
{
	return parse(c, argc, argv, fn, ctx, 1, e);
}

const char *
vn_cli_name(const struct vn_cli *c, int key, char *buf, size_t size)
{
	const struct vn_option *o = find(c->opts, key);

	snprintf(buf, size, "--%s", o ? o->name : "?");
	return buf;
}
