/*
 * test/unit/fd_test.c: core/ when the process has no descriptor left
 * (EMFILE, as under `ulimit -n`): every call that needs one fails with that
 * reason, leaks nothing, and works again once one is free. A connection
 * waiting to be accepted stays queued until then.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/fs.h"
#include "../../core/net.h"
#include "../../core/udp.h"
#include "../../core/unix.h"
#include "unit.h"

enum { LIMIT = 64 };
static int filler[LIMIT], nfill;

/* Takes every free descriptor. */
static void
fill(void)
{
	int fd;

	nfill = 0;
	while (nfill < LIMIT && (fd = open("/dev/null", O_RDONLY)) >= 0)
		filler[nfill++] = fd;
}

/* Gives one back. */
static void
release_one(void)
{
	if (nfill > 0)
		close(filler[--nfill]);
}

static void
release_all(void)
{
	while (nfill > 0)
		close(filler[--nfill]);
}

/* How many descriptors are free: nothing may be leaked by a failed call. */
static int
free_fds(void)
{
	int fds[LIMIT], n = 0, i;

	while (n < LIMIT && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	for (i = 0; i < n; i++)
		close(fds[i]);
	return n;
}

int
main(void)
{
	struct rlimit rl = { LIMIT, LIMIT };
	struct vn_err e = { 0, 0 };
	struct vn_unix_file uf;
	struct vn_dir d;
	struct sockaddr_in sa;
	char dir[] = "/tmp/vn-fd-XXXXXX", path[64];
	int l[VN_MAXLISTEN], l2[VN_MAXLISTEN], n, c, a, before;

	alarm(30);	/* a wait that never ends fails the test */
	if (!mkdtemp(dir) || setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("fd_test: set up");
		return 1;
	}
	snprintf(path, sizeof path, "%s/s", dir);
	n = vn_listen_tcp("127.0.0.1", 0, AF_INET, l, &e);
	if (!CHECK(n == 1))
		return UNIT_DONE("fd");
	/* a client waits in the listener's queue */
	c = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(vn_local_port(l[0]));
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof sa) == 0);
	before = free_fds();

	fill();
	CHECK(free_fds() == 0);
	CHECK(vn_accept(l, n, 5000, NULL) < 0 && errno == EMFILE);
	e.code = 0;
	CHECK(vn_listen_tcp("127.0.0.1", 0, AF_INET, l2, &e) < 0 && e.code == EMFILE);
	e.code = 0;
	CHECK(vn_connect_tcp("127.0.0.1", vn_local_port(l[0]), AF_INET, 5000, &e) < 0);
	CHECK(e.code == EMFILE);
	CHECK(strstr(vn_err_str(&e), "Too many open files") != NULL);
	e.code = 0;
	CHECK(vn_udp_bind("127.0.0.1", 0, AF_INET, &e) < 0 && errno == EMFILE);
	e.code = 0;
	CHECK(vn_udp_connect("127.0.0.1", 9, AF_INET, &e) < 0 && errno == EMFILE);
	e.code = 0;
	CHECK(vn_listen_unix(path, SOCK_STREAM, &uf, &e) < 0 && e.code == EMFILE);
	e.code = 0;
	CHECK(vn_connect_unix(path, SOCK_STREAM, &e) < 0 && e.code == EMFILE);
	CHECK(vn_fs_dir_read(AT_FDCWD, dir, 0, &d) < 0 && errno == EMFILE);

	/* nothing leaked: one given back is one free */
	release_one();
	CHECK(free_fds() == 1);
	/* and the client that waited is accepted now */
	a = vn_accept(l, n, 5000, NULL);
	CHECK(a >= 0);
	if (a >= 0)
		close(a);
	release_all();
	CHECK(free_fds() == before);
	close(c);
	close(l[0]);
	rmdir(dir);
	return UNIT_DONE("fd");
}
