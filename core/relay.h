/* core/relay.h: move bytes both ways between stdin/stdout and a socket. */
#ifndef VN_RELAY_H
#define VN_RELAY_H

struct vn_relay_opts {
	int idle_timeout_ms;   /* -1: none; otherwise end after this long without data */
};

/* Relay in_fd -> sock and sock -> out_fd until both directions end: at end of
 * in_fd the socket's write side is shut down; the relay ends when the socket
 * reaches end of stream and in_fd has ended (or out_fd is gone). Returns 0, or -1
 * with errno (ETIMEDOUT for the idle timeout, EINTR for SIGINT/SIGTERM). */
int vn_relay(int in_fd, int out_fd, int sock, const struct vn_relay_opts *o);

#endif
