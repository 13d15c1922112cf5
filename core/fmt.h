/* core/fmt.h: what the file tools print about a file besides numbers: owner
 * and group names (each id looked up once) and local times. */
#ifndef VN_FMT_H
#define VN_FMT_H

#include <sys/types.h>
#include <time.h>

#include "fs.h"
#include "out.h"

/* A cache of user and group names, owned by its caller. */
struct vn_ids;

struct vn_ids *vn_ids_new(void);
void vn_ids_free(struct vn_ids *c);
/* The name of the user or group, or NULL when the system has none. NULL c
 * means no cache (and no name). */
const char *vn_ids_user(struct vn_ids *c, uid_t uid);
const char *vn_ids_group(struct vn_ids *c, gid_t gid);

/* The last local minute formatted, so that files written together cost one
 * localtime call. Zero it before use. */
struct vn_minute {
	time_t start;       /* the first second of the minute in buf */
	char buf[32];
	int len;            /* 0: nothing cached */
};

/* "YYYY-MM-DD HH:MM" (ls --time-style=long-iso) of t in local time. Returns
 * the text, valid until the next call with the same m. */
const char *vn_fmt_minute(struct vn_minute *m, time_t t, int *len);
/* "YYYY-MM-DD HH:MM:SS.NNNNNNNNN +ZZZZ" (as stat prints) into buf (at least
 * 40 bytes); returns its length. */
int vn_fmt_time_ns(time_t t, long ns, char *buf, size_t size);

/* The fields of net.stat (vn_stat_names, in order) as JSON members, without
 * braces: "type":"file","mode":33188,"uid":0,…,"creation_time":N */
void vn_fmt_json_stat(struct vn_out *o, const struct vn_stat *st);

#endif
