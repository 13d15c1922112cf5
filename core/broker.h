/* core/broker.h: a connection broker (ncat --broker): everything one client
 * sends goes to every other client; with chat, ncat's --chat conventions. */
#ifndef VN_BROKER_H
#define VN_BROKER_H

#include "acl.h"
#include "tls.h"

/* What one client may have waiting to be sent to it: past this, it is
 * dropped at once (a client that never reads must not grow the process). */
#define VN_BROKER_QUEUE_MAX (1024 * 1024)
/* While a client has this much waiting, nobody is read (the clients, the
 * listener's stdin): everyone goes at the pace of the slowest reader, as
 * over one TCP connection... */
#define VN_BROKER_QUEUE_HIGH (256 * 1024)
/* ...unless that client takes none of it for this long: it is dropped and
 * the others go on. */
#define VN_BROKER_STALL_MS 5000

struct vn_broker_opts {
	int chat;              /* "<userN> " prefixes, escapes, join/leave notices */
	int max_clients;       /* more are accepted and closed at once */
	int idle_timeout_ms;   /* drop a client nothing moved to or from this
	                        * long; -1: never */
	int handshake_ms;      /* TLS: drop a client whose handshake takes longer */
	int in_fd;             /* read while clients are there and sent to all of
	                        * them (chat: as <user0>); -1: none */
	const char *unix_name; /* -U: the socket's path names every client */
	const struct vn_acl *acl;   /* --allow/--deny, or NULL */
	struct vn_tls_ctx *tls;     /* a server context, or NULL: plain */
	int verbose;           /* say who comes, is refused, leaves (with a byte
	                        * summary) and is dropped, on stderr */
};

/* Accept clients on the n listening sockets fds and serve them all at once
 * from one poll loop, until SIGINT/SIGTERM: the bytes a client sends are
 * queued for every other client (each socket non-blocking, written when
 * poll says so). A slow reader slows the senders down (VN_BROKER_QUEUE_HIGH);
 * one that does not read is dropped (VN_BROKER_STALL_MS, VN_BROKER_QUEUE_MAX),
 * so it holds up the others for VN_BROKER_STALL_MS at most. A client that
 * ends its side leaves once what was queued for it is sent. Nothing is
 * written to standard output. Out of descriptors, accepting pauses a
 * second and the clients go on. Returns -1 with errno: EINTR after a
 * signal, or the failure of poll. */
int vn_broker(const int *fds, int n, const struct vn_broker_opts *o);

#endif
