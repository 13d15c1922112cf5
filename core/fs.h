/* core/fs.h: stat and directory reading for net.stat, net.opendir and the file
 * tools. No Lua here. */
#ifndef VN_FS_H
#define VN_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vn_stat {
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	time_t atime, mtime, ctime;
	long atime_ns, mtime_ns, ctime_ns;
	nlink_t nlink;
	dev_t rdev;
	ino_t ino;
	dev_t dev;
	blkcnt_t blocks;         /* 512-byte units */
	blksize_t blksize;
};

/* The fields of net.stat: the one list that net.stat, the hooks' entries and
 * the tools' JSON follow, in this order. vn_stat_names[f] is a field's name;
 * VN_STAT_TYPE is a string (vn_fs_type), the others numbers (vn_stat_number). */
enum vn_stat_field {
	VN_STAT_TYPE,
	VN_STAT_MODE,           /* the whole st_mode */
	VN_STAT_UID,
	VN_STAT_GID,
	VN_STAT_SIZE,
	VN_STAT_ATIME,
	VN_STAT_MTIME,
	VN_STAT_CTIME,          /* "creation_time" is st_ctime, as in VLC */
	VN_STAT_NFIELDS
};
extern const char *const vn_stat_names[VN_STAT_NFIELDS];
/* The vn_stat member behind the number field f (0 for VN_STAT_TYPE). */
int64_t vn_stat_number(const struct vn_stat *st, enum vn_stat_field f);

/* stat(2) (follow != 0) or lstat(2) of PATH, relative to dirfd (AT_FDCWD for the
 * working directory). Returns 0, or -1 with errno. */
int vn_fs_stat(int dirfd, const char *path, int follow, struct vn_stat *st);

/* VLC's word for the file type: "file", "dir", "character device",
 * "block device", "fifo", "symbolic link", "socket" or "unknown". */
const char *vn_fs_type(mode_t mode);

/* The ten letters of ls -l for MODE ("drwxr-xr-x", with s/S/t/T for the
 * set-id and sticky bits) into buf, terminated: buf holds 11 bytes. */
void vn_fs_modestr(mode_t mode, char *buf);

/* One name of a directory read by vn_fs_dir_read. */
struct vn_dent {
	uint64_t key;            /* the name's first 8 bytes, big-endian, zero-padded */
	const char *name;        /* NUL-terminated, in the vn_dir's buffer */
	uint32_t len;
	unsigned char type;      /* DT_* (DT_UNKNOWN when the file system does not say) */
	uint32_t idx;            /* free for the caller (e.g. an index into stat data) */
};

/* A whole directory, read with a few large getdents64 calls. */
struct vn_dir {
	int fd;                  /* still open: stat names relative to it */
	struct vn_dent *ents;
	size_t n;
	char *raw;               /* the kernel's records, which hold the names */
	size_t rawlen, rawcap;
};

/* Open and read the directory PATH (relative to dirfd) in directory order,
 * without "." and "..", and without other names starting with '.' unless all.
 * Returns 0, or -1 with errno (d is then empty). */
int vn_fs_dir_read(int dirfd, const char *path, int all, struct vn_dir *d);
/* Close the directory's descriptor (the names stay). */
void vn_fs_dir_close(struct vn_dir *d);
/* Close and free everything. */
void vn_fs_dir_free(struct vn_dir *d);

/* Fill e->key from e->name. */
void vn_fs_dent_key(struct vn_dent *e);
/* Sort by name, byte by byte as strcmp does (LC_ALL=C ls order). */
void vn_fs_sort(struct vn_dent *e, size_t n);

#endif
