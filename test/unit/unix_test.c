/*
 * test/unit/unix_test.c: core/unix.c: the paths an address takes or refuses,
 * what listening does with a file already at the path (a stale socket is
 * replaced, a live one or another file is left alone), abstract names, and
 * vn_unix_remove, which removes only the file the process made; how
 * unnamed and over-long addresses read.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/net.h"
#include "../../core/unix.h"
#include "unit.h"

static char dir[] = "/tmp/vn-unix-XXXXXX";

static void
addresses_refuse_empty_and_long_paths(void)
{
	struct vn_err e = { 0, 0 };
	struct vn_unix_file f;
	struct sockaddr_un sa;
	socklen_t len;
	char long_path[sizeof sa.sun_path + 2];

	CHECK(vn_unix_addr("", &sa, &len) < 0 && errno == EINVAL);
	CHECK(vn_unix_addr(NULL, &sa, &len) < 0 && errno == EINVAL);
	memset(long_path, 'a', sizeof long_path - 1);
	long_path[sizeof long_path - 1] = '\0';
	CHECK(vn_unix_addr(long_path, &sa, &len) < 0 && errno == ENAMETOOLONG);
	/* a file name needs room for its NUL; an abstract name does not */
	long_path[sizeof sa.sun_path] = '\0';
	CHECK(vn_unix_addr(long_path, &sa, &len) < 0 && errno == ENAMETOOLONG);
	long_path[0] = '@';
	CHECK(vn_unix_addr(long_path, &sa, &len) == 0);
	CHECK(len == sizeof sa);
	CHECK(sa.sun_path[0] == '\0');

	CHECK(vn_listen_unix("", SOCK_STREAM, &f, &e) < 0);
	CHECK(e.code == VN_EPATHEMPTY);
	long_path[0] = 'a';
	CHECK(vn_listen_unix(long_path, SOCK_STREAM, &f, &e) < 0);
	CHECK(e.code == VN_EPATHLEN);
	CHECK(vn_connect_unix(long_path, SOCK_STREAM, &e) < 0);
	CHECK(e.code == VN_EPATHLEN);
	CHECK(vn_connect_unix("", SOCK_DGRAM, &e) < 0);
	CHECK(e.code == VN_EPATHEMPTY);
}

static void
abstract_names_listen_and_connect(void)
{
	struct vn_err e = { 0, 0 };
	struct vn_unix_file f;
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	char name[64], buf[120];
	int l, c, a;

	snprintf(name, sizeof name, "@vn-unix-test-%d", (int)getpid());
	l = vn_listen_unix(name, SOCK_STREAM, &f, &e);
	if (!CHECK(l >= 0))
		return;
	CHECK(f.made == 0);
	/* the name is taken while it listens: no stale check for abstract names */
	CHECK(vn_listen_unix(name, SOCK_STREAM, &f, &e) < 0);
	CHECK(e.code == EADDRINUSE);
	c = vn_connect_unix(name, SOCK_STREAM, &e);
	CHECK(c >= 0);
	a = vn_accept(&l, 1, 5000, NULL);
	CHECK(a >= 0);
	CHECK(getsockname(l, (struct sockaddr *)&sa, &len) == 0);
	vn_unix_format(&sa, len, buf, sizeof buf);
	CHECK_STR(buf, name);
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	close(l);
	/* nobody listens any more */
	CHECK(vn_connect_unix(name, SOCK_STREAM, &e) < 0);
	CHECK(e.code == ECONNREFUSED);
}

static void
listen_replaces_a_stale_socket_only(void)
{
	struct vn_err e = { 0, 0 };
	struct vn_unix_file f, g;
	char path[80], file[80];
	int l, l2, fd;

	snprintf(path, sizeof path, "%s/s", dir);
	snprintf(file, sizeof file, "%s/plain", dir);
	l = vn_listen_unix(path, SOCK_STREAM, &f, &e);
	if (!CHECK(l >= 0))
		return;
	CHECK(f.made == 1);
	/* a live listener keeps its path, for both socket types */
	CHECK(vn_listen_unix(path, SOCK_STREAM, &g, &e) < 0);
	CHECK(e.code == EADDRINUSE && errno == EADDRINUSE);
	CHECK(vn_listen_unix(path, SOCK_DGRAM, &g, &e) < 0);
	CHECK(e.code == EADDRINUSE);
	/* closed without removing: the file is stale, and is replaced */
	close(l);
	l2 = vn_listen_unix(path, SOCK_STREAM, &g, &e);
	CHECK(l2 >= 0);
	CHECK(g.made == 1);
	fd = vn_connect_unix(path, SOCK_STREAM, &e);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* a child (a --fork connection) never removes its parent's file */
	{
		pid_t pid = fork();
		int st = 0;

		if (pid == 0)
			_exit(vn_unix_remove(path, &g) == 0 ? 0 : 1);
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 0);
		CHECK(access(path, F_OK) == 0);
	}
	CHECK(vn_unix_remove(path, &g) == 0);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	CHECK(g.made == 0);
	close(l2);

	/* a file that is not a socket is never touched */
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(vn_listen_unix(file, SOCK_STREAM, &f, &e) < 0);
	CHECK(e.code == VN_ENOTSOCKFILE && errno == EEXIST);
	CHECK(vn_listen_unix(file, SOCK_DGRAM, &f, &e) < 0);
	CHECK(e.code == VN_ENOTSOCKFILE);
	CHECK(access(file, F_OK) == 0);
	/* a file put where the socket was is someone else's: it stays */
	l = vn_listen_unix(path, SOCK_DGRAM, &f, &e);
	CHECK(l >= 0 && f.made == 1);
	CHECK(unlink(path) == 0 && rename(file, path) == 0);
	CHECK(vn_unix_remove(path, &f) == 0);
	CHECK(access(path, F_OK) == 0);
	if (l >= 0)
		close(l);
	unlink(path);
	/* a directory that does not exist */
	snprintf(path, sizeof path, "%s/no/such", dir);
	CHECK(vn_listen_unix(path, SOCK_STREAM, &f, &e) < 0);
	CHECK(e.code == ENOENT);
	CHECK(vn_connect_unix(path, SOCK_STREAM, &e) < 0);
	CHECK(e.code == ENOENT);
}

/* An unnamed socket's address is "", an address longer than sun_path is
 * read no further, and a buffer of no room is left alone. */
static void
format_unnamed_and_long(void)
{
	struct sockaddr_un sa;
	char buf[200] = "untouched";

	memset(&sa, 'x', sizeof sa);
	sa.sun_family = AF_UNIX;
	vn_unix_format(&sa, 0, buf, 0);
	CHECK_STR(buf, "untouched");
	vn_unix_format(&sa, offsetof(struct sockaddr_un, sun_path), buf, sizeof buf);
	CHECK_STR(buf, "");
	vn_unix_format(&sa, sizeof sa + 10, buf, sizeof buf);
	CHECK(strlen(buf) == sizeof sa.sun_path);
}

/* A path under a regular file: bind's own error, and no file left. */
static void
listen_under_a_file_fails(void)
{
	struct vn_err e = { 0, 0 };
	struct vn_unix_file f;
	char file[80], path[100];
	int fd;

	snprintf(file, sizeof file, "%s/plain", dir);
	snprintf(path, sizeof path, "%s/sock", file);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(vn_listen_unix(path, SOCK_STREAM, &f, &e) < 0);
	CHECK(e.code == ENOTDIR && f.made == 0);
	CHECK(unlink(file) == 0);
}

int
main(void)
{
	alarm(30);	/* a wait that never ends fails the test */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	addresses_refuse_empty_and_long_paths();
	abstract_names_listen_and_connect();
	listen_replaces_a_stale_socket_only();
	format_unnamed_and_long();
	listen_under_a_file_fails();
	rmdir(dir);
	return UNIT_DONE("unix");
}
