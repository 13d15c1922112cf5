/* core/udp.c: binding and connecting UDP sockets, choosing the address a
 * datagram goes to, and single-call datagram I/O. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "sig.h"
#include "udp.h"
#include "unix.h"

static int
wildcard(const char *host)
{
	return !host || !*host || !strcmp(host, "*");
}

/* A socket for ai, bound (bind != 0) or connected to its address (from src
 * when there is one). */
static int
open_one(const struct addrinfo *ai, int bind_it, int dual, int numeric,
         const struct vn_source *src, struct vn_err *e)
{
	int fd, v6only = !dual, err;

	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	/* Only the wildcard of AF_UNSPEC takes IPv4 on an IPv6 socket: -6 and
	 * an IPv6 address mean IPv6 only, whatever net.ipv6.bindv6only says. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
	if (bind_it) {
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		vn_err_fail(e, errno);
	} else if (vn_bind_source(fd, ai->ai_family | numeric, SOCK_DGRAM, src, e) == 0) {
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		vn_err_fail(e, errno);
	}
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Each address of HOST:PORT in turn until one binds or connects. */
static int
open_first(const char *host, int port, int family, int bind_it, int dual,
           const struct vn_source *src, struct vn_err *e)
{
	struct addrinfo *res, *ai;
	int fd = -1;

	if (vn_resolve(host, port, family, SOCK_DGRAM, bind_it, &res, e) < 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	errno = EADDRNOTAVAIL;
	vn_err_fail(e, errno);
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = open_one(ai, bind_it, dual, family & VN_AF_NUMERIC, src, e);
	freeaddrinfo(res);
	return fd;
}

int
vn_udp_bind(const char *host, int port, int family, struct vn_err *e)
{
	int fd;

	if (wildcard(host) && (family & ~VN_AF_NUMERIC) == AF_UNSPEC) {
		fd = open_first(NULL, port, AF_INET6, 1, 1, NULL, e);
		if (fd >= 0 || (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL &&
		                 errno != EHOSTUNREACH))
			return fd;
		family = AF_INET;
	}
	return open_first(wildcard(host) ? NULL : host, port, family, 1, 0, NULL, e);
}

int
vn_udp_connect_from(const char *host, int port, int family,
                    const struct vn_source *src, struct vn_err *e)
{
	if (!host || !*host) {
		errno = EINVAL;
		return vn_err_fail(e, VN_ENOHOSTARG);
	}
	return open_first(host, port, family, 0, 0, src, e);
}

int
vn_udp_connect(const char *host, int port, int family, struct vn_err *e)
{
	return vn_udp_connect_from(host, port, family, NULL, e);
}

/* Copy ai's address to *to as one fd of FAMILY can use (dual: IPv4 mapped). */
static int
usable(const struct addrinfo *ai, int family, int dual,
       struct sockaddr_storage *to, socklen_t *len)
{
	const struct sockaddr_in *in = (const void *)ai->ai_addr;
	struct sockaddr_in6 *in6 = (void *)to;

	if (family == AF_UNSPEC || ai->ai_family == family) {
		memcpy(to, ai->ai_addr, ai->ai_addrlen);
		*len = ai->ai_addrlen;
		return 1;
	}
	if (family != AF_INET6 || !dual || ai->ai_family != AF_INET)
		return 0;
	memset(in6, 0, sizeof *in6);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = in->sin_port;
	in6->sin6_addr.s6_addr[10] = in6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&in6->sin6_addr.s6_addr[12], &in->sin_addr, 4);
	*len = sizeof *in6;
	return 1;
}

int
vn_udp_dest(int fd, const char *host, int port, struct sockaddr_storage *to,
            socklen_t *len, struct vn_err *e)
{
	struct sockaddr_storage self;
	socklen_t slen = sizeof self;
	struct addrinfo *res, *ai;
	int family = AF_UNSPEC, v6only = 1;
	socklen_t olen = sizeof v6only;

	if (!host || !*host) {
		errno = EINVAL;
		return vn_err_fail(e, VN_ENOHOSTARG);
	}
	if (getsockname(fd, (struct sockaddr *)&self, &slen) == 0)
		family = self.ss_family;
	/* A Unix datagram peer is named by what recvfrom gave: its path or
	 * @name; there is no port. */
	if (family == AF_UNIX) {
		if (vn_unix_addr(host, (struct sockaddr_un *)to, len) < 0)
			return vn_err_fail(e, errno);
		return 0;
	}
	if (family == AF_INET6)
		getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &olen);
	if (vn_resolve(host, port, AF_UNSPEC, SOCK_DGRAM, 0, &res, e) < 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next)
		if (usable(ai, family, !v6only, to, len))
			break;
	freeaddrinfo(res);
	if (!ai) {
		errno = EAFNOSUPPORT;
		return vn_err_fail(e, family == AF_INET ? VN_ENOV4 :
		                   family == AF_INET6 ? VN_ENOV6 : errno);
	}
	return 0;
}
