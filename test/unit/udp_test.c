/*
 * test/unit/udp_test.c: core/udp.c on loopback: binding (the dual-stack
 * wildcard, a port in use), connecting, and vn_udp_dest, the address a
 * socket sends a reply to (IPv4 mapped on a dual-stack socket, a Unix
 * datagram peer's path, the families a socket cannot reach).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../core/net.h"
#include "../../core/udp.h"
#include "../../core/unix.h"
#include "unit.h"

/* Whether this machine has IPv6 on loopback. */
static int
have_v6(void)
{
	struct sockaddr_in6 a;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), ok;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof a);
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

static void
wildcard_takes_ipv4_and_answers_it(void)
{
	struct vn_err e = { 0, 0 };
	struct sockaddr_storage from, to;
	socklen_t flen, tlen;
	char buf[32] = "", host[VN_ADDRSTRLEN];
	int fd, c, port, hport = 0;
	ssize_t r;

	fd = vn_udp_bind("*", 0, AF_UNSPEC, &e);
	if (!CHECK(fd >= 0))
		return;
	port = vn_local_port(fd);
	CHECK(port > 0);
	/* an IPv4 client reaches the wildcard socket, whatever its family */
	c = vn_udp_connect("127.0.0.1", port, AF_INET, &e);
	CHECK(c >= 0);
	CHECK(vn_send(c, "ping", 4) == 4);
	r = vn_recvfrom(fd, buf, sizeof buf - 1, &from, &flen);
	CHECK(r == 4 && memcmp(buf, "ping", 4) == 0);
	/* the reply goes to the client's address as recvfrom named it */
	vn_addr_host((struct sockaddr *)&from, flen, host, sizeof host, &hport);
	CHECK_STR(host, "127.0.0.1");
	CHECK(hport == vn_local_port(c));
	CHECK(vn_udp_dest(fd, host, hport, &to, &tlen, &e) == 0);
	CHECK(vn_sendto(fd, "pong", 4, (struct sockaddr *)&to, tlen) == 4);
	memset(buf, 0, sizeof buf);
	CHECK(vn_recv(c, buf, sizeof buf - 1) == 4);
	CHECK_STR(buf, "pong");
	if (have_v6()) {
		/* a dual-stack socket sends to IPv4 through a mapped address */
		CHECK(to.ss_family == AF_INET6);
		CHECK(tlen == sizeof(struct sockaddr_in6));
		CHECK(IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&to)->sin6_addr));
	}
	close(c);
	close(fd);
}

static void
bind_reports_a_port_in_use(void)
{
	struct vn_err e = { 0, 0 };
	int a, b;

	a = vn_udp_bind("127.0.0.1", 0, AF_INET, &e);
	if (!CHECK(a >= 0))
		return;
	b = vn_udp_bind("127.0.0.1", vn_local_port(a), AF_INET, &e);
	CHECK(b < 0);
	CHECK(e.code == EADDRINUSE);
	CHECK(errno == EADDRINUSE);
	close(a);
	/* a host that cannot resolve */
	e.code = 0;
	CHECK(vn_udp_bind("a..b", 0, AF_UNSPEC, &e) < 0);
	CHECK(e.code != 0);
}

static void
dest_reports_what_a_socket_cannot_reach(void)
{
	struct vn_err e = { 0, 0 };
	struct sockaddr_storage to;
	socklen_t tlen;
	int v4, v6only;

	v4 = vn_udp_bind("127.0.0.1", 0, AF_INET, &e);
	if (!CHECK(v4 >= 0))
		return;
	CHECK(vn_udp_dest(v4, "", 53, &to, &tlen, &e) < 0);
	CHECK(e.code == VN_ENOHOSTARG && errno == EINVAL);
	CHECK(vn_udp_dest(v4, NULL, 53, &to, &tlen, &e) < 0);
	CHECK(e.code == VN_ENOHOSTARG);
	CHECK(vn_udp_dest(v4, "::1", 53, &to, &tlen, &e) < 0);
	CHECK(e.code == VN_ENOV4 && errno == EAFNOSUPPORT);
	CHECK(strstr(vn_err_str(&e), "IPv4") != NULL);
	e.code = 0;
	CHECK(vn_udp_dest(v4, "a..b", 53, &to, &tlen, &e) < 0);
	CHECK(e.code != 0 && errno == EHOSTUNREACH);
	close(v4);
	if (!have_v6())
		return;
	/* an IPv6-only socket cannot send to IPv4 */
	v6only = vn_udp_bind("::1", 0, AF_INET6, &e);
	if (!CHECK(v6only >= 0))
		return;
	CHECK(vn_udp_dest(v6only, "127.0.0.1", 53, &to, &tlen, &e) < 0);
	CHECK(e.code == VN_ENOV6);
	CHECK(strstr(vn_err_str(&e), "IPv6") != NULL);
	CHECK(vn_udp_dest(v6only, "::1", 53, &to, &tlen, &e) == 0);
	CHECK(to.ss_family == AF_INET6);
	close(v6only);
}

static void
connect_needs_a_host_and_a_reachable_one(void)
{
	struct vn_err e = { 0, 0 };

	CHECK(vn_udp_connect("", 9, AF_UNSPEC, &e) < 0);
	CHECK(e.code == VN_ENOHOSTARG && errno == EINVAL);
	CHECK(vn_udp_connect(NULL, 9, AF_UNSPEC, &e) < 0);
	CHECK(e.code == VN_ENOHOSTARG);
	e.code = 0;
	CHECK(vn_udp_connect("a..b", 9, AF_UNSPEC, &e) < 0);
	CHECK(e.code != 0 && errno == EHOSTUNREACH);
	/* an IPv4 host asked for over IPv6 */
	e.code = 0;
	CHECK(vn_udp_connect("127.0.0.1", 9, AF_INET6 | VN_AF_NUMERIC, &e) < 0);
	CHECK(e.code != 0);
}

/* A Unix datagram peer is answered at the name recvfrom gave. */
static void
dest_of_a_unix_peer_is_its_name(void)
{
	struct vn_err e = { 0, 0 };
	struct vn_unix_file file;
	struct sockaddr_storage from, to;
	socklen_t flen, tlen;
	char dir[] = "/tmp/vn-udp-XXXXXX", path[64], host[200], buf[16] = "";
	int s, c, hport;

	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	snprintf(path, sizeof path, "%s/d", dir);
	s = vn_listen_unix(path, SOCK_DGRAM, &file, &e);
	c = vn_connect_unix(path, SOCK_DGRAM, &e);
	if (CHECK(s >= 0 && c >= 0)) {
		CHECK(vn_send(c, "hi", 2) == 2);
		CHECK(vn_recvfrom(s, buf, sizeof buf, &from, &flen) == 2);
		vn_addr_host((struct sockaddr *)&from, flen, host, sizeof host, &hport);
		CHECK(host[0] == '@');
		CHECK(vn_udp_dest(s, host, 0, &to, &tlen, &e) == 0);
		CHECK(vn_sendto(s, "yo", 2, (struct sockaddr *)&to, tlen) == 2);
		memset(buf, 0, sizeof buf);
		CHECK(vn_recv(c, buf, sizeof buf - 1) == 2);
		CHECK_STR(buf, "yo");
		/* a name too long for sun_path */
		memset(host, 'a', sizeof host - 1);
		host[sizeof host - 1] = '\0';
		CHECK(vn_udp_dest(s, host, 0, &to, &tlen, &e) < 0);
		CHECK(e.code == VN_EPATHLEN || errno == ENAMETOOLONG);
	}
	if (c >= 0)
		close(c);
	if (s >= 0) {
		vn_unix_remove(path, &file);
		close(s);
	}
	rmdir(dir);
}

int
main(void)
{
	alarm(30);	/* a datagram that never comes fails the test */
	wildcard_takes_ipv4_and_answers_it();
	bind_reports_a_port_in_use();
	dest_reports_what_a_socket_cannot_reach();
	connect_needs_a_host_and_a_reachable_one();
	dest_of_a_unix_peer_is_its_name();
	return UNIT_DONE("udp");
}
