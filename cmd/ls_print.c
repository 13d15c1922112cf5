/* cmd/ls_print.c: the lines of vlcnet-ls: a name, an ls -l line or a JSON
 * object per entry, or what the hooks choose. */
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../core/out.h"
#include "../core/sig.h"
#include "ls.h"

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

void
ls_measure(struct lister *l, const struct vn_stat *st, size_t n, struct widths *w)
{
	struct vn_ids *ids = l->lng.ids;
	size_t i;

	memset(w, 0, sizeof *w);
	for (i = 0; i < n; i++) {
		if (!st[i].mode) {     /* shown as "?" in each column */
			max_in(&w->nlink, 1);
			max_in(&w->owner, 1);
			max_in(&w->group, 1);
			max_in(&w->size, 1);
			continue;
		}
		max_in(&w->nlink, digits(st[i].nlink));
		max_in(&w->owner, name_width(vn_ids_user(ids, st[i].uid), st[i].uid));
		max_in(&w->group, name_width(vn_ids_group(ids, st[i].gid), st[i].gid));
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

void
ls_header(struct lister *l, const char *path, size_t plen)
{
	struct vn_out *o = &l->f.out;

	if (l->page.printed)
		vn_out_putc(o, '\n');
	vn_out_put(o, path, plen);
	vn_out_put(o, ":\n", 2);
	l->page.printed = 1;
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

/* The size column: the size, or major, minor for a device. */
static void
put_size(struct vn_out *o, const struct vn_stat *st, const struct widths *w)
{
	if (S_ISCHR(st->mode) || S_ISBLK(st->mode)) {
		vn_out_fill(o, ' ', w->size - (w->major + 2 + w->minor));
		vn_out_u64w(o, major(st->rdev), w->major);
		vn_out_put(o, ", ", 2);
		vn_out_u64w(o, minor(st->rdev), w->minor);
	} else {
		vn_out_u64w(o, (unsigned long long)st->size, w->size);
	}
}

/* One ls -l line, without its end. */
static void
put_long(struct lister *l, int dirfd, const struct vn_dent *e,
         const struct vn_stat *st, const struct widths *w)
{
	struct vn_out *o = &l->f.out;
	char mode[11];
	const char *t;
	int tlen;

	if (!st->mode) {
		/* an entry that could not be examined, as ls shows it */
		vn_out_put(o, "-????????? ", 11);
		vn_out_fill(o, ' ', w->nlink - 1);
		vn_out_put(o, "? ?", 3);
		vn_out_fill(o, ' ', w->owner - 1);
		vn_out_put(o, " ?", 2);
		vn_out_fill(o, ' ', w->group + w->size - 1);   /* group, size */
		vn_out_put(o, "?                ? ", 19);      /* and the time's 16 */
		vn_out_put(o, e->name, e->len);
		return;
	}
	vn_fs_modestr(st->mode, mode);
	mode[10] = ' ';
	vn_out_put(o, mode, 11);
	vn_out_u64w(o, st->nlink, w->nlink);
	vn_out_putc(o, ' ');
	put_id(o, vn_ids_user(l->lng.ids, st->uid), st->uid, w->owner);
	vn_out_putc(o, ' ');
	put_id(o, vn_ids_group(l->lng.ids, st->gid), st->gid, w->group);
	vn_out_putc(o, ' ');
	put_size(o, st, w);
	vn_out_putc(o, ' ');
	t = vn_fmt_minute(&l->lng.minute, st->mtime, &tlen);
	vn_out_put(o, t, (size_t)tlen);
	vn_out_putc(o, ' ');
	vn_out_put(o, e->name, e->len);
	vn_files_put_target(o, dirfd, e->name, st);
}

static void
put_json(struct vn_out *o, const struct vn_dent *e, const char *path,
         const struct vn_stat *st)
{
	vn_out_put(o, "{\"name\":", 8);
	vn_out_json(o, e->name, e->len);
	vn_out_put(o, ",\"path\":", 8);
	vn_out_json(o, path, strlen(path));
	vn_out_putc(o, ',');
	vn_fmt_json_stat(o, st);
	vn_out_putc(o, '}');
}

/* Entry i of b: the hooks' verdict, then the default line. */
static void
put_entry(struct lister *l, const struct batch *b, size_t i, const struct widths *w)
{
	const struct conf *c = l->c;
	const struct vn_dent *e = &b->e[i];
	struct vn_out *o = &l->f.out;
	char eol = c->null ? '\0' : '\n';
	const char *path = NULL;

	if (l->f.hooks || c->json)
		path = ls_path(l, b->prefix, b->plen, e->name, e->len);
	if (l->f.hooks) {
		enum vn_each r = vn_files_each(&l->f, e->name, path, &b->st[i], eol);

		if (r == VN_EACH_ERROR)
			l->status = 1;
		if (r == VN_EACH_ERROR || r == VN_EACH_QUIT)
			l->stop = 1;
		if (r != VN_EACH_DEFAULT)
			return;
	}
	if (c->json)
		put_json(o, e, path, &b->st[i]);
	else if (c->lng)
		put_long(l, b->dirfd, e, &b->st[i], w);
	else
		vn_out_put(o, e->name, e->len);
	vn_out_putc(o, eol);
}

void
ls_print(struct lister *l, const struct batch *b, const struct widths *given)
{
	const struct conf *c = l->c;
	struct vn_out *o = &l->f.out;
	struct widths w;
	size_t i;

	if (c->lng && given) {
		w = *given;
	} else if (c->lng) {
		ls_measure(l, b->st, b->n, &w);
		/* With hooks the total would count entries they may drop. */
		if (!l->f.hooks) {
			vn_out_put(o, "total ", 6);
			vn_out_u64(o, (w.blocks + 1) / 2);
			vn_out_putc(o, c->null ? '\0' : '\n');
		}
	}
	for (i = 0; i < b->n && !l->stop; i++) {
		if (o->err || vn_sig_pending()) {
			l->stop = 1;
			break;
		}
		if (!b->st || b->st[i].mode || (c->lng && !c->json && !l->f.hooks))
			put_entry(l, b, i, &w);
	}
	if (b->n)
		l->page.printed = 1;
}
