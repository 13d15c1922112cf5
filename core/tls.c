/* core/tls.c: the libtls binding. libtls does the protocol and the
 * verification; this file configures it from struct vn_tls_opts, runs
 * handshakes within a time limit, and turns its results into errno-style
 * returns that the relay and the Lua binding share.
 *
 * libtls has no call that says whether decrypted bytes wait inside the
 * session (OpenSSL's SSL_pending), and poll(2) cannot see them. So a read
 * smaller than a whole record goes through a buffer of ours, one record
 * large: what it holds is vn_tls_pending. A read of a record or more goes
 * straight into the caller's buffer, and then nothing is left behind, since
 * OpenSSL takes one record at a time from what libtls's read callback gives.
 *
 * That callback is ours: OpenSSL asks for a record's 5-byte header, then for
 * its body, two reads per record; the callback reads up to IBUF bytes from the
 * socket at once and hands them out, a quarter of the system calls. Bytes it
 * holds are not seen by poll(2) either, and count as pending: when they are
 * only part of a record, a read after poll says "wait" (EAGAIN), as a
 * non-blocking socket may. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <tls.h>

#include "net.h"
#include "tls.h"

#define RECORD (16 * 1024)   /* the largest plaintext of one TLS record */
#define IBUF (64 * 1024)     /* socket bytes read at once */

struct vn_tls_ctx {
	int server;
	struct tls_config *cfg;
	struct tls *srv;         /* server: the context sessions are accepted from */
	char *servername;        /* client: from the options, or NULL */
};

struct vn_tls {
	struct tls *tls;
	int fd;
	short want;              /* POLLIN/POLLOUT after EAGAIN */
	char *rbuf;              /* reads smaller than a record: rbuf[roff, rlen) */
	size_t roff, rlen;
	char *ibuf;              /* from the socket, for libtls: ibuf[ioff, ilen) */
	size_t ioff, ilen;
	int eof;                 /* the socket has reached its end */
	int io_err;              /* errno of the socket call that failed under
	                          * libtls (which may clobber errno itself) */
	int sock_err;            /* the first such errno of the session but
	                          * EINTR: the session is over */
	int nowait;              /* vn_tls_readable: never wait, even when
	                          * the socket is blocking */
	int werr;                /* the socket refused a record: every write
	                          * fails so */
	int notified;            /* a read met the peer's close_notify */
	int rerr;                /* a failure vn_tls_readable met: the next
	                          * read reports it */
	char err[VN_TLS_MSGLEN]; /* a failure that did not come from libtls */
};

static int
fail(struct vn_tls_err *e, enum vn_tls_code code, const char *msg)
{
	e->code = code;
	snprintf(e->msg, sizeof e->msg, "%s", msg && *msg ? msg : "unknown error");
	return -1;
}

/* Only to learn whether a certificate and a key match: a client checks its
 * own pair only when it connects, a server when it is configured. */
static int
check_keypair(const char *cert, const char *key, struct vn_tls_err *e)
{
	struct tls_config *cfg = tls_config_new();
	struct tls *srv = tls_server();
	int r = -1;

	if (!cfg || !srv)
		fail(e, VN_TLS_NOMEM, strerror(ENOMEM));
	else if (tls_config_set_keypair_file(cfg, cert, key) < 0)
		fail(e, VN_TLS_KEY, tls_config_error(cfg));
	else if (tls_configure(srv, cfg) < 0)
		fail(e, VN_TLS_KEY, tls_error(srv));
	else
		r = 0;
	tls_free(srv);
	tls_config_free(cfg);
	return r;
}

enum vn_tls_code
vn_tls_alpn_check(const char *list, struct vn_tls_err *e)
{
	size_t len;

	for (;;) {
		len = strcspn(list, ",");
		if (len == 0 || len > 255) {
			fail(e, VN_TLS_ALPN, len ? "protocol name longer than 255 bytes" :
			     "empty protocol name");
			return VN_TLS_ALPN;
		}
		if (!list[len])
			return VN_TLS_OK;
		list += len + 1;
	}
}

/* Read the files of o into cfg; -1 with *e naming the file that failed. */
static int
configure(struct tls_config *cfg, const struct vn_tls_opts *o, int server,
          struct vn_tls_err *e)
{
	if (o->ca_file && tls_config_set_ca_file(cfg, o->ca_file) < 0)
		return fail(e, VN_TLS_CA, tls_config_error(cfg));
	if (o->cert_file && tls_config_set_cert_file(cfg, o->cert_file) < 0)
		return fail(e, VN_TLS_CERT, tls_config_error(cfg));
	if (o->key_file && tls_config_set_key_file(cfg, o->key_file) < 0)
		return fail(e, VN_TLS_KEY, tls_config_error(cfg));
	if (o->cert_file && o->key_file &&
	    check_keypair(o->cert_file, o->key_file, e) < 0)
		return -1;
	if (o->insecure && !server) {
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	if (o->verify_client && server)
		tls_config_verify_client(cfg);
	if (o->alpn && vn_tls_alpn_check(o->alpn, e) != VN_TLS_OK)
		return -1;
	if (o->alpn && tls_config_set_alpn(cfg, o->alpn) < 0)
		return fail(e, VN_TLS_ALPN, tls_config_error(cfg));
	return 0;
}

struct vn_tls_ctx *
vn_tls_ctx_new(const struct vn_tls_opts *o, int server, struct vn_tls_err *e)
{
	struct vn_tls_ctx *c = calloc(1, sizeof *c);

	if (!c || tls_init() < 0 || !(c->cfg = tls_config_new())) {
		free(c);
		fail(e, VN_TLS_NOMEM, strerror(ENOMEM));
		return NULL;
	}
	c->server = server;
	if (server && !(o->cert_file && o->key_file)) {
		fail(e, VN_TLS_CERT, "a server needs a certificate and a key");
		goto err;
	}
	if (configure(c->cfg, o, server, e) < 0)
		goto err;
	if (!server && o->servername && !(c->servername = strdup(o->servername))) {
		fail(e, VN_TLS_NOMEM, strerror(ENOMEM));
		goto err;
	}
	if (server) {
		if (!(c->srv = tls_server())) {
			fail(e, VN_TLS_NOMEM, strerror(ENOMEM));
			goto err;
		}
		if (tls_configure(c->srv, c->cfg) < 0) {
			fail(e, VN_TLS_CONFIG, tls_error(c->srv));
			goto err;
		}
	}
	return c;
err:
	vn_tls_ctx_free(c);
	return NULL;
}

void
vn_tls_ctx_free(struct vn_tls_ctx *c)
{
	if (!c)
		return;
	tls_free(c->srv);
	tls_config_free(c->cfg);
	free(c->servername);
	free(c);
}

/* libtls's reads from the socket, through ibuf. */
static ssize_t
sock_read(struct tls *ctx, void *buf, size_t n, void *arg)
{
	struct vn_tls *t = arg;
	ssize_t r;

	(void)ctx;
	if (t->ioff == t->ilen) {
		r = recv(t->fd, t->ibuf, IBUF, t->nowait ? MSG_DONTWAIT : 0);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return TLS_WANT_POLLIN;
		if (r <= 0) {
			t->eof = r == 0;
			t->io_err = r < 0 ? errno : 0;
			if (!t->sock_err && t->io_err != EINTR)
				t->sock_err = t->io_err;
			return r;
		}
		t->ioff = 0;
		t->ilen = (size_t)r;
	}
	if (n > t->ilen - t->ioff)
		n = t->ilen - t->ioff;
	memcpy(buf, t->ibuf + t->ioff, n);
	t->ioff += n;
	return (ssize_t)n;
}

static ssize_t
sock_write(struct tls *ctx, const void *buf, size_t n, void *arg)
{
	struct vn_tls *t = arg;
	ssize_t r;

	(void)ctx;
	r = send(t->fd, buf, n, MSG_NOSIGNAL);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return TLS_WANT_POLLOUT;
	if (r < 0) {
		t->io_err = errno;
		if (!t->sock_err && errno != EINTR)
			t->sock_err = errno;
	}
	return r;
}

struct vn_tls *
vn_tls_start(struct vn_tls_ctx *c, int fd, const char *host, struct vn_tls_err *e)
{
	struct vn_tls *t = calloc(1, sizeof *t);
	const char *name = c->servername ? c->servername : host;

	if (!t) {
		fail(e, VN_TLS_NOMEM, strerror(ENOMEM));
		return NULL;
	}
	t->fd = fd;
	if (!(t->ibuf = malloc(IBUF))) {
		fail(e, VN_TLS_NOMEM, strerror(ENOMEM));
		goto err;
	}
	if (c->server) {
		if (tls_accept_cbs(c->srv, &t->tls, sock_read, sock_write, t) < 0) {
			fail(e, VN_TLS_HANDSHAKE, tls_error(c->srv));
			goto err;
		}
		return t;
	}
	if (!(t->tls = tls_client())) {
		fail(e, VN_TLS_NOMEM, strerror(ENOMEM));
		goto err;
	}
	if (tls_configure(t->tls, c->cfg) < 0 ||
	    tls_connect_cbs(t->tls, sock_read, sock_write, t, name) < 0) {
		fail(e, VN_TLS_CONFIG, tls_error(t->tls));
		goto err;
	}
	return t;
err:
	vn_tls_free(t);
	return NULL;
}

void
vn_tls_free(struct vn_tls *t)
{
	if (!t)
		return;
	tls_free(t->tls);
	free(t->rbuf);
	free(t->ibuf);
	free(t);
}

int
vn_tls_fd(const struct vn_tls *t)
{
	return t->fd;
}

int
vn_tls_handshake(struct vn_tls *t, int timeout_ms, struct vn_tls_err *e)
{
	long end = timeout_ms >= 0 ? vn_now_ms() + timeout_ms : -1;
	int flags = fcntl(t->fd, F_GETFL), r;

	if (flags < 0)
		return fail(e, VN_TLS_HANDSHAKE, strerror(errno));
	if (!(flags & O_NONBLOCK))
		fcntl(t->fd, F_SETFL, flags | O_NONBLOCK);
	for (;;) {
		struct pollfd p = { t->fd, 0, 0 };
		long left = -1;

		r = tls_handshake(t->tls);
		if (r == 0)
			break;
		if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) {
			fail(e, VN_TLS_HANDSHAKE, tls_error(t->tls));
			break;
		}
		p.events = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		if (end >= 0 && (left = end - vn_now_ms()) < 0)
			left = 0;
		r = vn_poll(&p, 1, (int)left);
		if (r < 0) {
			fail(e, VN_TLS_INTR, strerror(errno));
			break;
		}
		if (r == 0) {
			fail(e, VN_TLS_TIMEOUT, "timed out");
			r = -1;
			break;
		}
	}
	if (!(flags & O_NONBLOCK))
		fcntl(t->fd, F_SETFL, flags);
	return r == 0 ? 0 : -1;
}

int
vn_tls_handshake_step(struct vn_tls *t, struct vn_tls_err *e)
{
	int r = tls_handshake(t->tls);

	if (r == 0)
		return 0;
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		t->want = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		errno = EAGAIN;
		return -1;
	}
	fail(e, VN_TLS_HANDSHAKE, tls_error(t->tls));
	errno = EIO;
	return -1;
}

/* libtls may want to wait even on a blocking socket (it returns after a
 * record that carried no data, a TLS 1.3 session ticket for one): then wait
 * here, as a blocking read(2) would. 1 to call libtls again, 0 when the
 * socket is non-blocking (EAGAIN is the answer), -1 after SIGINT/SIGTERM
 * (errno EINTR). */
static int
blocking_wait(struct vn_tls *t)
{
	struct pollfd p = { t->fd, t->want, 0 };
	int fl;

	/* libtls also stops after such a record with the next one already in
	 * ibuf, where poll cannot see it: call again at once */
	if (t->want == POLLIN && t->ioff < t->ilen)
		return 1;
	if (t->nowait)
		return 0;
	fl = fcntl(t->fd, F_GETFL);
	if (fl < 0 || (fl & O_NONBLOCK))
		return 0;
	return vn_poll(&p, 1, -1) < 0 ? -1 : 1;
}

/* Turn a libtls result into the read(2) shape. The socket's own errno,
 * saved by the callbacks, says why a call failed when it was the socket's:
 * a peer that went away is EPIPE or ECONNRESET over TLS as over plain TCP.
 * A call that fails later without a socket error of its own (a read after
 * a refused write: libtls's session is over) fails for that first reason,
 * not with libtls's own words ("read failed: Success"). */
static ssize_t
result(struct vn_tls *t, ssize_t r)
{
	int saved = t->io_err, err = saved ? saved : t->sock_err ? t->sock_err : errno;

	t->io_err = 0;
	if (r >= 0)
		return r;
	/* libtls can say "wait" after the socket failed (a retry flag left
	 * from an earlier EAGAIN): the socket's failure stands. */
	if ((r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) && !saved) {
		t->want = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		errno = EAGAIN;
		return -1;
	}
	t->err[0] = '\0';
	errno = err == EPIPE || err == ECONNRESET || err == EINTR ? err : EIO;
	return -1;
}

/* A read failed: if the peer's TCP end is there, it closed without a
 * close_notify, as ncat and many servers do. That is an end of stream, as
 * it is for them (a truncation is the application's to notice). */
static ssize_t
read_result(struct vn_tls *t, ssize_t r)
{
	if (r == 0)
		t->notified = 1;
	r = result(t, r);
	if (r < 0 && errno != EAGAIN && t->eof)
		return 0;
	return r;
}

/* Read one record's data into rbuf (empty before): its length, 0 at the
 * end, -1 with errno. */
static ssize_t
fill(struct vn_tls *t)
{
	ssize_t r;

	if (!t->rbuf && !(t->rbuf = malloc(RECORD))) {
		snprintf(t->err, sizeof t->err, "%s", strerror(ENOMEM));
		errno = ENOMEM;
		return -1;
	}
	do
		r = read_result(t, tls_read(t->tls, t->rbuf, RECORD));
	while (r < 0 && errno == EAGAIN && blocking_wait(t) > 0);
	if (r > 0) {
		t->roff = 0;
		t->rlen = (size_t)r;
	}
	return r;
}

ssize_t
vn_tls_read(struct vn_tls *t, void *buf, size_t n)
{
	size_t k;
	ssize_t r;

	if (t->rerr && t->roff == t->rlen) {
		errno = t->rerr;
		t->rerr = 0;
		return -1;
	}
	if (t->roff < t->rlen) {
		k = t->rlen - t->roff < n ? t->rlen - t->roff : n;
		memcpy(buf, t->rbuf + t->roff, k);
		t->roff += k;
		return (ssize_t)k;
	}
	if (n >= RECORD) {
		do
			r = read_result(t, tls_read(t->tls, buf, n));
		while (r < 0 && errno == EAGAIN && blocking_wait(t) > 0);
		return r;
	}
	if ((r = fill(t)) <= 0)
		return r;
	return vn_tls_read(t, buf, n);
}

int
vn_tls_readable(struct vn_tls *t)
{
	ssize_t r;

	if (t->roff < t->rlen || t->rerr)
		return 1;
	t->nowait = 1;
	r = fill(t);
	t->nowait = 0;
	if (r < 0 && errno == EAGAIN)
		return 0;
	if (r < 0)
		t->rerr = errno;
	return 1;
}

ssize_t
vn_tls_write(struct vn_tls *t, const void *buf, size_t n)
{
	ssize_t r;
	int failed;

	if (t->werr) {
		errno = t->werr;
		return -1;
	}
	if (n == 0)
		return 0;
	do {
		r = tls_write(t->tls, buf, n);
		failed = t->io_err;
		r = result(t, r);
	} while (r < 0 && errno == EAGAIN && blocking_wait(t) > 0);
	/* Once the socket refused a record, the session is over, whatever
	 * libtls says (it can count bytes it holds as written). */
	if (failed) {
		t->werr = failed == EPIPE || failed == ECONNRESET ? failed : EIO;
		errno = t->werr;
		return -1;
	}
	return r;
}

int
vn_tls_notified(const struct vn_tls *t)
{
	return t->notified;
}

short
vn_tls_want(const struct vn_tls *t)
{
	return t->want ? t->want : POLLIN;
}

size_t
vn_tls_pending(const struct vn_tls *t)
{
	return t->rlen - t->roff + t->ilen - t->ioff;
}

int
vn_tls_close_notify(struct vn_tls *t)
{
	return (int)result(t, tls_close(t->tls));
}

void
vn_tls_end(struct vn_tls *t)
{
	char buf[4096];
	int i;

	vn_tls_close_notify(t);
	for (i = 0; i < 64 && !t->eof; i++)
		if (recv(t->fd, buf, sizeof buf, MSG_DONTWAIT) <= 0)
			break;
}

const char *
vn_tls_error(const struct vn_tls *t)
{
	const char *m = t->err[0] ? t->err : tls_error(t->tls);

	return m ? m : "unknown error";
}

/* "2027-11-25 01:02:03 UTC", or "unknown". */
static const char *
utc(time_t when, char buf[32])
{
	struct tm tm;

	if (when < 0 || !gmtime_r(&when, &tm) ||
	    !strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm))
		return "unknown";
	return buf;
}

void
vn_tls_info(struct vn_tls *t, struct vn_tls_info *i)
{
	memset(i, 0, sizeof *i);
	i->version = tls_conn_version(t->tls);
	i->cipher = tls_conn_cipher(t->tls);
	i->alpn = tls_conn_alpn_selected(t->tls);
	i->servername = tls_conn_servername(t->tls);
	i->peer_cert = tls_peer_cert_provided(t->tls) == 1;
	if (i->peer_cert) {
		i->peer_subject = tls_peer_cert_subject(t->tls);
		i->peer_issuer = tls_peer_cert_issuer(t->tls);
		i->peer_expires = tls_peer_cert_notafter(t->tls);
	}
}

const char *
vn_tls_describe(struct vn_tls *t, char buf[VN_TLS_DESCLEN])
{
	struct vn_tls_info i;
	char when[32];
	int n;

	vn_tls_info(t, &i);
	n = snprintf(buf, VN_TLS_DESCLEN, "%s, %s", i.version ? i.version : "unknown",
	             i.cipher ? i.cipher : "unknown");
	if (n >= 0 && n < VN_TLS_DESCLEN && i.alpn)
		n += snprintf(buf + n, VN_TLS_DESCLEN - n, ", ALPN %s", i.alpn);
	if (n < 0 || n >= VN_TLS_DESCLEN)
		return buf;
	if (!i.peer_cert)
		snprintf(buf + n, VN_TLS_DESCLEN - n, ", no peer certificate");
	else
		snprintf(buf + n, VN_TLS_DESCLEN - n, ", peer %s issued by %s, expires %s",
		         i.peer_subject ? i.peer_subject : "unknown",
		         i.peer_issuer ? i.peer_issuer : "unknown",
		         utc((time_t)i.peer_expires, when));
	return buf;
}
