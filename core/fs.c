/* core/fs.c: stat and one-pass directory reading. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs.h"

int
vn_fs_stat(int dirfd, const char *path, int follow, struct vn_stat *st)
{
	struct stat sb;

	if (fstatat(dirfd, path, &sb, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	st->mode = sb.st_mode;
	st->uid = sb.st_uid;
	st->gid = sb.st_gid;
	st->size = sb.st_size;
	st->atime = sb.st_atim.tv_sec;
	st->mtime = sb.st_mtim.tv_sec;
	st->ctime = sb.st_ctim.tv_sec;
	st->atime_ns = sb.st_atim.tv_nsec;
	st->mtime_ns = sb.st_mtim.tv_nsec;
	st->ctime_ns = sb.st_ctim.tv_nsec;
	st->nlink = sb.st_nlink;
	st->rdev = sb.st_rdev;
	st->ino = sb.st_ino;
	st->dev = sb.st_dev;
	st->blocks = sb.st_blocks;
	st->blksize = sb.st_blksize;
	return 0;
}

const char *const vn_stat_names[VN_STAT_NFIELDS] = {
	[VN_STAT_TYPE] = "type",
	[VN_STAT_MODE] = "mode",
	[VN_STAT_UID] = "uid",
	[VN_STAT_GID] = "gid",
	[VN_STAT_SIZE] = "size",
	[VN_STAT_ATIME] = "access_time",
	[VN_STAT_MTIME] = "modification_time",
	[VN_STAT_CTIME] = "creation_time",
};

int64_t
vn_stat_number(const struct vn_stat *st, enum vn_stat_field f)
{
	switch (f) {
	case VN_STAT_MODE: return st->mode;
	case VN_STAT_UID: return st->uid;
	case VN_STAT_GID: return st->gid;
	case VN_STAT_SIZE: return st->size;
	case VN_STAT_ATIME: return st->atime;
	case VN_STAT_MTIME: return st->mtime;
	case VN_STAT_CTIME: return st->ctime;
	default: return 0;
	}
}

const char *
vn_fs_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	case S_IFIFO: return "fifo";
	case S_IFLNK: return "symbolic link";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

void
vn_fs_modestr(mode_t mode, char *buf)
{
	static const char types[] = "?pc?d?b?-?l?s???";
	static const char rwx[] = "rwxrwxrwx";
	int i;

	buf[0] = types[(mode & S_IFMT) >> 12];
	for (i = 0; i < 9; i++)
		buf[1 + i] = mode & (0400 >> i) ? rwx[i] : '-';
	if (mode & S_ISUID)
		buf[3] = mode & S_IXUSR ? 's' : 'S';
	if (mode & S_ISGID)
		buf[6] = mode & S_IXGRP ? 's' : 'S';
	if (mode & S_ISVTX)
		buf[9] = mode & S_IXOTH ? 't' : 'T';
	buf[10] = '\0';
}

/* --- whole directories ------------------------------------------------------ */

/* The record getdents64 fills, as the kernel lays it out. */
struct kdirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

enum { MIN_READ = 32768 };

void
vn_fs_dent_key(struct vn_dent *e)
{
	const unsigned char *s = (const unsigned char *)e->name;
	uint64_t k = 0;
	uint32_t i;

	for (i = 0; i < 8 && i < e->len; i++)
		k |= (uint64_t)s[i] << (56 - 8 * i);
	e->key = k;
}

/* Read every record of fd into d->raw, growing it so that a big directory
 * takes few calls. */
static int
read_raw(struct vn_dir *d)
{
	for (;;) {
		long n;

		if (d->rawcap - d->rawlen < MIN_READ) {
			size_t cap = d->rawcap ? d->rawcap * 2 : 4 * MIN_READ;
			char *p = realloc(d->raw, cap);

			if (!p)
				return -1;
			d->raw = p;
			d->rawcap = cap;
		}
		n = syscall(SYS_getdents64, d->fd, d->raw + d->rawlen,
		            d->rawcap - d->rawlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		d->rawlen += (size_t)n;
	}
}

int
vn_fs_dir_read(int dirfd, const char *path, int all, struct vn_dir *d)
{
	size_t pos, max;

	memset(d, 0, sizeof *d);
	d->fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return -1;
	if (read_raw(d) < 0)
		goto fail;
	/* A record takes at least 24 bytes. */
	max = d->rawlen / 24 + 1;
	d->ents = malloc(max * sizeof *d->ents);
	if (!d->ents)
		goto fail;
	for (pos = 0; pos < d->rawlen; ) {
		struct kdirent *k = (struct kdirent *)(d->raw + pos);
		struct vn_dent *e;
		const char *s = k->name;

		pos += k->reclen;
		if (s[0] == '.' && (!all || !s[1] || (s[1] == '.' && !s[2])))
			continue;
		e = &d->ents[d->n++];
		e->name = s;
		e->len = (uint32_t)strlen(s);
		e->type = k->type;
		e->idx = 0;
		vn_fs_dent_key(e);
	}
	return 0;
fail:
	vn_fs_dir_free(d);
	return -1;
}

void
vn_fs_dir_close(struct vn_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

void
vn_fs_dir_free(struct vn_dir *d)
{
	int err = errno;

	vn_fs_dir_close(d);
	free(d->ents);
	free(d->raw);
	memset(d, 0, sizeof *d);
	d->fd = -1;
	errno = err;
}

/* --- sorting -------------------------------------------------------------- */

/* a < b by bytes. The keys decide most pairs; equal keys of names shorter
 * than 8 bytes mean equal names. */
static inline int
less(const struct vn_dent *a, const struct vn_dent *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	return a->len >= 8 && strcmp(a->name + 8, b->name + 8) < 0;
}

static inline void
swap(struct vn_dent *a, struct vn_dent *b)
{
	struct vn_dent t = *a;

	*a = *b;
	*b = t;
}

static void
insertion(struct vn_dent *a, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct vn_dent t = a[i];

		for (j = i; j > 0 && less(&t, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

static void
sift(struct vn_dent *a, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			return;
		if (c + 1 < n && less(&a[c], &a[c + 1]))
			c++;
		if (!less(&a[i], &a[c]))
			return;
		swap(&a[i], &a[c]);
		i = c;
	}
}

static void
heapsort_dents(struct vn_dent *a, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0; )
		sift(a, i, n);
	for (i = n; i-- > 1; ) {
		swap(&a[0], &a[i]);
		sift(a, 0, i);
	}
}

/* Quicksort with the median of three moved to the front as the pivot, which
 * keeps both halves non-empty; heapsort past the depth limit. */
static void
quick(struct vn_dent *a, size_t n, int depth)
{
	while (n > 16) {
		struct vn_dent *m = &a[n / 2], *z = &a[n - 1], p;
		size_t i, j;

		if (depth-- == 0) {
			heapsort_dents(a, n);
			return;
		}
		if (less(m, a))
			swap(m, a);
		if (less(z, m)) {
			swap(z, m);
			if (less(m, a))
				swap(m, a);
		}
		swap(a, m);
		p = a[0];
		i = (size_t)-1;
		j = n;
		for (;;) {
			do i++; while (less(&a[i], &p));
			do j--; while (less(&p, &a[j]));
			if (i >= j)
				break;
			swap(&a[i], &a[j]);
		}
		j++;
		if (j < n - j) {
			quick(a, j, depth);
			a += j;
			n -= j;
		} else {
			quick(a + j, n - j, depth);
			n = j;
		}
	}
	insertion(a, n);
}

void
vn_fs_sort(struct vn_dent *e, size_t n)
{
	int depth = 0;
	size_t k;

	for (k = n; k; k >>= 1)
		depth += 2;
	quick(e, n, depth);
}
