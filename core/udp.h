/* core/udp.h: UDP sockets, and datagram I/O for UDP and Unix datagram sockets.
 * No Lua here. */
#ifndef VN_UDP_H
#define VN_UDP_H

#include <sys/socket.h>
#include <sys/types.h>

#include "net.h"

#define VN_UDP_MAX 65507  /* the largest UDP payload over IPv4 */

/* A blocking, close-on-exec UDP socket bound to HOST:PORT (the first resolved
 * address that binds) for FAMILY (AF_UNSPEC, AF_INET, AF_INET6). The wildcard
 * ("*", "" or NULL) with AF_UNSPEC is one IPv6 socket that also takes IPv4
 * (an IPv4 one where the host has no IPv6); every other IPv6 socket is IPv6
 * only (IPV6_V6ONLY), as the TCP listeners are. Port 0 picks one. Returns the
 * descriptor, or -1 with errno and *e set. */
int vn_udp_bind(const char *host, int port, int family, struct vn_err *e);

/* A blocking, close-on-exec UDP socket connected to HOST:PORT (the first
 * resolved address that connects); send/recv on it move whole datagrams.
 * Returns it, or -1 with errno and *e set. */
int vn_udp_connect(const char *host, int port, int family, struct vn_err *e);
/* The same from src (--source, --source-port), bound before it connects. */
int vn_udp_connect_from(const char *host, int port, int family,
                        const struct vn_source *src, struct vn_err *e);

/* The address of HOST:PORT that socket fd can send to: of its family, an IPv4
 * one mapped when fd is a dual-stack IPv6 socket. On a Unix socket HOST is the
 * peer's path or @name (as vn_addr_host gives it) and PORT is ignored.
 * Returns 0, or -1 with errno and *e set. */
int vn_udp_dest(int fd, const char *host, int port, struct sockaddr_storage *to,
                socklen_t *len, struct vn_err *e);

#endif
