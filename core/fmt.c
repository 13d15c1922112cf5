/* core/fmt.c: owner names and local times for the file tools. */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

/* A name is looked up once per (kind, id), whether or not one exists. */
struct idname {
	struct idname *next;
	unsigned id;
	int group;
	char *name;       /* NULL: the system has no name for it */
};

enum { NBUCKETS = 64 };

struct vn_ids {
	struct idname *bucket[NBUCKETS];
};

struct vn_ids *
vn_ids_new(void)
{
	return calloc(1, sizeof(struct vn_ids));
}

void
vn_ids_free(struct vn_ids *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < NBUCKETS; i++) {
		struct idname *e = c->bucket[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e->name);
			free(e);
		}
	}
	free(c);
}

static const char *
lookup(struct vn_ids *c, unsigned id, int group)
{
	struct idname **b, *e;
	const char *name = NULL;

	if (!c)
		return NULL;
	b = &c->bucket[(id ^ (unsigned)group * 31u) % NBUCKETS];
	for (e = *b; e; e = e->next)
		if (e->id == id && e->group == group)
			return e->name;
	if (group) {
		struct group *g = getgrgid((gid_t)id);

		if (g)
			name = g->gr_name;
	} else {
		struct passwd *p = getpwuid((uid_t)id);

		if (p)
			name = p->pw_name;
	}
	e = malloc(sizeof *e);
	if (!e)
		return NULL;
	e->id = id;
	e->group = group;
	e->name = name ? strdup(name) : NULL;
	e->next = *b;
	*b = e;
	return e->name;
}

const char *vn_ids_user(struct vn_ids *c, uid_t uid) { return lookup(c, uid, 0); }
const char *vn_ids_group(struct vn_ids *c, gid_t gid) { return lookup(c, gid, 1); }

const char *
vn_fmt_minute(struct vn_minute *m, time_t t, int *len)
{
	struct tm tm;

	if (m->len == 0 || t < m->start || t >= m->start + 60) {
		if (localtime_r(&t, &tm)) {
			m->len = (int)strftime(m->buf, sizeof m->buf, "%Y-%m-%d %H:%M", &tm);
			m->start = t - tm.tm_sec;
		} else {
			m->len = snprintf(m->buf, sizeof m->buf, "%lld", (long long)t);
			m->start = t;
		}
	}
	*len = m->len;
	return m->buf;
}

int
vn_fmt_time_ns(time_t t, long ns, char *buf, size_t size)
{
	struct tm tm;
	size_t n;

	if (!localtime_r(&t, &tm))
		return snprintf(buf, size, "%lld.%09ld", (long long)t, ns);
	n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, size - n, ".%09ld", ns);
	n += strftime(buf + n, size - n, " %z", &tm);
	return (int)n;
}

void
vn_fmt_json_stat(struct vn_out *o, const struct vn_stat *st)
{
	int f;

	for (f = 0; f < VN_STAT_NFIELDS; f++) {
		if (f)
			vn_out_putc(o, ',');
		vn_out_putc(o, '"');
		vn_out_str(o, vn_stat_names[f]);
		vn_out_put(o, "\":", 2);
		if (f == VN_STAT_TYPE) {
			/* VLC's type words need no escaping. */
			vn_out_putc(o, '"');
			vn_out_str(o, vn_fs_type(st->mode));
			vn_out_putc(o, '"');
		} else {
			vn_out_i64(o, vn_stat_number(st, f));
		}
	}
}
