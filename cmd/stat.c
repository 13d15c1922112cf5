/* vlcnet-stat: print the net.stat fields of each path: a readable block, a
 * -c format, or JSON, optionally chosen or rewritten by Lua hooks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../core/fmt.h"
#include "../core/fs.h"
#include "../core/out.h"
#include "../core/sig.h"
#include "cli.h"
#include "files.h"

struct conf {
	const char *format;   /* -c */
	int json;             /* -j */
	int deref;            /* -L */
};

/* What printing one path needs. */
struct ctx {
	struct conf c;
	struct vn_files f;    /* the output, --where, --print and the hooks */
	struct vn_ids *ids;
};

static const char *const usage[] = {
	"[OPTIONS] PATH...",
	"[OPTIONS] -c FORMAT PATH...",
	"[OPTIONS] --script FILE [PATH...]",
	NULL
};

static const struct vn_option opts[] = {
	{ .name = "format", .key = 'c', .arg = "FMT",
	  .help = "print FMT for each path (%n, %s, %Y..., see the man page)" },
	{ .name = "json", .key = 'j',
	  .help = "one JSON object per path (path and the net.stat fields)" },
	{ .name = "dereference", .key = 'L', .help = "follow symbolic links" },
	{ .name = "where", .key = VN_OPT_WHERE, .arg = "EXPR",
	  .help = "print only the paths for which the Lua EXPR is true" },
	{ .name = "print", .key = VN_OPT_PRINT, .arg = "EXPR",
	  .help = "print the Lua EXPR's value instead of the default" },
	{ .name = "exec", .key = VN_OPT_EVAL_OLD, .arg = "CODE",
	  .help = "old name of --eval" },
	{ .name = NULL }
};

static int
option(int key, const char *arg, void *ctx, struct vn_cli_err *e)
{
	struct ctx *x = ctx;

	switch (key) {
	case 'c': x->c.format = arg; break;
	case 'j': x->c.json = 1; break;
	case 'L': x->c.deref = 1; break;
	case VN_OPT_WHERE: x->f.where = arg; break;
	case VN_OPT_PRINT: x->f.print = arg; break;
	}
	(void)e;
	return 0;
}

static void
put_name(struct vn_out *o, struct vn_ids *ids, int group, unsigned id)
{
	const char *n = group ? vn_ids_group(ids, id) : vn_ids_user(ids, id);

	vn_out_str(o, n ? n : "UNKNOWN");
}

/* The character a backslash escape of -c stands for; *f moves past it.
 * Unknown escapes stand for themselves, backslash included (returns -1). */
static int
unescape(const char **f, const char *end)
{
	const char *p = *f + 1;
	int v = 0, k;

	if (p == end) {
		*f = p;
		return -1;
	}
	*f = p + 1;
	switch (*p) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'a': return '\a';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'v': return '\v';
	case 'e': return 033;
	case '\\': return '\\';
	case '"': return '"';
	case 'x':
		for (k = 0; k < 2 && p + 1 < end; k++) {
			int c = p[1], d = c >= '0' && c <= '9' ? c - '0' :
			        c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			        c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

			if (d < 0)
				break;
			v = v * 16 + d;
			p++;
		}
		if (k == 0) {
			*f = p;
			return -1;
		}
		*f = p + 1;
		return v;
	}
	if (*p >= '0' && *p <= '7') {
		for (k = 0; k < 3 && p < end && *p >= '0' && *p <= '7'; k++, p++)
			v = v * 8 + (*p - '0');
		*f = p;
		return v & 0xff;
	}
	*f = p;
	return -1;
}

/* -c: FMT with its directives and escapes, then a newline. Unknown directives
 * and a final lone % print as they are. */
static void
put_format(struct ctx *x, const char *path, const struct vn_stat *st)
{
	struct vn_out *o = &x->f.out;
	const char *f = x->c.format, *end = f + strlen(f);

	while (f < end) {
		const char *run = f;
		int ch;

		while (f < end && *f != '%' && *f != '\\')
			f++;
		vn_out_put(o, run, (size_t)(f - run));
		if (f == end)
			break;
		if (*f == '\\') {
			ch = unescape(&f, end);
			vn_out_putc(o, ch < 0 ? '\\' : (char)ch);
			continue;
		}
		if (f + 1 == end) {
			vn_out_putc(o, '%');
			break;
		}
		switch (f[1]) {
		case 'n': vn_out_str(o, path); break;
		case 'F': vn_out_str(o, vn_fs_type(st->mode)); break;
		case 'a': vn_out_oct(o, st->mode & 07777); break;
		case 'f': vn_out_hex(o, st->mode); break;
		case 's': vn_out_i64(o, st->size); break;
		case 'u': vn_out_u64(o, st->uid); break;
		case 'g': vn_out_u64(o, st->gid); break;
		case 'U': put_name(o, x->ids, 0, st->uid); break;
		case 'G': put_name(o, x->ids, 1, st->gid); break;
		case 'X': vn_out_i64(o, st->atime); break;
		case 'Y': vn_out_i64(o, st->mtime); break;
		case 'Z': vn_out_i64(o, st->ctime); break;
		case '%': vn_out_putc(o, '%'); break;
		default: vn_out_put(o, f, 2); break;
		}
		f += 2;
	}
	vn_out_putc(o, '\n');
}

static void
put_json(struct ctx *x, const char *path, const struct vn_stat *st)
{
	struct vn_out *o = &x->f.out;

	vn_out_str(o, "{\"path\":");
	vn_out_json(o, path, strlen(path));
	vn_out_putc(o, ',');
	vn_fmt_json_stat(o, st);
	vn_out_str(o, "}\n");
}

static void
put_time(struct vn_out *o, const char *label, time_t t, long ns)
{
	char buf[64];

	vn_out_str(o, label);
	vn_out_put(o, buf, (size_t)vn_fmt_time_ns(t, ns, buf, sizeof buf));
	vn_out_putc(o, '\n');
}

/* The readable block, laid out as GNU stat's. */
static void
put_block(struct ctx *x, const char *path, const struct vn_stat *st)
{
	struct vn_out *o = &x->f.out;
	const char *user = vn_ids_user(x->ids, st->uid);
	const char *group = vn_ids_group(x->ids, st->gid);
	char mode[11], line[256];

	vn_out_str(o, "  File: ");
	vn_out_str(o, path);
	vn_files_put_target(o, AT_FDCWD, path, st);
	vn_fs_modestr(st->mode, mode);
	snprintf(line, sizeof line,
	         "\n  Size: %-10lld\tBlocks: %-10lld IO Block: %-6ld Type: %s\n"
	         "Device: %u,%u\tInode: %-11llu Links: ",
	         (long long)st->size, (long long)st->blocks, (long)st->blksize,
	         vn_fs_type(st->mode), major(st->dev), minor(st->dev),
	         (unsigned long long)st->ino);
	vn_out_str(o, line);
	/* As GNU stat: the link count is padded only when a column follows. */
	if (S_ISCHR(st->mode) || S_ISBLK(st->mode))
		snprintf(line, sizeof line, "%-5lu Device type: %u,%u",
		         (unsigned long)st->nlink, major(st->rdev), minor(st->rdev));
	else
		snprintf(line, sizeof line, "%lu", (unsigned long)st->nlink);
	vn_out_str(o, line);
	snprintf(line, sizeof line,
	         "\nAccess: (%04o/%s)  Uid: (%5u/%8s)   Gid: (%5u/%8s)\n",
	         (unsigned)(st->mode & 07777), mode, (unsigned)st->uid,
	         user ? user : "UNKNOWN", (unsigned)st->gid, group ? group : "UNKNOWN");
	vn_out_str(o, line);
	put_time(o, "Access: ", st->atime, st->atime_ns);
	put_time(o, "Modify: ", st->mtime, st->mtime_ns);
	put_time(o, "Change: ", st->ctime, st->ctime_ns);
}

static void
put_default(struct ctx *x, const char *path, const struct vn_stat *st)
{
	if (x->c.format)
		put_format(x, path, st);
	else if (x->c.json)
		put_json(x, path, st);
	else
		put_block(x, path, st);
}

/* The last component of PATH, for the hooks' e.name ("/" stays "/"). */
static const char *
base_name(const char *path, char *buf, size_t size)
{
	size_t len = strlen(path), start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (start == len && len)
		start = len - 1;
	if (len - start >= size)
		return path + start;
	memcpy(buf, path + start, len - start);
	buf[len - start] = '\0';
	return buf;
}

/* Stat and print every path. Returns the exit status. */
static int
stat_all(struct ctx *x, char **paths, int n)
{
	int status = 0, i;

	for (i = 0; i < n; i++) {
		struct vn_stat st;
		char name[4096];
		enum vn_each r = VN_EACH_DEFAULT;

		if (vn_fs_stat(AT_FDCWD, paths[i], x->c.deref, &st) < 0) {
			vn_files_warn(&x->f, "cannot stat", paths[i], errno);
			status = 1;
			continue;
		}
		if (x->f.hooks)
			r = vn_files_each(&x->f, base_name(paths[i], name, sizeof name),
			                  paths[i], &st, '\n');
		if (r == VN_EACH_ERROR)
			return 1;
		if (r == VN_EACH_QUIT)
			return status;
		if (r == VN_EACH_DEFAULT)
			put_default(x, paths[i], &st);
		if (x->f.out.err || vn_sig_pending())
			break;
	}
	return status;
}

/* The operands and options against each other: 0, or -1 with the usage
 * error in *e. */
static int
check(const struct vn_cli *cli, const struct ctx *x, struct vn_cli_err *e)
{
	/* A script may run on its own, as with the other tools. */
	if (cli->nops == 0 && (!vn_cli_scripted(cli) || x->f.where || x->f.print))
		return vn_cli_fail(e, "missing operand");
	if (x->c.format && x->c.json)
		return vn_cli_fail(e, "--format and --json cannot be used together");
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctx x = { 0 };
	struct vn_cli cli = { .prog = "vlcnet-stat", .usage = usage, .summary =
		"Print the type, mode, owner, size and times of each PATH: a readable\n"
		"block, the -c FORMAT, or JSON. Symbolic links are reported as links\n"
		"unless -L is given.",
		.opts = opts };
	struct vn_cli_err e;
	int status;

	vn_proc_std_init();
	vn_sig_init(vn_rt_interrupt);
	if (vn_cli_parse_paths(&cli, argc, argv, option, &x, &e) < 0 ||
	    check(&cli, &x, &e) < 0)
		return vn_cli_exit(vn_cli_report(&e));
	if (vn_files_open(&x.f, &cli, 1 << 16, &status) < 0)
		return vn_cli_exit(status);
	x.ids = vn_ids_new();
	if (!x.ids)
		vn_nomem();
	status = stat_all(&x, cli.ops, cli.nops);
	status = vn_files_close(&x.f, status);
	vn_ids_free(x.ids);
	return vn_cli_exit(status);
}
