/* cmd/ls_walk.c: reading the directories vlcnet-ls lists, and -R's descent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/sig.h"
#include "ls.h"

/* Entry stat: the link itself unless -L; with -L a dangling link is still
 * reported, as itself. Failures are warned about and leave mode 0. */
static void
stat_entries(struct lister *l, int dirfd, const char *prefix, size_t plen,
             const struct vn_dent *e, size_t n, struct vn_stat *st)
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
		ls_warn(l, "cannot access", ls_path(l, prefix, plen, e[i].name, e[i].len), errno);
		st[i].mode = 0;
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
	for (i = 0; i < l->above.n; i++)
		if (l->above.dir[i].dev == sb.st_dev && l->above.dir[i].ino == sb.st_ino)
			return 1;
	if (l->above.n == l->above.cap) {
		l->above.cap = l->above.cap ? 2 * l->above.cap : 16;
		l->above.dir = realloc(l->above.dir, l->above.cap * sizeof *l->above.dir);
		if (!l->above.dir)
			vn_nomem();
	}
	l->above.dir[l->above.n].dev = sb.st_dev;
	l->above.dir[l->above.n].ino = sb.st_ino;
	l->above.n++;
	return 0;
}

/* Whether entry e is a directory -R descends into (links only with -L). */
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

/* -R: the paths of the subdirectories among b's entries, in order, in a
 * NULL-ended array the caller frees. */
static char **
subdirs(struct lister *l, const struct batch *b)
{
	char **subs = malloc((b->n + 1) * sizeof *subs);
	size_t i, n = 0;

	if (!subs)
		vn_nomem();
	for (i = 0; i < b->n; i++) {
		const struct vn_dent *e = &b->e[i];

		if (!is_subdir(l, b->dirfd, e, b->st ? &b->st[i] : NULL))
			continue;
		subs[n] = malloc(b->plen + e->len + 1);
		if (!subs[n])
			vn_nomem();
		memcpy(subs[n], b->prefix, b->plen);
		memcpy(subs[n] + b->plen, e->name, e->len + 1);
		n++;
	}
	subs[n] = NULL;
	return subs;
}

/* PATH with a slash at its end (unless it ends with one already), to put
 * names after. */
static char *
dir_prefix(const char *path, size_t *plen)
{
	size_t n = strlen(path);
	char *prefix = malloc(n + 2);

	if (!prefix)
		vn_nomem();
	memcpy(prefix, path, n);
	if (n && path[n - 1] != '/')
		prefix[n++] = '/';
	prefix[n] = '\0';
	*plen = n;
	return prefix;
}

void
ls_dir(struct lister *l, const char *path)
{
	const struct conf *c = l->c;
	struct vn_dir d;
	struct vn_stat *st = NULL;
	struct batch b;
	char *prefix, **subs = NULL, **p;
	int pushed = 0;

	if (vn_sig_pending()) {
		l->stop = 1;
		return;
	}
	if (vn_fs_dir_read(AT_FDCWD, path, c->all, &d) < 0) {
		ls_warn(l, "cannot open directory", path, errno);
		return;
	}
	if (c->recurse && c->deref) {
		if (seen_before(l, d.fd)) {
			vn_out_flush(&l->f.out);
			vn_warn("%s: not listing already-listed directory", path);
			l->status = 1;
			vn_fs_dir_free(&d);
			return;
		}
		pushed = 1;
	}
	if (l->page.headers && !c->json)
		ls_header(l, path, strlen(path));
	prefix = dir_prefix(path, &b.plen);
	ls_order(c, d.ents, d.n);
	if (l->need_stat) {
		st = malloc((d.n ? d.n : 1) * sizeof *st);
		if (!st)
			vn_nomem();
		stat_entries(l, d.fd, prefix, b.plen, d.ents, d.n, st);
	}
	b.dirfd = d.fd;
	b.prefix = prefix;
	b.e = d.ents;
	b.st = st;
	b.n = d.n;
	ls_print(l, &b, NULL);
	if (c->recurse && !l->stop)
		subs = subdirs(l, &b);
	free(st);
	free(prefix);
	vn_fs_dir_free(&d);
	for (p = subs; p && *p; p++) {
		if (!l->stop)
			ls_dir(l, *p);
		free(*p);
	}
	free(subs);
	if (pushed)
		l->above.n--;
}
