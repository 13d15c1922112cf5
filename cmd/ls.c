/* vlcnet-ls: list directories as LC_ALL=C ls does (names, -l, -R), or as
 * NUL-ended names or JSON, optionally chosen or rewritten by Lua hooks. This
 * file reads the options and sorts the operands; ls_walk.c reads the
 * directories and ls_print.c prints the entries. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "../core/sig.h"
#include "cli.h"
#include "ls.h"

static const char *const usage[] = {
	"[OPTIONS] [DIR...]",
	"[OPTIONS] --script FILE [DIR...]",
	NULL
};

static const struct vn_option opts[] = {
	{ .name = "all", .key = 'a',
	  .help = "also list names starting with '.' (never . and ..)" },
	{ .name = "unsorted", .key = 'U', .help = "keep directory order (fastest)" },
	{ .name = "reverse", .key = 'r',
	  .help = "reverse the sort order (no effect with -U)" },
	{ .name = "long", .key = 'l',
	  .help = "type, permissions, links, owner, group, size, time" },
	{ .name = "recursive", .key = 'R',
	  .help = "list subdirectories too, each under a DIR: header" },
	{ .name = "null", .key = '0',
	  .help = "end each entry with NUL instead of a newline" },
	{ .name = "json", .key = 'j',
	  .help = "one JSON object per entry (name, path, net.stat fields)" },
	{ .name = "dereference", .key = 'L',
	  .help = "follow symbolic links for -l, -j, the hooks and -R" },
	{ .name = "where", .key = VN_OPT_WHERE, .arg = "EXPR",
	  .help = "list only the entries for which the Lua EXPR is true" },
	{ .name = "print", .key = VN_OPT_PRINT, .arg = "EXPR",
	  .help = "print the Lua EXPR's value instead of the default" },
	{ .name = "exec", .key = VN_OPT_EVAL_OLD, .arg = "CODE",
	  .help = "old name of --eval" },
	{ .name = NULL }
};

/* What the options set: the switches, and --where/--print for the hooks. */
struct opts {
	struct conf *c;
	struct vn_files *f;
};

static int
option(int key, const char *arg, void *ctx, struct vn_cli_err *e)
{
	struct opts *o = ctx;
	struct conf *c = o->c;

	switch (key) {
	case 'a': c->all = 1; break;
	case 'U': c->unsorted = 1; break;
	case 'r': c->reverse = 1; break;
	case 'l': c->lng = 1; break;
	case 'R': c->recurse = 1; break;
	case '0': c->null = 1; break;
	case 'j': c->json = 1; break;
	case 'L': c->deref = 1; break;
	case VN_OPT_WHERE: o->f->where = arg; break;
	case VN_OPT_PRINT: o->f->print = arg; break;
	}
	(void)e;
	return 0;
}

void
ls_warn(struct lister *l, const char *what, const char *path, int err)
{
	vn_files_warn(&l->f, what, path, err);
	l->status = 1;
}

const char *
ls_path(struct lister *l, const char *prefix, size_t plen, const char *name, size_t len)
{
	if (plen + len + 1 > l->path.cap) {
		l->path.cap = (plen + len + 1) * 2;
		l->path.s = realloc(l->path.s, l->path.cap);
		if (!l->path.s)
			vn_nomem();
	}
	memcpy(l->path.s, prefix, plen);
	memcpy(l->path.s + plen, name, len + 1);
	return l->path.s;
}

void
ls_order(const struct conf *c, struct vn_dent *e, size_t n)
{
	size_t i;

	/* As in ls, -r reverses a sort: with -U there is none. */
	if (c->unsorted)
		return;
	vn_fs_sort(e, n);
	if (c->reverse)
		for (i = 0; i < n / 2; i++) {
			struct vn_dent t = e[i];

			e[i] = e[n - 1 - i];
			e[n - 1 - i] = t;
		}
}

/* The operands, sorted into files and directories. */
struct operands {
	struct vn_dent *files, *dirs;
	struct vn_stat *fst;     /* the files' stat data, by files[i].idx */
	struct vn_stat *all;     /* every operand's, for the -l widths */
	size_t nfiles, ndirs, nall;
};

/* Put the operand PATH with the files or the directories. A symbolic link
 * names a directory unless -l/-j without -L. */
static void
classify(struct lister *l, struct operands *o, char *path)
{
	const struct conf *c = l->c;
	struct vn_dent e = { 0, path, (uint32_t)strlen(path), DT_UNKNOWN, 0 };
	struct vn_stat *st = &o->fst[o->nfiles], sb;

	vn_fs_dent_key(&e);
	if (vn_fs_stat(AT_FDCWD, path, 0, st) < 0) {
		ls_warn(l, "cannot access", path, errno);
		return;
	}
	if (S_ISLNK(st->mode) && (c->deref || !(c->lng || c->json)) &&
	    vn_fs_stat(AT_FDCWD, path, 1, &sb) == 0) {
		if (S_ISDIR(sb.mode)) {
			o->all[o->nall++] = sb;
			o->dirs[o->ndirs++] = e;
			return;
		}
		if (c->deref)
			*st = sb;
	}
	o->all[o->nall++] = *st;
	if (S_ISDIR(st->mode)) {
		o->dirs[o->ndirs++] = e;
	} else {
		e.idx = (uint32_t)o->nfiles;
		o->files[o->nfiles++] = e;
	}
}

/* The files (listed first, as one group, their -l columns as wide as all
 * operands need, as in ls), then each directory. */
static void
list_operands(struct lister *l, char **ops, int nops)
{
	const struct conf *c = l->c;
	struct operands o = { 0 };
	struct widths w = { 0 };
	size_t i;
	int k;

	o.files = calloc(nops, sizeof *o.files);
	o.dirs = calloc(nops, sizeof *o.dirs);
	o.fst = calloc(nops, sizeof *o.fst);
	o.all = calloc(nops, sizeof *o.all);
	if (!o.files || !o.dirs || !o.fst || !o.all)
		vn_nomem();
	for (k = 0; k < nops; k++)
		classify(l, &o, ops[k]);
	ls_order(c, o.files, o.nfiles);
	ls_order(c, o.dirs, o.ndirs);
	if (o.nfiles) {
		/* The stat data in the files' sorted order. */
		struct vn_stat *st = malloc(o.nfiles * sizeof *st);
		struct batch b = { AT_FDCWD, "", 0, o.files, NULL, o.nfiles };

		if (!st)
			vn_nomem();
		for (i = 0; i < o.nfiles; i++)
			st[i] = o.fst[o.files[i].idx];
		if (c->lng)
			ls_measure(l, o.all, o.nall, &w);
		b.st = l->need_stat ? st : NULL;
		ls_print(l, &b, &w);
		free(st);
	}
	for (i = 0; i < o.ndirs && !l->stop; i++)
		ls_dir(l, o.dirs[i].name);
	free(o.files);
	free(o.dirs);
	free(o.fst);
	free(o.all);
}

int
main(int argc, char **argv)
{
	static char dot[] = ".";
	static char *here[] = { dot };
	struct conf c = { 0 };
	struct lister l = { 0 };
	struct opts o = { &c, &l.f };
	struct vn_cli cli = { .prog = "vlcnet-ls", .usage = usage, .summary =
		"List the names in each DIR (default: the working directory), sorted\n"
		"byte by byte as LC_ALL=C ls does; a file operand is listed as itself.",
		.opts = opts };
	struct vn_cli_err e;
	int status;

	vn_proc_std_init();
	vn_sig_init(vn_rt_interrupt);
	if (vn_cli_parse_paths(&cli, argc, argv, option, &o, &e) < 0 ||
	    (c.lng && c.json &&
	     vn_cli_fail(&e, "--long and --json cannot be used together") < 0))
		return vn_cli_exit(vn_cli_report(&e));
	l.c = &c;
	if (vn_files_open(&l.f, &cli, 1 << 17, &status) < 0)
		return vn_cli_exit(status);
	/* A script that sets no hook and names no directory runs on its own. */
	if (!cli.nops && l.f.rt && !l.f.hooks)
		return vn_cli_exit(vn_files_close(&l.f, 0));
	l.need_stat = c.lng || c.json || l.f.hooks;
	if (c.lng && !(l.lng.ids = vn_ids_new()))
		vn_nomem();
	l.page.headers = cli.nops > 1 || c.recurse;
	if (cli.nops)
		list_operands(&l, cli.ops, cli.nops);
	else
		list_operands(&l, here, 1);
	status = vn_files_close(&l.f, l.status);
	vn_ids_free(l.lng.ids);
	free(l.path.s);
	free(l.above.dir);
	return vn_cli_exit(status);
}
