/* core/tls_relay.h: the relay of core/relay.h, over a TLS session. */
#ifndef VN_TLS_RELAY_H
#define VN_TLS_RELAY_H

#include "relay.h"
#include "tls.h"

/* Relay in_fd -> t and t -> out_fd at once until both directions end, as
 * vn_relay does with a socket, with the same options and results: at the end
 * of in_fd (at once if in_fd is -1) a close_notify goes out and the socket's
 * write side is shut down; the relay ends when, besides, the peer has ended
 * its side and everything from it is written out, or when in_end_ms /
 * peer_end_ms has passed since one of the two ends. in_fd and out_fd may be
 * anything that reads and writes (a terminal, pipes, files, one end of a
 * socketpair); in_fd is read only when poll says so. When out_fd is a socket
 * (the end of a socketpair whose other end is a program's stdin and stdout;
 * in_fd may then be out_fd) its write side is shut down at the peer's end, so
 * that the program sees its input end. The session's socket is
 * non-blocking during the relay only. Constant memory: two buffers.
 *
 * Returns 0 (also when out_fd's reader went away), or -1 with errno and
 * o->failed; for VN_RELAY_NET, vn_tls_error(t) says why when errno is EIO. */
int vn_tls_relay(int in_fd, int out_fd, struct vn_tls *t, struct vn_relay_opts *o);

#endif
