/* core/conn.c: a connection, plain or TLS (core/conn.h). Each function makes
 * the choice once, here, so that its callers never do. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "net.h"

void
vn_conn_plain(struct vn_conn *c, int fd)
{
	memset(c, 0, sizeof *c);
	c->fd = fd;
}

int
vn_conn_bare(const struct vn_conn *c)
{
	return !c->tls && !c->refused && !c->tap;
}

int
vn_conn_start_tls(struct vn_conn *c, struct vn_tls_ctx *ctx, const char *host,
                  int handshake, int timeout_ms, struct vn_tls_err *e)
{
	struct vn_tls *t;

	if (c->tls || c->refused) {
		e->code = VN_TLS_CONFIG;
		snprintf(e->msg, sizeof e->msg, "%s", c->tls ? "already speaks TLS" :
		         "a failed TLS upgrade");
		return -1;
	}
	if (!(t = vn_tls_start(ctx, c->fd, host, e))) {
		vn_conn_refuse(c);
		return -1;
	}
	c->tls = t;
	return handshake ? vn_conn_handshake(c, timeout_ms, e) : 0;
}

int
vn_conn_handshake(struct vn_conn *c, int timeout_ms, struct vn_tls_err *e)
{
	if (c->refused) {
		e->code = VN_TLS_CONFIG;
		snprintf(e->msg, sizeof e->msg, "a failed TLS upgrade");
		return -1;
	}
	if (!c->tls || vn_tls_handshake(c->tls, timeout_ms, e) == 0)
		return 0;
	if (e->code != VN_TLS_TIMEOUT || timeout_ms != 0)
		vn_conn_refuse(c);
	return -1;
}

void
vn_conn_refuse(struct vn_conn *c)
{
	/* Never a silent downgrade: the peer expects TLS, and what the
	 * caller sends next must not go out in clear. */
	vn_tls_free(c->tls);
	c->tls = NULL;
	c->refused = 1;
}

/* The bytes a read or write moved (r of them) pass through the tap: r, or
 * -1 with errno when it fails. */
static ssize_t
tapped(struct vn_conn *c, int dir, const void *buf, ssize_t r)
{
	if (r > 0 && c->tap && c->tap->log(c->tap->ctx, dir, buf, (size_t)r) < 0) {
		c->tap_failed = errno ? errno : EIO;
		return -1;
	}
	return r;
}

/* Whether reads and writes must fail (errno set). */
static int
barred(const struct vn_conn *c)
{
	if (c->tap_failed) {
		errno = c->tap_failed;
		return 1;
	}
	if (c->refused) {
		errno = EPROTO;
		return 1;
	}
	return 0;
}

int
vn_conn_handshake_step(struct vn_conn *c, struct vn_tls_err *e)
{
	return c->tls ? vn_tls_handshake_step(c->tls, e) : 0;
}

ssize_t
vn_conn_read(struct vn_conn *c, void *buf, size_t n)
{
	if (barred(c))
		return -1;
	return tapped(c, VN_CONN_RECEIVED, buf,
	              c->tls ? vn_tls_read(c->tls, buf, n) : vn_recv(c->fd, buf, n));
}

ssize_t
vn_conn_write(struct vn_conn *c, const void *buf, size_t n)
{
	if (barred(c))
		return -1;
	return tapped(c, VN_CONN_SENT, buf,
	              c->tls ? vn_tls_write(c->tls, buf, n) : vn_send(c->fd, buf, n));
}

int
vn_conn_flush(struct vn_conn *c)
{
	if (c->tap_failed) {
		errno = c->tap_failed;
		return -1;
	}
	if (c->tap && c->tap->flush && c->tap->flush(c->tap->ctx) < 0) {
		c->tap_failed = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

short
vn_conn_want(const struct vn_conn *c, short dir)
{
	return c->tls ? vn_tls_want(c->tls) : dir;
}

size_t
vn_conn_pending(const struct vn_conn *c)
{
	return c->tls ? vn_tls_pending(c->tls) : 0;
}

int
vn_conn_readable(struct vn_conn *c)
{
	return c->tls ? vn_tls_readable(c->tls) : 1;
}

int
vn_conn_end_said(const struct vn_conn *c)
{
	return c->tls && vn_tls_notified(c->tls);
}

int
vn_conn_shut_write(struct vn_conn *c)
{
	/* A failed close_notify leaves the TCP end to say it. */
	if (c->tls && vn_tls_close_notify(c->tls) < 0 && errno == EAGAIN)
		return -1;
	c->shut = 1;
	return shutdown(c->fd, SHUT_WR) < 0 && errno != ENOTSOCK ? -1 : 0;
}

void
vn_conn_release(struct vn_conn *c)
{
	vn_tls_free(c->tls);
	vn_conn_plain(c, -1);
}

void
vn_conn_end(struct vn_conn *c)
{
	vn_conn_flush(c);   /* its log is whole once it has ended */
	if (c->tls)
		vn_tls_end(c->tls);
	if (c->fd >= 0)
		close(c->fd);
	vn_conn_release(c);
}

const char *
vn_conn_strerror(const struct vn_conn *c, int err)
{
	if (err == EPROTO && c->refused)
		return "the TLS upgrade failed: the connection refuses data";
	return err == EIO && c->tls ? vn_tls_error(c->tls) : strerror(err);
}
