/* test/unit/net_test.c: core/net.c on loopback: ports, listening, and the
 * connect loop that tries every address in turn. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../core/net.h"
#include "unit.h"

static void
test_ports(void)
{
	CHECK(vn_port_parse("0") == 0);
	CHECK(vn_port_parse("80") == 80);
	CHECK(vn_port_parse("65535") == 65535);
	CHECK(vn_port_parse("00080") == 80);
	CHECK(vn_port_parse("65536") == -1);
	CHECK(vn_port_parse("-1") == -1);
	CHECK(vn_port_parse(" 80") == -1);
	CHECK(vn_port_parse("80 ") == -1);
	CHECK(vn_port_parse("abc") == -1);
	CHECK(vn_port_parse("") == -1);
	CHECK(vn_port_parse(NULL) == -1);
	CHECK(vn_port_parse("9999999999999999999") == -1);
}

static struct addrinfo *
v4(struct sockaddr_in *sin, int port, struct addrinfo *next)
{
	static struct addrinfo ai[4];
	static int n;
	struct addrinfo *a = &ai[n++ % 4];

	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(a, 0, sizeof *a);
	a->ai_family = AF_INET;
	a->ai_socktype = SOCK_STREAM;
	a->ai_addr = (struct sockaddr *)sin;
	a->ai_addrlen = sizeof *sin;
	a->ai_next = next;
	return a;
}

static void
test_connect_every_address(void)
{
	struct sockaddr_in s1, s2;
	struct vn_err e;
	int fds[VN_MAXLISTEN], more[VN_MAXLISTEN], n, closed, open, fd;

	/* A port nobody listens on: bind one while the open one is held (so the
	 * kernel cannot hand out the same port), note it, close it. */
	n = vn_listen_tcp("127.0.0.1", 0, AF_INET, fds, &e);
	CHECK(n == 1);
	open = vn_local_port(fds[0]);
	n = vn_listen_tcp("127.0.0.1", 0, AF_INET, more, &e);
	CHECK(n == 1);
	closed = vn_local_port(more[0]);
	close(more[0]);
	CHECK(open > 0 && open != closed);

	fd = vn_connect_addrs(v4(&s1, closed, v4(&s2, open, NULL)), 2000, &e);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	fd = vn_connect_addrs(v4(&s1, closed, NULL), 2000, &e);
	CHECK(fd < 0 && e.code == ECONNREFUSED);
	fd = vn_connect_addrs(NULL, 2000, &e);
	CHECK(fd < 0 && e.code == VN_ENOADDR);
	close(fds[0]);
}

static void
test_listen(void)
{
	struct vn_err e;
	int fds[VN_MAXLISTEN], more[VN_MAXLISTEN], n, i, port;

	n = vn_listen_tcp("*", 0, AF_UNSPEC, fds, &e);
	CHECK(n >= 1);
	port = n > 0 ? vn_local_port(fds[0]) : -1;
	for (i = 1; i < n; i++)
		CHECK(vn_local_port(fds[i]) == port);
	CHECK(vn_listen_tcp("127.0.0.1", port, AF_INET, more, &e) == -1);
	CHECK(e.code == EADDRINUSE);
	while (n > 0)
		close(fds[--n]);
	CHECK(vn_listen_tcp("a..b", 0, AF_UNSPEC, fds, &e) == -1);
	CHECK(e.code == VN_ENOHOST && !strcmp(vn_err_str(&e), "unknown host"));
	CHECK(vn_listen_tcp("127.0.0.1", 0, AF_INET6, fds, &e) == -1);
	CHECK(e.code == VN_EFAMILY && vn_err_host_wide(&e));
}

static void
test_format(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char buf[VN_ADDRSTRLEN];

	v4(&sin, 8080, NULL);
	vn_addr_format((struct sockaddr *)&sin, buf);
	CHECK(!strcmp(buf, "127.0.0.1:8080"));
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(443);
	sin6.sin6_addr = in6addr_loopback;
	vn_addr_format((struct sockaddr *)&sin6, buf);
	CHECK(!strcmp(buf, "[::1]:443"));
	/* An IPv4 peer of a dual-stack socket reads as IPv4, as recvfrom's host. */
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
	vn_addr_format((struct sockaddr *)&sin6, buf);
	CHECK(!strcmp(buf, "127.0.0.1:443"));
	{
		char hp[VN_HOSTPORTLEN];

		CHECK(!strcmp(vn_hostport(hp, "::1", 0), "[::1]:0"));
		CHECK(!strcmp(vn_hostport(hp, "[::1", 80), "[::1:80"));
		CHECK(!strcmp(vn_hostport(hp, "a..b", 1), "a..b:1"));
	}
	/* a family with no host part: no host, no port */
	{
		struct sockaddr sa = { .sa_family = AF_APPLETALK };
		char host[64] = "x";
		int port = 1;

		vn_addr_host(&sa, sizeof sa, host, sizeof host, &port);
		CHECK(host[0] == '\0' && port == 0);
	}
	/* no host to connect to is this host, as getaddrinfo's NULL */
	{
		struct addrinfo *res = NULL;
		struct vn_err e = { 0, 0 };

		CHECK(vn_resolve(NULL, 80, AF_INET, SOCK_STREAM, 0, &res, &e) == 0);
		CHECK(res && ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr ==
		      htonl(INADDR_LOOPBACK));
		if (res)
			freeaddrinfo(res);
	}
	CHECK(vn_secs_parse("0.5") == 500 && vn_secs_parse("0.0001") == 1);
	CHECK(vn_secs_parse("0") == 0 && vn_secs_parse("-1") == -1 &&
	      vn_secs_parse("1x") == -1 &&
	      vn_secs_parse("") == -1 && vn_secs_parse("nan") == -1);
}

/* What vn_accept, vn_local_port and vn_addr_format do with what is not a
 * TCP listener. */
static void
test_odd_descriptors(void)
{
	struct sockaddr_un un;
	char buf[VN_ADDRSTRLEN];
	int fds[VN_MAXLISTEN + 1] = { 0 }, sp[2];

	CHECK(vn_accept(fds, 0, 0, NULL) < 0 && errno == EBADF);
	CHECK(vn_accept(fds, VN_MAXLISTEN + 1, 0, NULL) < 0 && errno == EBADF);
	if (CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0)) {
		CHECK(vn_local_port(sp[0]) == 0);   /* a Unix socket has no port */
		close(sp[0]);
		close(sp[1]);
		/* a closed descriptor: POLLNVAL, not a wait */
		CHECK(vn_accept(&sp[0], 1, 5000, NULL) < 0 && errno == EBADF);
		CHECK(vn_local_port(sp[0]) == -1);
	}
	memset(&un, 0, sizeof un);
	un.sun_family = AF_UNIX;
	vn_addr_format((struct sockaddr *)&un, buf);
	CHECK_STR(buf, "?");

}

int
main(void)
{
	test_odd_descriptors();
	test_ports();
	test_connect_every_address();
	test_listen();
	test_format();
	return UNIT_DONE("net");
}
