/* core/fs.h: stat and directory reading for net.stat, net.opendir and the file
 * tools. No Lua here. */
#ifndef VN_FS_H
#define VN_FS_H

#include <stddef.h>
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
};

/* stat(2) (follow != 0) or lstat(2) of PATH, relative to dirfd (AT_FDCWD for the
 * working directory). Returns 0, or -1 with errno. */
int vn_fs_stat(int dirfd, const char *path, int follow, struct vn_stat *st);

/* VLC's word for the file type: "file", "dir", "character device",
 * "block device", "fifo", "symbolic link", "socket" or "unknown". */
const char *vn_fs_type(mode_t mode);

/* Called for each name of a directory; a non-zero return stops the walk and is
 * returned by vn_fs_readdir. type is a DT_* value (DT_UNKNOWN when the file
 * system does not say). */
typedef int (*vn_dir_fn)(void *ctx, const char *name, size_t len, unsigned char type);

/* Read the directory PATH (relative to dirfd) in one pass, in directory order,
 * without "." and "..". Returns 0, -1 with errno, or fn's non-zero return. */
int vn_fs_readdir(int dirfd, const char *path, vn_dir_fn fn, void *ctx);

#endif
