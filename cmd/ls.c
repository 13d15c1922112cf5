/* vlcnet-ls: list directories as LC_ALL=C ls does (names, -l, -R), or as
 * NUL-ended names or JSON, optionally chosen or rewritten by Lua hooks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>
#include <unistd.h>

#include "../core/fmt.h"
#include "../core/fs.h"
#include "../core/out.h"
#include "../core/sig.h"
#include "cli.h"

enum { OPT_WHERE = 256, OPT_PRINT };

struct conf {
	int all, unsorted, reverse, lng, recurse, null, json, deref;
	const char *where, *print;
};

/* The state of one run. */
struct lister {
	const struct conf *c;
	struct vn_out out;
	struct vn_ids *ids;
	struct vn_minute minute;
	vn_rt *rt;
	int hooks;            /* each, --where or --print in place */
	int need_stat;        /* -l, -j or hooks: every entry is stat'ed */
	int headers;          /* "DIR:" before each directory */
	int printed;          /* output so far: a blank line goes before a header */
	int status;
	int stop;             /* a hook failed or quit, or output failed */
	char *path;           /* DIR/name of the entry at hand */
	size_t pathcap;
	struct { dev_t dev; ino_t ino; } *seen;   /* -L -R: the directories above */
	int nseen, seencap;
};

/* Column widths of a -l listing. */
struct widths {
	int nlink, owner, group, size, major, minor;
	unsigned long long blocks;
};

static const char *const usage[] = {
	"[OPTIONS] [DIR...]",
	"[OPTIONS] --script FILE [DIR...]",
	NULL
};

static const struct vn_option opts[] = {
	{ "all", 'a', NULL, "also list names starting with '.' (never . and ..)" },
	{ "unsorted", 'U', NULL, "keep directory order (fastest)" },
	{ "reverse", 'r', NULL, "reverse the sort order (no effect with -U)" },
	{ "long", 'l', NULL, "type, permissions, links, owner, group, size, time" },
	{ "recursive", 'R', NULL, "list subdirectories too, each under a DIR: header" },
	{ "null", '0', NULL, "end each entry with NUL instead of a newline" },
	{ "json", 'j', NULL, "one JSON object per entry (name, path, net.stat fields)" },
	{ "dereference", 'L', NULL, "follow symbolic links for -l, -j, the hooks and -R" },
	{ "where", OPT_WHERE, "EXPR", "list only the entries for which the Lua EXPR is true" },
	{ "print", OPT_PRINT, "EXPR", "print the Lua EXPR's value instead of the default" },
	{ NULL, 0, NULL, NULL }
};

static int
option(int key, const char *arg, void *ctx)
{
	struct conf *c = ctx;

	switch (key) {
	case 'a': c->all = 1; break;
	case 'U': c->unsorted = 1; break;
	case 'r': c->reverse = 1; break;
	case 'l': c->lng = 1; break;
	case 'R': c->recurse = 1; break;
	case '0': c->null = 1; break;
	case 'j': c->json = 1; break;
	case 'L': c->deref = 1; break;
	case OPT_WHERE: c->where = arg; break;
	case OPT_PRINT: c->print = arg; break;
	}
	return 0;
}

static void
warn_path(struct lister *l, const char *what, const char *path, int err)
{
	vn_out_flush(&l->out);
	vn_warn("%s '%s': %s", what, path, strerror(err));
	l->status = 1;
}

static void
nomem(void)
{
	vn_warn("not enough memory");
	exit(1);
}

/* l->path becomes PREFIX then NAME; returns it. */
static const char *
make_path(struct lister *l, const char *prefix, size_t plen, const char *name, size_t len)
{
	if (plen + len + 1 > l->pathcap) {
		l->pathcap = (plen + len + 1) * 2;
		l->path = realloc(l->path, l->pathcap);
		if (!l->path)
			nomem();
	}
	memcpy(l->path, prefix, plen);
	memcpy(l->path + plen, name, len + 1);
	return l->path;
}

/* Entry stat: the link itself unless -L; with -L a dangling link is still
 * reported, as itself. Failures are warned about and leave mode 0. */
static void
stat_entries(struct lister *l, int dirfd, const char *prefix, size_t plen,
             struct vn_dent *e, size_t n, struct vn_stat *st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (vn_sig_pending()) {
			st[i].mode = 0;
			continue;
		}
		if (vn_fs_stat(dirfd, e[i].name, l->c->deref, &st[i]) == 0)
			continue;
		if (l->c->deref && vn_fs_stat(dirfd, e[i].name, 0, &st[i]) == 0)
			continue;
		warn_path(l, "cannot access", make_path(l, prefix, plen, e[i].name, e[i].len), errno);
		st[i].mode = 0;
	}
}

static int
digits(unsigned long long v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int
name_width(const char *name, unsigned long long id)
{
	return name ? (int)strlen(name) : digits(id);
}

static void
max_in(int *w, int v)
{
	if (*w < v)
		*w = v;
}

static void
measure(struct lister *l, const struct vn_stat *st, size_t n, struct widths *w)
{
	size_t i;

	memset(w, 0, sizeof *w);
	for (i = 0; i < n; i++) {
		if (!st[i].mode)
			continue;
		max_in(&w->nlink, digits(st[i].nlink));
		max_in(&w->owner, name_width(vn_ids_user(l->ids, st[i].uid), st[i].uid));
		max_in(&w->group, name_width(vn_ids_group(l->ids, st[i].gid), st[i].gid));
		if (S_ISCHR(st[i].mode) || S_ISBLK(st[i].mode)) {
			max_in(&w->major, digits(major(st[i].rdev)));
			max_in(&w->minor, digits(minor(st[i].rdev)));
			max_in(&w->size, w->major + 2 + w->minor);
		} else {
			max_in(&w->size, digits((unsigned long long)st[i].size));
		}
		w->blocks += (unsigned long long)st[i].blocks;
	}
}

static void
put_id(struct vn_out *o, const char *name, unsigned long long id, int width)
{
	int n;

	if (name) {
		n = (int)strlen(name);
		vn_out_put(o, name, (size_t)n);
	} else {
		vn_out_u64(o, id);
		n = digits(id);
	}
	vn_out_fill(o, ' ', width - n);
}

/* One ls -l line, without its end. */
static void
put_long(struct lister *l, int dirfd, const struct vn_dent *e,
         const struct vn_stat *st, const struct widths *w)
{
	struct vn_out *o = &l->out;
	char mode[11], target[4096];
	const char *t;
	ssize_t n;
	int tlen;

	vn_fs_modestr(st->mode, mode);
	mode[10] = ' ';
	vn_out_put(o, mode, 11);
	vn_out_u64w(o, st->nlink, w->nlink);
	vn_out_putc(o, ' ');
	put_id(o, vn_ids_user(l->ids, st->uid), st->uid, w->owner);
	vn_out_putc(o, ' ');
	put_id(o, vn_ids_group(l->ids, st->gid), st->gid, w->group);
	vn_out_putc(o, ' ');
	if (S_ISCHR(st->mode) || S_ISBLK(st->mode)) {
		vn_out_fill(o, ' ', w->size - (w->major + 2 + w->minor));
		vn_out_u64w(o, major(st->rdev), w->major);
		vn_out_put(o, ", ", 2);
		vn_out_u64w(o, minor(st->rdev), w->minor);
	} else {
		vn_out_u64w(o, (unsigned long long)st->size, w->size);
	}
	vn_out_putc(o, ' ');
	t = vn_fmt_minute(&l->minute, st->mtime, &tlen);
	vn_out_put(o, t, (size_t)tlen);
	vn_out_putc(o, ' ');
	vn_out_put(o, e->name, e->len);
	if (S_ISLNK(st->mode) &&
	    (n = readlinkat(dirfd, e->name, target, sizeof target)) >= 0) {
		vn_out_put(o, " -> ", 4);
		vn_out_put(o, target, (size_t)n);
	}
}

static void
put_json(struct lister *l, const struct vn_dent *e, const char *path,
         const struct vn_stat *st)
{
	struct vn_out *o = &l->out;

	vn_out_put(o, "{\"name\":", 8);
	vn_out_json(o, e->name, e->len);
	vn_out_put(o, ",\"path\":", 8);
	vn_out_json(o, path, strlen(path));
	vn_out_putc(o, ',');
	vn_fmt_json_stat(o, st);
	vn_out_putc(o, '}');
}

/* Print entries in their order: the directory DIRFD's with paths PREFIX+name,
 * or the file operands (AT_FDCWD, no prefix, widths given). st is NULL unless
 * need_stat. */
static void
print_entries(struct lister *l, int dirfd, const char *prefix, size_t plen,
              const struct vn_dent *e, size_t n, const struct vn_stat *st,
              const struct widths *given)
{
	const struct conf *c = l->c;
	struct vn_out *o = &l->out;
	char eol = c->null ? '\0' : '\n';
	struct widths w;
	size_t i;

	if (c->lng && given) {
		w = *given;
	} else if (c->lng) {
		measure(l, st, n, &w);
		/* With hooks the total would count entries they may drop. */
		if (!l->hooks) {
			vn_out_put(o, "total ", 6);
			vn_out_u64(o, (w.blocks + 1) / 2);
			vn_out_putc(o, eol);
		}
	}
	for (i = 0; i < n && !l->stop; i++) {
		const char *path = NULL, *line;
		size_t len;

		if (o->err || vn_sig_pending()) {
			l->stop = 1;
			break;
		}
		if (st && !st[i].mode)
			continue;
		if (l->hooks || c->json)
			path = make_path(l, prefix, plen, e[i].name, e[i].len);
		if (l->hooks) {
			enum vn_each r;

			vn_out_flush(o);
			r = vn_rt_each(l->rt, e[i].name, path, &st[i], &line, &len);
			if (r == VN_EACH_ERROR || r == VN_EACH_QUIT) {
				l->stop = 1;
				if (r == VN_EACH_ERROR)
					l->status = 1;
				break;
			}
			if (r == VN_EACH_SKIP)
				continue;
			if (r == VN_EACH_LINE) {
				vn_out_put(o, line, len);
				vn_out_putc(o, eol);
				continue;
			}
		}
		if (c->json)
			put_json(l, &e[i], path, &st[i]);
		else if (c->lng)
			put_long(l, dirfd, &e[i], &st[i], &w);
		else
			vn_out_put(o, e[i].name, e[i].len);
		vn_out_putc(o, eol);
	}
	if (n)
		l->printed = 1;
}

static void
order(const struct conf *c, struct vn_dent *e, size_t n)
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

/* -L -R: whether the directory open as fd is one of those being listed above
 * it; if not, it is pushed. */
static int
seen_before(struct lister *l, int fd)
{
	struct stat sb;
	int i;

	if (fstat(fd, &sb) < 0)
		return 0;
	for (i = 0; i < l->nseen; i++)
		if (l->seen[i].dev == sb.st_dev && l->seen[i].ino == sb.st_ino)
			return 1;
	if (l->nseen == l->seencap) {
		l->seencap = l->seencap ? 2 * l->seencap : 16;
		l->seen = realloc(l->seen, l->seencap * sizeof *l->seen);
		if (!l->seen)
			nomem();
	}
	l->seen[l->nseen].dev = sb.st_dev;
	l->seen[l->nseen].ino = sb.st_ino;
	l->nseen++;
	return 0;
}

/* Whether entry i is a directory -R descends into (links only with -L). */
static int
is_subdir(struct lister *l, int dirfd, const struct vn_dent *e, const struct vn_stat *st)
{
	struct vn_stat sb;

	if (st)
		return S_ISDIR(st->mode);
	if (e->type == DT_DIR)
		return 1;
	if (e->type != DT_UNKNOWN && !(e->type == DT_LNK && l->c->deref))
		return 0;
	return vn_fs_stat(dirfd, e->name, l->c->deref, &sb) == 0 && S_ISDIR(sb.mode);
}

/* List the directory PATH, then (-R) its subdirectories. */
static void
list_dir(struct lister *l, const char *path)
{
	const struct conf *c = l->c;
	struct vn_dir d;
	struct vn_stat *st = NULL;
	char *prefix, **subs = NULL;
	size_t plen = strlen(path), i, nsubs = 0;
	int pushed = 0;

	if (vn_sig_pending()) {
		l->stop = 1;
		return;
	}
	if (vn_fs_dir_read(AT_FDCWD, path, c->all, &d) < 0) {
		warn_path(l, "cannot open directory", path, errno);
		return;
	}
	if (c->recurse && c->deref) {
		if (seen_before(l, d.fd)) {
			vn_out_flush(&l->out);
			vn_warn("%s: not listing already-listed directory", path);
			l->status = 1;
			vn_fs_dir_free(&d);
			return;
		}
		pushed = 1;
	}
	if (l->headers && !c->json) {
		if (l->printed)
			vn_out_putc(&l->out, '\n');
		vn_out_put(&l->out, path, plen);
		vn_out_put(&l->out, ":\n", 2);
		l->printed = 1;
	}
	prefix = malloc(plen + 2);
	if (!prefix)
		nomem();
	memcpy(prefix, path, plen);
	if (plen && path[plen - 1] != '/')
		prefix[plen++] = '/';
	prefix[plen] = '\0';

	order(c, d.ents, d.n);
	if (l->need_stat) {
		st = malloc((d.n ? d.n : 1) * sizeof *st);
		if (!st)
			nomem();
		stat_entries(l, d.fd, prefix, plen, d.ents, d.n, st);
	}
	print_entries(l, d.fd, prefix, plen, d.ents, d.n, st, NULL);

	if (c->recurse && !l->stop) {
		subs = malloc((d.n ? d.n : 1) * sizeof *subs);
		if (!subs)
			nomem();
		for (i = 0; i < d.n; i++)
			if (is_subdir(l, d.fd, &d.ents[i], st ? &st[i] : NULL)) {
				subs[nsubs] = malloc(plen + d.ents[i].len + 1);
				if (!subs[nsubs])
					nomem();
				memcpy(subs[nsubs], prefix, plen);
				memcpy(subs[nsubs] + plen, d.ents[i].name, d.ents[i].len + 1);
				nsubs++;
			}
	}
	free(st);
	free(prefix);
	vn_fs_dir_free(&d);
	for (i = 0; i < nsubs; i++) {
		if (!l->stop)
			list_dir(l, subs[i]);
		free(subs[i]);
	}
	free(subs);
	if (pushed)
		l->nseen--;
}

/* Sort the operands into files (listed first, as one group) and
 * directories. A symbolic link names a directory unless -l/-j without -L.
 * The files' -l columns are as wide as all operands need, as in ls. */
static void
list_operands(struct lister *l, char **ops, int nops)
{
	const struct conf *c = l->c;
	struct vn_dent *files = calloc(nops, sizeof *files), *dirs = calloc(nops, sizeof *dirs);
	struct vn_stat *fst = calloc(nops, sizeof *fst), *all = calloc(nops, sizeof *all), sb;
	size_t nfiles = 0, ndirs = 0, nall = 0, i;
	struct widths w = { 0 };
	int k;

	if (!files || !dirs || !fst || !all)
		nomem();
	for (k = 0; k < nops; k++) {
		struct vn_dent e = { 0, ops[k], (uint32_t)strlen(ops[k]), DT_UNKNOWN, 0 };

		vn_fs_dent_key(&e);
		if (vn_fs_stat(AT_FDCWD, ops[k], 0, &fst[nfiles]) < 0) {
			warn_path(l, "cannot access", ops[k], errno);
			continue;
		}
		if (S_ISLNK(fst[nfiles].mode) && (c->deref || !(c->lng || c->json)) &&
		    vn_fs_stat(AT_FDCWD, ops[k], 1, &sb) == 0) {
			if (S_ISDIR(sb.mode)) {
				all[nall++] = sb;
				dirs[ndirs++] = e;
				continue;
			}
			if (c->deref)
				fst[nfiles] = sb;
		}
		all[nall++] = fst[nfiles];
		if (S_ISDIR(fst[nfiles].mode))
			dirs[ndirs++] = e;
		else
			files[nfiles++] = e;
	}
	/* The stat data follow the files when they are sorted. */
	for (i = 0; i < nfiles; i++)
		files[i].idx = (uint32_t)i;
	order(c, files, nfiles);
	order(c, dirs, ndirs);
	if (nfiles) {
		struct vn_stat *st = malloc(nfiles * sizeof *st);

		if (!st)
			nomem();
		for (i = 0; i < nfiles; i++)
			st[i] = fst[files[i].idx];
		if (c->lng)
			measure(l, all, nall, &w);
		print_entries(l, AT_FDCWD, "", 0, files, nfiles, l->need_stat ? st : NULL, &w);
		free(st);
	}
	free(all);
	for (i = 0; i < ndirs && !l->stop; i++)
		list_dir(l, dirs[i].name);
	free(files);
	free(dirs);
	free(fst);
}

int
main(int argc, char **argv)
{
	static char dot[] = ".";
	static char *here[] = { dot };
	struct conf c = { 0 };
	struct vn_cli cli = { "vlcnet-ls", usage,
		"List the names in each DIR (default: the working directory), sorted\n"
		"byte by byte as LC_ALL=C ls does; a file operand is listed as itself.",
		opts, { 0 }, NULL, 0 };
	struct lister l;
	char **ops;
	int nops;

	vn_cli_parse_paths(&cli, argc, argv, option, &c);
	if (c.lng && c.json)
		vn_usage_error("--long and --json cannot be used together");
	memset(&l, 0, sizeof l);
	l.c = &c;
	if (vn_cli_scripted(&cli) || c.where || c.print) {
		int status;

		l.rt = vn_rt_hooks_open(&cli.script, c.where, c.print, &status);
		if (!l.rt)
			return vn_cli_exit(status);
		l.hooks = vn_rt_hooks_active(l.rt);
	}
	/* A script that sets no hook and names no directory runs on its own. */
	if (!cli.nops && l.rt && !l.hooks) {
		vn_rt_free(l.rt);
		return vn_cli_exit(0);
	}
	l.need_stat = c.lng || c.json || l.hooks;
	l.ids = c.lng ? vn_ids_new() : NULL;
	if (vn_out_init(&l.out, stdout, 1 << 17) < 0 || (c.lng && !l.ids))
		nomem();
	ops = cli.nops ? cli.ops : here;
	nops = cli.nops ? cli.nops : 1;
	l.headers = nops > 1 || c.recurse;
	list_operands(&l, ops, nops);
	if (vn_out_close(&l.out) < 0 && l.out.err != EPIPE) {
		vn_warn("write error: %s", strerror(l.out.err));
		l.status = 1;
	}
	vn_ids_free(l.ids);
	free(l.path);
	free(l.seen);
	vn_rt_free(l.rt);
	return vn_cli_exit(l.status);
}
