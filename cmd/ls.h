/* cmd/ls.h: what the files of vlcnet-ls share. ls.c reads the options and
 * sorts the operands, ls_walk.c reads directories (and -R), ls_print.c
 * prints entries (names, -l, -j, the hooks' lines). */
#ifndef VN_LS_H
#define VN_LS_H

#include <stddef.h>
#include <sys/types.h>

#include "../core/fmt.h"
#include "../core/fs.h"
#include "files.h"

struct conf {
	int all, unsorted, reverse, lng, recurse, null, json, deref;
};

/* Column widths of a -l listing. */
struct widths {
	int nlink, owner, group, size, major, minor;
	unsigned long long blocks;
};

/* Entries to print, in order: names relative to the directory dirfd, paths
 * prefix + name (AT_FDCWD and "" for file operands). st is NULL unless every
 * entry is stat'ed; an entry whose mode is 0 failed and is left out. */
struct batch {
	int dirfd;
	const char *prefix;
	size_t plen;
	const struct vn_dent *e;
	const struct vn_stat *st;
	size_t n;
};

/* The state of one run. */
struct lister {
	const struct conf *c;
	struct vn_files f;       /* output and hooks */
	int need_stat;           /* -l, -j or hooks: every entry is stat'ed */
	int status;
	int stop;                /* a hook failed or quit, or output failed */
	struct {                 /* -l */
		struct vn_ids *ids;
		struct vn_minute minute;
	} lng;
	struct {                 /* where the output is */
		int headers;     /* "DIR:" before each directory */
		int printed;     /* a blank line goes before the next header */
	} page;
	struct {                 /* DIR/name of the entry at hand */
		char *s;
		size_t cap;
	} path;
	struct {                 /* -L -R: the directories being listed */
		struct { dev_t dev; ino_t ino; } *dir;
		int n, cap;
	} above;
};

/* ls.c */
/* A failed path: the message, and exit status 1. */
void ls_warn(struct lister *l, const char *what, const char *path, int err);
/* l->path becomes PREFIX then NAME; returns it. */
const char *ls_path(struct lister *l, const char *prefix, size_t plen,
                    const char *name, size_t len);
/* Sort as the options say: by name, reversed with -r, not at all with -U. */
void ls_order(const struct conf *c, struct vn_dent *e, size_t n);

/* ls_walk.c */
/* List the directory PATH, then (-R) its subdirectories. */
void ls_dir(struct lister *l, const char *path);

/* ls_print.c */
/* The -l widths of n entries (mode 0: left out). */
void ls_measure(struct lister *l, const struct vn_stat *st, size_t n, struct widths *w);
/* The "DIR:" header of a listing, after a blank line if anything came before. */
void ls_header(struct lister *l, const char *path, size_t plen);
/* Print b's entries; with -l, in columns w (NULL: measured on b, with a total
 * line). */
void ls_print(struct lister *l, const struct batch *b, const struct widths *w);

#endif
