/* core/unix.c: binding, listening on and connecting to Unix domain sockets, and
 * removing the socket file a listener made (never any other file). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sig.h"
#include "unix.h"

int
vn_unix_addr(const char *path, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = path ? strlen(path) : 0;

	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	/* A file name needs its NUL in sun_path; an abstract one has none, its
	 * '@' becoming the leading NUL byte. */
	if (n + (path[0] != '@') > sizeof sa->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	if (path[0] == '@') {
		sa->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

/* Why PATH cannot be an address, in words: the errno texts say less. */
static int
addr_fail(struct vn_err *e)
{
	if (errno == ENAMETOOLONG)
		return vn_err_fail(e, VN_EPATHLEN);
	return vn_err_fail(e, VN_EPATHEMPTY);
}

/* Whether a socket is bound at sa, asked without disturbing it: a connect of
 * the other socket type finds the socket and fails with EPROTOTYPE, or finds
 * none behind the file (stale) and fails with ECONNREFUSED. A probe of the
 * same type would queue a connection the live listener then accepts, empty.
 * Returns 1 live, 0 stale, -1 undecided (errno). */
static int
alive(const struct sockaddr_un *sa, socklen_t len, int type)
{
	int probe = type == SOCK_STREAM ? SOCK_DGRAM : SOCK_STREAM;
	int fd = socket(AF_UNIX, probe | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), r, err;

	if (fd < 0)
		return -1;
	r = connect(fd, (const struct sockaddr *)sa, len);
	err = errno;
	close(fd);
	if (r == 0 || err == EPROTOTYPE || err == EAGAIN || err == EINPROGRESS)
		return 1;
	errno = err;
	return err == ECONNREFUSED ? 0 : -1;
}

/* PATH is in the way of bind: remove it if it is a stale socket file. Returns 0
 * when removed, or -1 with errno (EADDRINUSE, EEXIST) and *e set. */
static int
clear_stale(const char *path, const struct sockaddr_un *sa, socklen_t len,
            int type, struct vn_err *e)
{
	struct stat before, now;
	int r;

	if (lstat(path, &before) < 0)
		return errno == ENOENT ? 0 : vn_err_fail(e, errno);
	if (!S_ISSOCK(before.st_mode)) {
		errno = EEXIST;
		return vn_err_fail(e, VN_ENOTSOCKFILE);
	}
	r = alive(sa, len, type);
	if (r != 0) {
		errno = EADDRINUSE;
		return vn_err_fail(e, errno);
	}
	/* Unlink only the file probed, not one put there since. */
	if (lstat(path, &now) < 0)
		return errno == ENOENT ? 0 : vn_err_fail(e, errno);
	if (now.st_dev != before.st_dev || now.st_ino != before.st_ino) {
		errno = EADDRINUSE;
		return vn_err_fail(e, errno);
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return vn_err_fail(e, errno);
	return 0;
}

int
vn_listen_unix(const char *path, int type, struct vn_unix_file *file,
               struct vn_err *e)
{
	struct sockaddr_un sa;
	socklen_t len;
	struct stat st;
	int fd, err, abstract = path && path[0] == '@';

	file->made = 0;
	if (vn_unix_addr(path, &sa, &len) < 0)
		return addr_fail(e);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC |
	            (type == SOCK_DGRAM ? 0 : SOCK_NONBLOCK), 0);
	if (fd < 0)
		return vn_err_fail(e, errno);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		if (errno != EADDRINUSE || abstract)
			goto fail;
		if (clear_stale(path, &sa, len, type, e) < 0)
			goto failed;
		if (bind(fd, (struct sockaddr *)&sa, len) < 0)
			goto fail;
	}
	if (!abstract && lstat(path, &st) == 0) {
		file->made = 1;
		file->dev = st.st_dev;
		file->ino = st.st_ino;
		file->pid = getpid();
	}
	if (type != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0)
		goto fail;
	return fd;
fail:
	vn_err_fail(e, errno);
failed:
	err = errno;
	vn_unix_remove(path, file);
	close(fd);
	errno = err;
	return -1;
}

static int
connect_unix(const char *path, int type, int flags, struct vn_err *e)
{
	struct sockaddr_un sa;
	socklen_t len;
	sa_family_t family = AF_UNIX;
	int fd, r;

	if (vn_unix_addr(path, &sa, &len) < 0)
		return addr_fail(e);
	fd = socket(AF_UNIX, type | flags | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vn_err_fail(e, errno);
	/* A length of just the family asks Linux for an abstract name. */
	if (type == SOCK_DGRAM &&
	    bind(fd, (struct sockaddr *)&family, sizeof family) < 0)
		goto fail;
	/* A Unix connect waits only while the listener's backlog is full; an
	 * unrelated signal then restarts it, SIGINT/SIGTERM end it. */
	do
		r = connect(fd, (struct sockaddr *)&sa, len);
	while (r < 0 && errno == EINTR && !vn_sig_pending());
	if (r < 0)
		goto fail;
	return fd;
fail:
	vn_err_fail(e, errno);
	r = errno;
	close(fd);
	errno = r;
	return -1;
}

int
vn_connect_unix(const char *path, int type, struct vn_err *e)
{
	return connect_unix(path, type, 0, e);
}

int
vn_connect_unix_now(const char *path, struct vn_err *e)
{
	return connect_unix(path, SOCK_STREAM, SOCK_NONBLOCK, e);
}

int
vn_unix_remove(const char *path, struct vn_unix_file *file)
{
	struct stat st;
	int made = file->made;

	file->made = 0;
	if (!made || file->pid != getpid())
		return 0;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode) || st.st_dev != file->dev || st.st_ino != file->ino)
		return 0;           /* someone else's file now */
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

void
vn_unix_format(const struct sockaddr_un *sa, socklen_t len, char *buf,
               size_t size)
{
	size_t off = offsetof(struct sockaddr_un, sun_path), n;

	if (size == 0)
		return;
	if (len <= off) {
		buf[0] = '\0';
		return;
	}
	n = len - off;
	if (n > sizeof sa->sun_path)
		n = sizeof sa->sun_path;
	if (sa->sun_path[0] == '\0')
		snprintf(buf, size, "@%.*s", (int)(n - 1), sa->sun_path + 1);
	else
		snprintf(buf, size, "%.*s", (int)strnlen(sa->sun_path, n), sa->sun_path);
}
