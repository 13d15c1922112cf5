/* core/net.h: TCP sockets and descriptor I/O for vlcnet. No Lua here. */
#ifndef VN_NET_H
#define VN_NET_H

#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define VN_MAXLISTEN 16   /* sockets one listener may bind (one per address) */
#define VN_ADDRSTRLEN 64  /* "[v6 address%scope]:65535" fits */
#define VN_HOSTPORTLEN 1100 /* any host name a resolver takes, and ":65535" */

/* Why a core call failed: code is an errno value (> 0), or one of these
 * outcomes of resolving a name (< 0). Callers branch on the code; the text is
 * made by vn_err_str where the failure is reported. */
enum {
	VN_ENOHOST = -1,   /* the name does not exist: "unknown host" */
	VN_EFAMILY = -2,   /* it has no address of the family asked (-4/-6) */
	VN_ERESOLVE = -3,  /* the resolver failed otherwise (gai: its EAI_ code) */
	VN_ENOADDR = -4,   /* nothing to connect to: no host, an empty list */
	VN_ENOHOSTARG = -5, /* an empty host where one is needed (sendto) */
	VN_ENOV4 = -6,     /* the host has no IPv4 address (an IPv4 socket) */
	VN_ENOV6 = -7,     /* the host has no IPv6 address (an IPv6 socket) */
	VN_EPATHLEN = -8,  /* a Unix socket path longer than sun_path takes */
	VN_EPATHEMPTY = -9, /* an empty Unix socket path */
	VN_ENOTSOCKFILE = -10, /* the path is a file, but not a socket */
	VN_EBADADDR = -11, /* --allow/--deny: not an IP address */
	VN_EBADPREFIX = -12, /* --allow/--deny: a /PREFIX too long or not a number */
	VN_ENAMEPREFIX = -13, /* --allow/--deny: a /PREFIX after a host name */
	VN_ENOTNUMERIC = -14, /* -n: a name where a numeric address is needed */
	VN_ESRCFAMILY = -15, /* no address of the source's family to connect to */
};

/* OR'ed into a family argument (-n, --numeric): every host must be a numeric
 * address and no resolver is asked (AI_NUMERICHOST). */
#define VN_AF_NUMERIC 0x10000

/* Where a connection starts from (--source, --source-port): host NULL and port
 * 0 let the kernel choose. */
struct vn_source { const char *host; int port; };
struct vn_err { int code; int gai; };

/* The message for e, ready to follow "…: ". */
const char *vn_err_str(const struct vn_err *e);
/* Set *e (when not NULL) to code and return -1, with errno as it was. */
int vn_err_fail(struct vn_err *e, int code);
/* Whether e holds for every port of the host: a resolver failure, an
 * unreachable host or network. */
int vn_err_host_wide(const struct vn_err *e);

/* Parse a decimal port 0..65535 made only of digits. Returns the port or -1. */
int vn_port_parse(const char *s);
/* Parse SECS, a number of seconds with an optional fraction ("0.5", at most
 * 2000000). Returns milliseconds (at least 1 unless SECS is 0), or -1. */
int vn_secs_parse(const char *s);

/* getaddrinfo for HOST:PORT and SOCKTYPE (SOCK_STREAM, SOCK_DGRAM); "*", ""
 * or NULL are the wildcard when passive, localhost otherwise. The port is
 * numeric. Returns 0 with *res to freeaddrinfo, or -1 with *e set. */
struct addrinfo;
int vn_resolve(const char *host, int port, int family, int socktype, int passive,
               struct addrinfo **res, struct vn_err *e);

/* Bind and listen on every address HOST resolves to ("*", "" or NULL: all local
 * addresses) for FAMILY (AF_UNSPEC, AF_INET or AF_INET6). With port 0 every socket
 * gets the same kernel-chosen port. Fills fds[] (non-blocking, close-on-exec).
 * Returns how many sockets were bound, or -1 with *e set. */
int vn_listen_tcp(const char *host, int port, int family, int fds[VN_MAXLISTEN],
                  struct vn_err *e);

/* Wait up to timeout_ms (-1: forever) for a connection on any of fds[] and accept
 * it. Returns a blocking, close-on-exec descriptor; -1 with errno otherwise
 * (ETIMEDOUT, or EINTR when SIGINT/SIGTERM arrived). peer may be NULL. */
int vn_accept(const int *fds, int nfds, int timeout_ms,
              struct sockaddr_storage *peer);

/* One accept on a non-blocking listening fd, without waiting: a
 * non-blocking, close-on-exec descriptor, or -1 with errno (EAGAIN when no
 * connection is pending; a connection gone before it was taken is EAGAIN too). */
int vn_accept_now(int fd, struct sockaddr_storage *peer);

/* Connect to HOST:PORT trying every resolved address in turn, each bounded by
 * timeout_ms (-1: the kernel's). Returns a blocking descriptor, or -1 with *e set
 * to the last reason. */
int vn_connect_tcp(const char *host, int port, int family, int timeout_ms,
                   struct vn_err *e);

/* vn_connect_tcp from src (NULL: anywhere): each socket is bound to the
 * first address of src's host of the target address's family before it
 * connects. */
struct vn_source;
int vn_connect_tcp_from(const char *host, int port, int family,
                        const struct vn_source *src, int timeout_ms, struct vn_err *e);
/* Bind fd (a socket of family af) to src; 0, or -1 with *e set. */
int vn_bind_source(int fd, int af, int socktype, const struct vn_source *src,
                   struct vn_err *e);

/* The two halves of vn_connect_tcp, for a caller that connects to one host
 * again and again (a port scan): resolve HOST once (free the list with
 * freeaddrinfo), set the port of every address, and connect to each address
 * of LIST in turn, all within timeout_ms. */
struct addrinfo;
int vn_resolve_tcp(const char *host, int port, int family, struct addrinfo **res,
                   struct vn_err *e);
void vn_addrs_set_port(struct addrinfo *list, int port);
int vn_connect_addrs(const struct addrinfo *list, int timeout_ms, struct vn_err *e);

/* A connect that does not wait, for an event loop: start connecting to
 * one address (a non-blocking descriptor, or -1 with *e set); when it is
 * writable, vn_connect_done says 0 (connected), or -1 with *e and errno. */
int vn_connect_start(const struct addrinfo *ai, struct vn_err *e);
int vn_connect_done(int fd, struct vn_err *e);

/* "127.0.0.1:80" or "[::1]:80": HOST as given (an IPv6 literal bracketed, once)
 * and PORT, for every message that names an address. Returns buf. */
const char *vn_hostport(char buf[VN_HOSTPORTLEN], const char *host, int port);
/* The numeric host ("127.0.0.1", "::1"; an IPv4-mapped address as IPv4; a Unix
 * address as its path, "@name", or "" unnamed) and port (0 for Unix) of sa, of
 * length len: the one way every tool and net.recvfrom name a peer. */
void vn_addr_host(const struct sockaddr *sa, socklen_t len, char *host,
                  size_t size, int *port);
/* vn_hostport of an AF_INET or AF_INET6 socket address, its host as
 * vn_addr_host gives it ("?" for another family). */
void vn_addr_format(const struct sockaddr *sa, char buf[VN_ADDRSTRLEN]);
/* The local port a socket is bound to (0 for one that has none: a Unix
 * socket), or -1 with errno when fd is not a socket. */
int vn_local_port(int fd);

/* One recv/send/read/write, retried on EINTR unless SIGINT/SIGTERM is pending.
 * send uses MSG_NOSIGNAL and falls back to write(2) for non-sockets. */
ssize_t vn_recv(int fd, void *buf, size_t n);
ssize_t vn_send(int fd, const void *buf, size_t n);
ssize_t vn_read(int fd, void *buf, size_t n);
ssize_t vn_write(int fd, const void *buf, size_t n);
/* One sendto/recvfrom, retried on EINTR unless SIGINT/SIGTERM is pending (as
 * vn_send/vn_recv). recvfrom truncates a datagram longer than n, as recvfrom(2)
 * does, and fills from and len. */
ssize_t vn_sendto(int fd, const void *buf, size_t n, const struct sockaddr *to,
                  socklen_t len);
ssize_t vn_recvfrom(int fd, void *buf, size_t n, struct sockaddr_storage *from,
                    socklen_t *len);
/* Write all of buf; returns 0 or -1 with errno. */
int vn_write_all(int fd, const void *buf, size_t n);

/* Milliseconds of a monotonic clock, for deadlines. */
long vn_now_ms(void);

/* poll(2) that keeps waiting across unrelated signals but returns -1/EINTR once
 * SIGINT or SIGTERM is pending; timeout_ms -1 waits forever. */
int vn_poll(struct pollfd *p, nfds_t n, int timeout_ms);

#endif
