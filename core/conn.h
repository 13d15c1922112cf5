/* core/conn.h: a connection: a stream socket and, when it speaks TLS, its
 * session. Whether it is TLS is decided once, where the connection is made
 * (accept, connect, net.tls); everything after that (the relay, the Lua
 * descriptor table, the tools' messages) reads, writes, waits and ends
 * through these functions and never asks which it is. */
#ifndef VN_CONN_H
#define VN_CONN_H

#include <stddef.h>
#include <sys/types.h>

#include "tls.h"

/* A tap on a connection: sees every byte its reads and writes move, dir 0
 * (VN_CONN_SENT) for what a write sent, 1 (VN_CONN_RECEIVED) for what a read
 * got. The session logs (-o, -x) are one: the relay, the exec modes and a
 * script's net.send/net.recv all pass through it, since they all read and
 * write through vn_conn_read/vn_conn_write. log returns 0, or -1 with errno;
 * flush (or NULL) writes out what log buffered, 0 or -1 with errno. */
enum { VN_CONN_SENT = 0, VN_CONN_RECEIVED = 1 };
struct vn_conn_tap {
	int (*log)(void *ctx, int dir, const char *buf, size_t n);
	int (*flush)(void *ctx);
	void *ctx;
};

struct vn_conn {
	int fd;               /* the socket (or any descriptor), -1 when none */
	struct vn_tls *tls;   /* its TLS session, or NULL: plain */
	/* A proxy tunnel, when there is one, goes here, below tls: it is set
	 * up where the connection is made and read and written as fd is. */
	int refused;          /* a TLS upgrade failed: reads and writes fail */
	int shut;             /* our write side is shut (vn_conn_shut_write) */
	const struct vn_conn_tap *tap;  /* or NULL; not owned */
	int tap_failed;       /* the tap failed: every later read and write fails
	                       * with that errno (and the relay says whose) */
};

/* Whether the descriptor is all there is of the connection (no session and
 * no tap in this process): another program can be given it as the
 * connection. */
int vn_conn_bare(const struct vn_conn *c);

/* A plain connection over fd (which the connection now owns). */
void vn_conn_plain(struct vn_conn *c, int fd);

/* Make c a TLS client (ctx a client context; host names the server unless
 * the context has a servername) or server, and finish the handshake within
 * timeout_ms (-1: no limit; 0 with handshake 0: the first read or write does
 * it). Returns 0, or -1 with *e set; a connection whose upgrade failed is
 * left refusing every read and write (EPROTO), never speaking plain text in
 * place of TLS. */
int vn_conn_start_tls(struct vn_conn *c, struct vn_tls_ctx *ctx, const char *host,
                      int handshake, int timeout_ms, struct vn_tls_err *e);

/* Finish the handshake of a connection made TLS with handshake 0, within
 * timeout_ms (0: only what can be done now, then VN_TLS_TIMEOUT in e->code
 * when it must wait for the socket, either way). Returns 0 (at once for a
 * plain connection or a finished handshake), or -1 with *e set; on a failure
 * other than VN_TLS_TIMEOUT the connection is left refusing, as
 * vn_conn_refuse. */
int vn_conn_handshake(struct vn_conn *c, int timeout_ms, struct vn_tls_err *e);

/* Give up a TLS upgrade (its session is dropped): every read and write of
 * the connection fails with EPROTO from now on. */
void vn_conn_refuse(struct vn_conn *c);

/* One step of the handshake of a connection started with handshake 0, on a
 * non-blocking socket: 0 when done (at once for a plain connection), -1 with
 * errno EAGAIN when it must wait (vn_conn_want(c, POLLIN) says for which
 * event), -1 with errno EIO and *e set when it failed. */
int vn_conn_handshake_step(struct vn_conn *c, struct vn_tls_err *e);

/* read(2)/write(2) of the connection's data, as the descriptor's blocking
 * mode says: -1 with errno EAGAIN when it must wait (vn_conn_want says for
 * which event), 0 from read at the peer's end. A write on a socket never
 * raises SIGPIPE. Failures: -1 with errno (EPIPE or ECONNRESET when the peer
 * has gone, EIO for a TLS failure whose text vn_conn_strerror gives, EPROTO
 * after a failed upgrade). A TLS write that waited must be retried with the
 * same bytes. */
ssize_t vn_conn_read(struct vn_conn *c, void *buf, size_t n);
/* (With a tap, the bytes moved pass through it: when it fails, the call
 * returns -1 with its errno, after the bytes moved, and c->tap_failed.) */
ssize_t vn_conn_write(struct vn_conn *c, const void *buf, size_t n);

/* POLLIN or POLLOUT: what the last read or write that returned EAGAIN waits
 * for. A plain connection waits for the direction's own event (dir is POLLIN
 * for a read, POLLOUT for a write); TLS may need the other one. */
short vn_conn_want(const struct vn_conn *c, short dir);

/* Bytes the connection holds for the next read, which poll(2) cannot see. */
size_t vn_conn_pending(const struct vn_conn *c);

/* After poll said POLLIN: whether the next read has data or the end to give
 * (1), or only consumed records that carried no data, a TLS 1.3 session
 * ticket for one, and would say EAGAIN (0). Never waits. */
int vn_conn_readable(struct vn_conn *c);

/* Whether the peer's end, which a read returned, was said in band (a TLS
 * close_notify), not merely the socket's end: a peer that then refuses our
 * data ended its side first. Plain: 0. */
int vn_conn_end_said(const struct vn_conn *c);

/* With a tap, write out what it buffered (a relay does so before it waits,
 * a script's net.poll too). 0, or -1 with errno (the tap failed). */
int vn_conn_flush(struct vn_conn *c);

/* End our sending side: a close_notify for TLS, then shutdown(SHUT_WR); the
 * peer's data can still be read. 0, or -1 with errno (EAGAIN: call again when
 * vn_conn_want's event comes). */
int vn_conn_shut_write(struct vn_conn *c);

/* End the connection: a TLS session says close_notify if the socket takes it
 * now and drops what the peer has sent (a socket closed with unread data
 * resets the connection, which could destroy our last bytes before the peer
 * read them); then the descriptor is closed. c is then empty (fd -1). */
void vn_conn_end(struct vn_conn *c);

/* Free the session and forget the descriptor without closing it. */
void vn_conn_release(struct vn_conn *c);

/* The text of a failure of c with errno err: libtls's reason for EIO on a
 * TLS connection, strerror(err) otherwise. The one place an error's text is
 * made for a connection. */
const char *vn_conn_strerror(const struct vn_conn *c, int err);

#endif
