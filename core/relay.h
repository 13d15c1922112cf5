/* core/relay.h: the one relay engine: bytes both ways between a connection
 * (a stream, or a datagram socket through core/dgram.c) and a pair of
 * descriptors (stdin/stdout, or a program's socketpair). */
#ifndef VN_RELAY_H
#define VN_RELAY_H

#include <stddef.h>
#include <sys/types.h>

#include "conn.h"

/* Which end of a relay failed (VN_RELAY_TAP: the connection's tap, a session
 * log; the relay flushes it before each wait and at its end, so that the log
 * is current while the session idles). */
enum { VN_RELAY_IN = 1, VN_RELAY_OUT, VN_RELAY_NET, VN_RELAY_TAP };

/* The two directions: to the connection, and from it. */
enum { VN_RELAY_SEND = 0, VN_RELAY_RECV = 1 };

#define VN_SUMMARYLEN 96

/* A stream transform of one direction: the n bytes at in become what it
 * returns at out, which has room for 2 * n. Its state lives in ctx (a line
 * end split across two reads, say). */
typedef size_t (*vn_relay_xform)(void *ctx, const char *in, size_t n, char *out);

/* A datagram endpoint (core/dgram.c): the connection is a datagram socket,
 * reached through these calls, each of which returns at once (-1 with errno
 * EAGAIN when it would wait for the socket's POLLIN or POLLOUT). */
struct vn_relay_dgram {
	void *ctx;
	size_t max;          /* the largest datagram: one read of in_fd */
	/* 1 once there is someone to send to (a listener's first peer):
	 * until then in_fd is not read. */
	int (*ready)(void *ctx);
	/* One datagram into buf (n bytes of room, 1 MiB: more than the
	 * largest a Unix socket takes by default, 208 KiB): its length, 0
	 * for an empty one, never the end. */
	ssize_t (*recv)(void *ctx, void *buf, size_t n);
	/* buf[0, n) as one datagram: n, or -1 with errno. */
	ssize_t (*send)(void *ctx, const void *buf, size_t n);
};

struct vn_relay_opts {
	int idle_timeout_ms;   /* -1: none; otherwise end after this long without data */
	int in_end_ms;         /* once in_fd has ended, wait at most this long for
	                        * the peer's end; -1: as long as it takes */
	int peer_end_ms;       /* once the peer's end is written out, wait at most
	                        * this long for in_fd's end; -1: as long as it takes */
	int shut_out;          /* out_fd is a socket whose write side is shut at
	                        * the peer's end (a program's socketpair) */
	int send_only;         /* the peer's data is read and dropped; the relay
	                        * ends when in_fd has ended and is sent */
	int recv_only;         /* in_fd is never read; the relay ends with the peer */
	vn_relay_xform xform[2];  /* per direction, or NULL */
	void *xform_ctx[2];
	int interval_ms;       /* > 0: in_fd's bytes go out a line at a time
	                        * (up to and with an LF, or what one read
	                        * gave), this long apart; the other direction
	                        * moves meanwhile */
	/* Or NULL: a stream. Datagrams: one read of in_fd is one datagram,
	 * each datagram is written whole to out_fd; the peer never ends, so
	 * the relay ends in_end_ms after in_fd's end, at the idle timeout, at a
	 * signal or when out_fd's reader has gone. Nothing is shut. */
	const struct vn_relay_dgram *dgram;
	/* Set by vn_relay: */
	int failed;            /* after -1: VN_RELAY_IN/OUT/NET/TAP, or 0 (timeout, signal) */
	int in_ended;          /* in_fd reached its end: pass -1 to the next relay */
	int out_closed;        /* out_fd's reader went away (EPIPE) */
	unsigned long long sent;      /* bytes that went into the connection */
	unsigned long long received;  /* bytes from the connection (written out,
	                               * or dropped under send_only) */
	long elapsed_ms;       /* how long the relay took */
};

/* Relay in_fd -> c and c -> out_fd at once until both directions end: at the
 * end of in_fd (at once if in_fd is -1) c's write side is shut (a TLS
 * close_notify, then shutdown); the relay ends when, besides, the peer has
 * ended its side and everything from it is written out, or when in_end_ms /
 * peer_end_ms has passed since one of the two ends. c is plain or TLS; in_fd
 * and out_fd may be anything that reads and writes (a terminal, pipes, files,
 * one end of a socketpair; in_fd may be out_fd). Binary-safe and in constant
 * memory. Bytes move without a copy through the process (splice, sendfile)
 * where both ends allow it and no transform or tap is set. A socket among the
 * ends is never waited on in a write, and in_fd is read only when poll says
 * so: a stalled direction never holds up the other. c's socket is
 * non-blocking during the relay only; in_fd and out_fd are used as they are
 * (pipes among them may be enlarged). SIGPIPE must be ignored (vn_sig_init
 * does). TCP urgent data is not relayed: the urgent byte is dropped and every
 * ordinary byte around it arrives.
 *
 * The outcome, the same over TLS and plain: 0 at the end, also when out_fd's
 * reader went away (EPIPE: o->out_closed) or when the peer, after ending its
 * side, refuses the rest of in_fd (EPIPE, ECONNRESET); otherwise -1 with errno
 * and o->failed (ETIMEDOUT for the idle timeout, EINTR for SIGINT/SIGTERM). */
int vn_relay(struct vn_conn *c, int in_fd, int out_fd, struct vn_relay_opts *o);

/* The text of a relay's failure with errno err (vn_conn_strerror for the
 * connection's, strerror for the others). */
const char *vn_relay_strerror(const struct vn_relay_opts *o, const struct vn_conn *c,
                              int err);

/* The end-of-session rule of both tools: a relay ends once both sides have
 * ended; quit_ms >= 0 (-q SECS) ends it that long after either has; and once
 * the peer has ended, a terminal on in_fd (which ends only when someone types
 * ^D) is not waited for, as nc -l does not. Sets in_end_ms and peer_end_ms. */
void vn_relay_set_ends(struct vn_relay_opts *o, int in_fd, int quit_ms);

/* What to name in the message about a failed relay: "standard input",
 * "standard output", or peer (the socket's end). */
const char *vn_relay_where(const struct vn_relay_opts *o, const char *peer);
/* ("the session log" for the tap's failure.) */

/* "N bytes sent, M bytes received in T seconds", after a relay. Returns buf. */
const char *vn_relay_summary(const struct vn_relay_opts *o, char buf[VN_SUMMARYLEN]);


#endif
