/* core/net.c: resolving, listening, accepting, connecting and single-call I/O.
 * Every wait here gives up when SIGINT/SIGTERM is pending (core/sig.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "sig.h"
#include "unix.h"

static void
seterr(struct vn_err *e, int code)
{
	if (e) {
		e->code = code;
		e->gai = 0;
	}
}

int
vn_err_fail(struct vn_err *e, int code)
{
	int err = errno;

	seterr(e, code);
	errno = err;
	return -1;
}

const char *
vn_err_str(const struct vn_err *e)
{
	switch (e->code) {
	case VN_ENOHOST:
		/* glibc's text is "Name or service not known"; the service is
		 * always numeric here, so name the host. */
		return "unknown host";
	case VN_EFAMILY:
	case VN_ERESOLVE:
		return gai_strerror(e->gai);
	case VN_ENOADDR:
		return "no address to connect to";
	case VN_ENOHOSTARG:
		return "no host given";
	case VN_ENOV4:
		return "no IPv4 address for host";
	case VN_ENOV6:
		return "no IPv6 address for host";
	case VN_EPATHLEN:
		return "path too long for a Unix socket (at most 107 bytes)";
	case VN_EPATHEMPTY:
		return "empty path";
	case VN_ENOTSOCKFILE:
		return "File exists and is not a socket";
	case VN_EBADADDR:
		return "not an IP address";
	case VN_EBADPREFIX:
		return "prefix length not 0-32 (IPv4) or 0-128 (IPv6)";
	case VN_ENAMEPREFIX:
		return "a /PREFIX needs an IP address, not a host name";
	case VN_ENOTNUMERIC:
		return "not a numeric address (--numeric)";
	case VN_ESRCFAMILY:
		return "no address of the source address's family";
	}
	return strerror(e->code);
}

int
vn_err_host_wide(const struct vn_err *e)
{
	return e->code < 0 || e->code == ENETUNREACH || e->code == EHOSTUNREACH;
}

int
vn_port_parse(const char *s)
{
	long v = 0;

	if (!s || !*s || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v > 65535 ? -1 : (int)v;
}

int
vn_secs_parse(const char *s)
{
	char *end;
	double secs = strtod(s, &end);

	if (end == s || *end || !(secs >= 0) || secs > 2e6)
		return -1;
	return secs > 0 && secs * 1000 < 1 ? 1 : (int)(secs * 1000);
}

/* getaddrinfo for HOST:PORT; "*" and "" mean the wildcard when passive. */
int
vn_resolve(const char *host, int port, int family, int socktype, int passive,
           struct addrinfo **res, struct vn_err *e)
{
	struct addrinfo hints;
	char serv[8];
	int r;

	if (host && (!*host || !strcmp(host, "*")))
		host = NULL;
	if (!host && !passive)
		host = "localhost";
	memset(&hints, 0, sizeof hints);
	hints.ai_family = family & ~VN_AF_NUMERIC;
	hints.ai_socktype = socktype;
	/* AI_ADDRCONFIG asks nscd about the interfaces: -n asks nothing. */
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE :
	                 family & VN_AF_NUMERIC ? 0 : AI_ADDRCONFIG) |
	                 (family & VN_AF_NUMERIC ? AI_NUMERICHOST : 0);
	snprintf(serv, sizeof serv, "%d", port);
	r = getaddrinfo(host, serv, &hints, res);
	if (r == 0)
		return 0;
	if (r == EAI_SYSTEM) {
		seterr(e, errno);
		return -1;
	}
	seterr(e, r == EAI_NONAME && (family & VN_AF_NUMERIC) ? VN_ENOTNUMERIC :
	          r == EAI_NONAME ? VN_ENOHOST :
	          r == EAI_ADDRFAMILY || r == EAI_FAMILY ? VN_EFAMILY : VN_ERESOLVE);
	if (e)
		e->gai = r;
	return -1;
}

int
vn_resolve_tcp(const char *host, int port, int family, struct addrinfo **res,
               struct vn_err *e)
{
	if (!host || !*host) {
		seterr(e, VN_ENOADDR);
		errno = EINVAL;
		return -1;
	}
	if (vn_resolve(host, port, family, SOCK_STREAM, 0, res, e) < 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	return 0;
}

static void
set_port(struct sockaddr *sa, int port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

static int
bind_one(const struct addrinfo *ai, int port, struct vn_err *e)
{
	struct sockaddr_storage ss;
	int fd, on = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            ai->ai_protocol);
	if (fd < 0) {
		seterr(e, errno);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	set_port((struct sockaddr *)&ss, port);
	if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		int err = errno;

		seterr(e, err);
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static void
close_all(int *fds, int n)
{
	while (n > 0)
		close(fds[--n]);
}

/* One attempt at binding every address; with port 0 the first socket's port is
 * reused for the others so that the listener has one port. A family the host
 * lacks (no IPv6) is skipped; any other failure fails the whole attempt.
 * Returns the count, or -1 with errno. */
static int
listen_addrs(const struct addrinfo *res, int port, int fds[VN_MAXLISTEN],
             struct vn_err *e)
{
	const struct addrinfo *ai;
	int n = 0;

	for (ai = res; ai && n < VN_MAXLISTEN; ai = ai->ai_next) {
		int fd = bind_one(ai, port, e);

		if (fd < 0) {
			if (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)
				continue;
			close_all(fds, n);
			return -1;
		}
		fds[n++] = fd;
		if (port == 0)
			port = vn_local_port(fd);
	}
	if (n == 0) {
		errno = EADDRNOTAVAIL;
		if (!res)
			seterr(e, errno);
		return -1;
	}
	return n;
}

int
vn_listen_tcp(const char *host, int port, int family, int fds[VN_MAXLISTEN],
              struct vn_err *e)
{
	struct addrinfo *res;
	int n, tries = 0;

	if (vn_resolve(host, port, family, SOCK_STREAM, 1, &res, e) < 0)
		return -1;
	/* With port 0 the port the first address got may be taken on another. */
	do
		n = listen_addrs(res, port, fds, e);
	while (n < 0 && errno == EADDRINUSE && port == 0 && ++tries < 16);
	freeaddrinfo(res);
	return n;
}

int
vn_accept(const int *fds, int nfds, int timeout_ms, struct sockaddr_storage *peer)
{
	struct pollfd p[VN_MAXLISTEN];
	int i, r;

	if (nfds <= 0 || nfds > VN_MAXLISTEN) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		for (i = 0; i < nfds; i++) {
			p[i].fd = fds[i];
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		r = vn_poll(p, nfds, timeout_ms);
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		for (i = 0; i < nfds; i++) {
			socklen_t len = sizeof *peer;
			int fd;

			if (p[i].revents & POLLNVAL) {
				errno = EBADF;
				return -1;
			}
			if (!p[i].revents)
				continue;
			fd = accept4(fds[i], (struct sockaddr *)peer, peer ? &len : NULL,
			             SOCK_CLOEXEC);
			if (fd >= 0)
				return fd;
			/* Gone before we took it, or a transient condition: wait
			 * again. Anything else (EMFILE…) is the caller's to report. */
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED && errno != EPROTO && errno != EINTR)
				return -1;
			if (errno == EINTR && vn_sig_pending())
				return -1;
		}
	}
}

int
vn_accept_now(int fd, struct sockaddr_storage *peer)
{
	socklen_t len = sizeof *peer;
	int r;

	do
		r = accept4(fd, (struct sockaddr *)peer, peer ? &len : NULL,
		            SOCK_CLOEXEC | SOCK_NONBLOCK);
	while (r < 0 && errno == EINTR && !vn_sig_pending());
	if (r < 0 && (errno == ECONNABORTED || errno == EPROTO))
		errno = EAGAIN;
	return r;
}

long
vn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int
vn_bind_source(int fd, int af, int socktype, const struct vn_source *src,
               struct vn_err *e)
{
	struct addrinfo *res, *ai;
	int on = 1, r;

	if (!src || (!src->host && src->port == 0))
		return 0;
	if (vn_resolve(src->host ? src->host : "*", src->port, af, socktype, 1, &res,
	               e) < 0) {
		if (e && (e->code == VN_EFAMILY || e->code == VN_ENOHOST) && src->host) {
			struct addrinfo *any;

			/* A name that exists but not in af: the other family's target
			 * is not ours to reach from it. */
			if (vn_resolve(src->host, 0, af & VN_AF_NUMERIC, socktype, 1, &any,
			               NULL) == 0) {
				freeaddrinfo(any);
				seterr(e, VN_ESRCFAMILY);
			}
		}
		errno = EADDRNOTAVAIL;
		return -1;
	}
	if (src->port)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	r = -1;
	for (ai = res; ai && r < 0; ai = ai->ai_next)
		r = bind(fd, ai->ai_addr, ai->ai_addrlen);
	if (r < 0)
		vn_err_fail(e, errno);
	freeaddrinfo(res);
	return r;
}

/* Connect one socket to one address within timeout_ms (-1: the kernel's),
 * bound to src first when there is one. */
static int
connect_one(const struct addrinfo *ai, int numeric, const struct vn_source *src,
            int timeout_ms, struct vn_err *e)
{
	struct pollfd p;
	socklen_t len = sizeof(int);
	int fd, err = 0, r;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            ai->ai_protocol);
	if (fd < 0)
		goto fail;
	if (vn_bind_source(fd, ai->ai_family | numeric, ai->ai_socktype, src, e) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		p.fd = fd;
		p.events = POLLOUT;
		r = vn_poll(&p, 1, timeout_ms);
		if (r < 0)
			goto fail;
		if (r == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			goto fail;
		if (err) {
			errno = err;
			goto fail;
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
fail:
	err = errno;
	seterr(e, err);
	if (fd >= 0)
		close(fd);
	errno = err;
	return -1;
}

int
vn_connect_start(const struct addrinfo *ai, struct vn_err *e)
{
	int fd, err;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            ai->ai_protocol);
	if (fd < 0)
		return vn_err_fail(e, errno);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return vn_err_fail(e, err);
}

int
vn_connect_done(int fd, struct vn_err *e)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (!err)
		return 0;
	errno = err;
	return vn_err_fail(e, err);
}

static int
connect_addrs(const struct addrinfo *list, int numeric, const struct vn_source *src,
              int timeout_ms, struct vn_err *e)
{
	long deadline = timeout_ms >= 0 ? vn_now_ms() + timeout_ms : 0;
	const struct addrinfo *ai;
	int fd = -1;

	seterr(e, VN_ENOADDR);
	for (ai = list; ai; ai = ai->ai_next) {
		int left = -1;

		if (timeout_ms >= 0) {
			left = (int)(deadline - vn_now_ms());
			if (left <= 0) {
				seterr(e, ETIMEDOUT);
				errno = ETIMEDOUT;
				break;
			}
		}
		fd = connect_one(ai, numeric, src, left, e);
		if (fd >= 0 || (errno == EINTR && vn_sig_pending()))
			break;
	}
	return fd;
}

int
vn_connect_addrs(const struct addrinfo *list, int timeout_ms, struct vn_err *e)
{
	return connect_addrs(list, 0, NULL, timeout_ms, e);
}

void
vn_addrs_set_port(struct addrinfo *list, int port)
{
	for (; list; list = list->ai_next)
		set_port(list->ai_addr, port);
}

int
vn_connect_tcp_from(const char *host, int port, int family,
                    const struct vn_source *src, int timeout_ms, struct vn_err *e)
{
	struct addrinfo *res;
	int fd;

	if (vn_resolve_tcp(host, port, family, &res, e) < 0)
		return -1;
	fd = connect_addrs(res, family & VN_AF_NUMERIC, src, timeout_ms, e);
	freeaddrinfo(res);
	return fd;
}

int
vn_connect_tcp(const char *host, int port, int family, int timeout_ms,
               struct vn_err *e)
{
	return vn_connect_tcp_from(host, port, family, NULL, timeout_ms, e);
}

const char *
vn_hostport(char buf[VN_HOSTPORTLEN], const char *host, int port)
{
	int bracket = strchr(host, ':') && host[0] != '[';

	snprintf(buf, VN_HOSTPORTLEN, bracket ? "[%s]:%d" : "%s:%d", host, port);
	return buf;
}

void
vn_addr_host(const struct sockaddr *sa, socklen_t len, char *host, size_t size,
             int *port)
{
	struct sockaddr_in in;
	const struct sockaddr_in6 *in6 = (const void *)sa;

	*port = 0;
	if (size)
		host[0] = '\0';
	if (sa->sa_family == AF_UNIX) {
		vn_unix_format((const void *)sa, len, host, size);
		return;
	}
	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		memset(&in, 0, sizeof in);
		in.sin_family = AF_INET;
		in.sin_port = in6->sin6_port;
		memcpy(&in.sin_addr, &in6->sin6_addr.s6_addr[12], 4);
		sa = (const struct sockaddr *)&in;
		len = sizeof in;
	}
	if (sa->sa_family == AF_INET)
		*port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else if (sa->sa_family == AF_INET6)
		*port = ntohs(in6->sin6_port);
	else
		return;
	if (getnameinfo(sa, len, host, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0 &&
	    size)
		host[0] = '\0';
}

void
vn_addr_format(const struct sockaddr *sa, char buf[VN_ADDRSTRLEN])
{
	char host[VN_ADDRSTRLEN] = "", hp[VN_HOSTPORTLEN];
	int port = 0;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
		snprintf(buf, VN_ADDRSTRLEN, "?");
		return;
	}
	vn_addr_host(sa, sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
	             sizeof(struct sockaddr_in6), host, sizeof host, &port);
	snprintf(buf, VN_ADDRSTRLEN, "%s", vn_hostport(hp, host[0] ? host : "?", port));
}

int
vn_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* Once SIGINT/SIGTERM is pending no call waits any more: it fails with EINTR
 * at once, and one interrupted by another signal is retried. */
static int
interrupted(void)
{
	if (!vn_sig_pending())
		return 0;
	errno = EINTR;
	return 1;
}

#define RETRY(expr) do { r = interrupted() ? -1 : (expr); } \
	while (r < 0 && errno == EINTR && !vn_sig_pending())

ssize_t
vn_recv(int fd, void *buf, size_t n)
{
	ssize_t r;

	RETRY(recv(fd, buf, n, 0));
	if (r < 0 && errno == ENOTSOCK)
		RETRY(read(fd, buf, n));
	return r;
}

ssize_t
vn_send(int fd, const void *buf, size_t n)
{
	ssize_t r;

	RETRY(send(fd, buf, n, MSG_NOSIGNAL));
	if (r < 0 && errno == ENOTSOCK)
		RETRY(write(fd, buf, n));
	return r;
}

ssize_t
vn_read(int fd, void *buf, size_t n)
{
	ssize_t r;

	RETRY(read(fd, buf, n));
	return r;
}

ssize_t
vn_write(int fd, const void *buf, size_t n)
{
	ssize_t r;

	RETRY(write(fd, buf, n));
	return r;
}

ssize_t
vn_sendto(int fd, const void *buf, size_t n, const struct sockaddr *to,
          socklen_t len)
{
	ssize_t r;

	RETRY(sendto(fd, buf, n, MSG_NOSIGNAL, to, len));
	return r;
}

ssize_t
vn_recvfrom(int fd, void *buf, size_t n, struct sockaddr_storage *from,
            socklen_t *len)
{
	ssize_t r;

	RETRY((*len = sizeof *from,
	       recvfrom(fd, buf, n, 0, (struct sockaddr *)from, len)));
	return r;
}

int
vn_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t r = vn_write(fd, p, n);

		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
vn_poll(struct pollfd *p, nfds_t n, int timeout_ms)
{
	long deadline = timeout_ms >= 0 ? vn_now_ms() + timeout_ms : 0;
	int r;

	for (;;) {
		if (interrupted())
			return -1;
		r = poll(p, n, timeout_ms);
		if (r >= 0 || errno != EINTR || vn_sig_pending())
			return r;
		if (timeout_ms >= 0) {
			long left = deadline - vn_now_ms();

			timeout_ms = left > 0 ? (int)left : 0;
		}
	}
}
