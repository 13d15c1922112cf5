/* core/relay.h: move bytes both ways between stdin/stdout and a socket. */
#ifndef VN_RELAY_H
#define VN_RELAY_H

/* Which end of a relay failed. */
enum { VN_RELAY_IN = 1, VN_RELAY_OUT, VN_RELAY_NET };

#define VN_SUMMARYLEN 96

struct vn_relay_opts {
	int idle_timeout_ms;   /* -1: none; otherwise end after this long without data */
	int in_end_ms;         /* once in_fd has ended, wait at most this long for
	                        * the peer's end; -1: as long as it takes */
	int peer_end_ms;       /* once the peer's end is written out, wait at most
	                        * this long for in_fd's end; -1: as long as it takes */
	/* Set by vn_relay: */
	int failed;            /* after -1: VN_RELAY_IN/OUT/NET, or 0 (timeout, signal) */
	int in_ended;          /* in_fd reached its end: pass -1 to the next relay */
	int out_closed;        /* out_fd's reader went away (EPIPE) */
	unsigned long long sent;      /* bytes that went into the socket */
	unsigned long long received;  /* bytes from the socket written to out_fd */
	long elapsed_ms;       /* how long the relay took */
};

/* Relay in_fd -> sock and sock -> out_fd at once until both directions end: at
 * the end of in_fd (at once if in_fd is -1) the socket's write side is shut down;
 * the relay ends when, besides, the socket has reached its end and everything
 * read from it is written out, or when in_end_ms / peer_end_ms has passed since
 * one of the two ends. Binary-safe and in constant memory; what comes
 * from the socket is spliced (splice(2)) wherever the kernel takes it. in_fd and
 * out_fd are used as they are (never made non-blocking; pipes among them may be
 * enlarged); sock is non-blocking during the relay only. SIGPIPE must be ignored
 * (vn_sig_init does). TCP urgent data is not relayed: the urgent byte is dropped
 * (the socket is not SO_OOBINLINE) and every ordinary byte around it arrives.
 *
 * Returns 0, also when out_fd's reader went away (EPIPE) or when the peer, after
 * closing its side, refuses the rest of in_fd; or -1 with errno and o->failed
 * (ETIMEDOUT for the idle timeout, EINTR for SIGINT/SIGTERM). */
int vn_relay(int in_fd, int out_fd, int sock, struct vn_relay_opts *o);

/* The end-of-session rule of both tools: a relay ends once both sides have
 * ended; quit_ms >= 0 (-q SECS) ends it that long after either has; and once
 * the peer has ended, a terminal on in_fd (which ends only when someone types
 * ^D) is not waited for, as nc -l does not. Sets in_end_ms and peer_end_ms. */
void vn_relay_set_ends(struct vn_relay_opts *o, int in_fd, int quit_ms);

/* What to name in the message about a failed relay: "standard input",
 * "standard output", or peer (the socket's end). */
const char *vn_relay_where(const struct vn_relay_opts *o, const char *peer);

/* "N bytes sent, M bytes received in T seconds", after a relay. Returns buf. */
const char *vn_relay_summary(const struct vn_relay_opts *o, char buf[VN_SUMMARYLEN]);

/* Clear what a relay reports (failed, ends, counts, time) before it starts;
 * the plain and the TLS relay both begin so. */
void vn_relay_clear(struct vn_relay_opts *o);

/* When a relay ends although a direction is still open: the earlier of the
 * idle deadline and the one after one end (each -1: none). */
long vn_relay_deadline(long idle_at, long end_at);

#endif
