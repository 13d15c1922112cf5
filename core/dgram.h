/* core/dgram.h: the datagram relay of both tools (-u): stdin to a UDP or Unix
 * datagram socket one read at a time, each datagram received to stdout. */
#ifndef VN_DGRAM_H
#define VN_DGRAM_H

#include <sys/socket.h>

#include "net.h"
#include "relay.h"

#define VN_DGRAM_ADDRLEN 112  /* an IP address and port, or a Unix path */

struct vn_dgram_opts {
	int idle_timeout_ms;   /* -1: none; otherwise end after this long without data */
	int in_end_ms;         /* once in_fd has ended: -1 go on until the idle
	                        * timeout or a signal; otherwise end that much later */
	int any_peer;          /* a listener with -k: answer whoever sent last,
	                        * never fix on one peer */
	/* Called once with the address of each new peer (a listener's, the
	 * last 64 remembered), e.g. for -v. */
	void (*on_peer)(const char *addr, void *ctx);
	void *ctx;
	/* Set by vn_dgram_relay: */
	int failed;            /* after -1: VN_RELAY_IN/OUT/NET, or 0 (timeout, signal) */
	int out_closed;        /* out_fd's reader went away (EPIPE) */
	unsigned long long sent, received;   /* datagrams */
	unsigned long long bytes_sent, bytes_received;
	long elapsed_ms;       /* how long the relay took */
};

/* Relay datagrams between in_fd/out_fd and sock. Each read(2) of in_fd (at most
 * VN_UDP_MAX bytes) is sent as one datagram; each datagram received is written
 * whole to out_fd. A connected sock (vlcnet-connect -u) sends to its peer. An
 * unconnected one (a listener) first waits for a datagram, reads nothing of
 * in_fd until then, and answers the sender: unless any_peer, it is connected to
 * that first peer, which is then the only one heard (as nc -u -l does).
 * UDP has no end of stream: the relay ends at end of in_fd (see in_end_ms),
 * after the idle timeout, at a signal, or when out_fd's reader has gone.
 * SIGPIPE must be ignored (vn_sig_init does).
 *
 * Returns 0 (end of in_fd, EPIPE on out_fd), or -1 with errno and o->failed
 * (ETIMEDOUT for the idle timeout, EINTR for SIGINT/SIGTERM). */
int vn_dgram_relay(int in_fd, int out_fd, int sock, struct vn_dgram_opts *o);

/* "N bytes sent, M bytes received in T seconds" after a relay, as
 * vn_relay_summary says it for a stream. Returns buf. */
const char *vn_dgram_summary(const struct vn_dgram_opts *o, char buf[VN_SUMMARYLEN]);

/* "127.0.0.1:53", "[::1]:53", "/run/x.sock", "@name" or "unnamed" for the
 * address of a datagram's sender. */
void vn_dgram_addr(const struct sockaddr *sa, socklen_t len,
                   char buf[VN_DGRAM_ADDRLEN]);

#endif
