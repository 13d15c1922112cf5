/* core/dgram.h: the datagram relay of both tools (-u), the one relay engine
 * with a datagram endpoint: stdin to a UDP or Unix
 * datagram socket one read at a time, each datagram received to stdout. */
#ifndef VN_DGRAM_H
#define VN_DGRAM_H

#include <sys/socket.h>

#include "net.h"
#include "relay.h"

#define VN_DGRAM_ADDRLEN 112  /* an IP address and port, or a Unix path */

struct vn_dgram_opts {
	int any_peer;          /* a listener with -k: answer whoever sent last,
	                        * never fix on one peer */
	/* Called once with the address of each new peer (a listener's, the
	 * last 64 remembered), e.g. for -v. */
	void (*on_peer)(const char *addr, void *ctx);
	void *ctx;
};

/* Relay datagrams between in_fd/out_fd and sock with the one relay engine
 * (vn_relay, whose ro gives the idle timeout, in_end_ms, and gets the
 * outcome and the byte counters; see its dgram field). Each read(2) of in_fd
 * (at most VN_UDP_MAX bytes) is sent as one datagram; each datagram received
 * is written whole to out_fd. A connected sock (vlcnet-connect -u) sends to
 * its peer. An unconnected one (a listener) first waits for a datagram, reads
 * nothing of in_fd until then, and answers the sender: unless any_peer, it is
 * connected to that first peer, which is then the only one heard (as nc -u -l
 * does). sock stays open. Returns as vn_relay does. */
int vn_dgram_relay(int sock, int in_fd, int out_fd, const struct vn_dgram_opts *o,
                   struct vn_relay_opts *ro);

/* "127.0.0.1:53", "[::1]:53", "/run/x.sock", "@name" or "unnamed" for the
 * address of a datagram's sender. */
void vn_dgram_addr(const struct sockaddr *sa, socklen_t len,
                   char buf[VN_DGRAM_ADDRLEN]);

#endif
