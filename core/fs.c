/* core/fs.c: stat and one-pass directory reading. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
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
	return 0;
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

int
vn_fs_readdir(int dirfd, const char *path, vn_dir_fn fn, void *ctx)
{
	struct dirent *d;
	DIR *dir;
	int fd, r = 0;

	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		d = readdir(dir);
		if (!d) {
			if (errno)
				r = -1;
			break;
		}
		if (d->d_name[0] == '.' && (!d->d_name[1] ||
		    (d->d_name[1] == '.' && !d->d_name[2])))
			continue;
		r = fn(ctx, d->d_name, strlen(d->d_name), d->d_type);
		if (r)
			break;
	}
	if (r < 0) {
		int err = errno;

		closedir(dir);
		errno = err;
	} else {
		closedir(dir);
	}
	return r;
}
