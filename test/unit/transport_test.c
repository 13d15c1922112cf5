/* test/unit/transport_test.c: core/unix.c and core/udp.c as the command-line
 * tools use them: Unix datagram sockets both ways (the client's kernel-chosen
 * abstract name lets the listener answer), whole UDP datagrams, and a socket
 * file that only the process which made it removes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/udp.h"
#include "../../core/unix.h"
#include "unit.h"

static char dir[64];

/* Whether fd has something to read within 5 s: a failing check never hangs. */
static int
readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return vn_poll(&p, 1, 5000) == 1;
}

static void
test_unix_datagram(void)
{
	struct vn_unix_file file;
	struct sockaddr_storage from;
	socklen_t len;
	struct vn_err e;
	char path[128], buf[16], host[128];
	int srv, cli, port;

	snprintf(path, sizeof path, "%s/d.sock", dir);
	srv = vn_listen_unix(path, SOCK_DGRAM, &file, &e);
	CHECK(srv >= 0);
	CHECK(file.made);
	cli = vn_connect_unix(path, SOCK_DGRAM, &e);
	CHECK(cli >= 0);
	CHECK(vn_send(cli, "ping", 4) == 4);
	CHECK(readable(srv) && vn_recvfrom(srv, buf, sizeof buf, &from, &len) == 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	vn_addr_host((struct sockaddr *)&from, len, host, sizeof host, &port);
	CHECK(host[0] == '@' && port == 0);
	/* The reply goes to the client's autobound name. */
	CHECK(vn_sendto(srv, "pong", 4, (struct sockaddr *)&from, len) == 4);
	CHECK(readable(cli) && vn_recv(cli, buf, sizeof buf) == 4);
	CHECK(memcmp(buf, "pong", 4) == 0);
	/* A second datagram listener on the live one is refused. */
	CHECK(vn_listen_unix(path, SOCK_DGRAM, &file, &e) < 0 && errno == EADDRINUSE);
	close(cli);
	close(srv);
	/* Closed without removal, the file is stale: replaced. */
	srv = vn_listen_unix(path, SOCK_DGRAM, &file, &e);
	CHECK(srv >= 0);
	CHECK(vn_unix_remove(path, &file) == 0);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	close(srv);
}

static void
test_only_the_creator_removes(void)
{
	struct vn_unix_file file;
	struct vn_err e;
	char path[128];
	pid_t pid;
	int fd, status = -1;

	snprintf(path, sizeof path, "%s/f.sock", dir);
	fd = vn_listen_unix(path, SOCK_STREAM, &file, &e);
	CHECK(fd >= 0);
	pid = fork();
	if (pid == 0)
		_exit(vn_unix_remove(path, &file) == 0 ? 0 : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0);
	CHECK(access(path, F_OK) == 0);          /* the child left it */
	CHECK(vn_unix_remove(path, &file) == 0);
	CHECK(access(path, F_OK) < 0);
	close(fd);
}

static void
test_udp_datagrams(void)
{
	static char big[60000], got[65536];
	struct sockaddr_storage to, from;
	socklen_t tolen, fromlen;
	struct vn_err e;
	char host[128];
	int a, b, port, sizes[] = { 1, 1000, 60000 }, i;

	a = vn_udp_bind("127.0.0.1", 0, AF_UNSPEC, &e);
	CHECK(a >= 0);
	port = vn_local_port(a);
	b = vn_udp_connect("127.0.0.1", port, AF_UNSPEC, &e);
	CHECK(b >= 0);
	memset(big, 'x', sizeof big);
	for (i = 0; i < 3; i++)
		CHECK(vn_send(b, big, sizes[i]) == sizes[i]);
	for (i = 0; i < 3; i++)
		CHECK(readable(a) &&
		      vn_recvfrom(a, got, sizeof got, &from, &fromlen) == sizes[i]);
	vn_addr_host((struct sockaddr *)&from, fromlen, host, sizeof host, &port);
	CHECK_STR(host, "127.0.0.1");
	CHECK(port == vn_local_port(b));
	CHECK(vn_udp_dest(a, "127.0.0.1", port, &to, &tolen, &e) == 0);
	CHECK(vn_sendto(a, big, 10, (struct sockaddr *)&to, tolen) == 10);
	CHECK(readable(b) && vn_recv(b, got, 4) == 4);  /* truncated, as recv(2) */
	CHECK(vn_udp_dest(a, "a..b", 9, &to, &tolen, &e) < 0);
	CHECK(vn_udp_connect("", 9, AF_UNSPEC, &e) < 0 && errno == EINVAL);
	close(a);
	close(b);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/vlcnet-unit.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_unix_datagram();
	test_only_the_creator_removes();
	test_udp_datagrams();
	rmdir(dir);
	return UNIT_DONE("transport");
}
