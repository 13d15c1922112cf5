/* core/net.h: TCP sockets and descriptor I/O for vlcnet. No Lua here. */
#ifndef VN_NET_H
#define VN_NET_H

#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define VN_MAXLISTEN 16   /* sockets one listener may bind (one per address) */
#define VN_ADDRSTRLEN 64  /* "[v6 address%scope]:65535" fits */

/* Why a core call failed, as text ready to follow "…: ". */
struct vn_err { char msg[256]; };

/* Parse a decimal port 0..65535 made only of digits. Returns the port or -1. */
int vn_port_parse(const char *s);

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

/* Connect to HOST:PORT trying every resolved address in turn, each bounded by
 * timeout_ms (-1: the kernel's). Returns a blocking descriptor, or -1 with *e set
 * to the last reason. */
int vn_connect_tcp(const char *host, int port, int family, int timeout_ms,
                   struct vn_err *e);

/* The loop behind vn_connect_tcp: each address of LIST in turn, all within
 * timeout_ms. */
struct addrinfo;
int vn_connect_addrs(const struct addrinfo *list, int timeout_ms, struct vn_err *e);

/* "127.0.0.1:80" or "[::1]:80". */
void vn_addr_format(const struct sockaddr *sa, char buf[VN_ADDRSTRLEN]);
/* The local port a socket is bound to, or -1. */
int vn_local_port(int fd);

/* One recv/send/read/write, retried on EINTR unless SIGINT/SIGTERM is pending.
 * send uses MSG_NOSIGNAL and falls back to write(2) for non-sockets. */
ssize_t vn_recv(int fd, void *buf, size_t n);
ssize_t vn_send(int fd, const void *buf, size_t n);
ssize_t vn_read(int fd, void *buf, size_t n);
ssize_t vn_write(int fd, const void *buf, size_t n);
/* Write all of buf; returns 0 or -1 with errno. */
int vn_write_all(int fd, const void *buf, size_t n);

/* Milliseconds of a monotonic clock, for deadlines. */
long vn_now_ms(void);

/* poll(2) that keeps waiting across unrelated signals but returns -1/EINTR once
 * SIGINT or SIGTERM is pending; timeout_ms -1 waits forever. */
int vn_poll(struct pollfd *p, nfds_t n, int timeout_ms);

#endif
