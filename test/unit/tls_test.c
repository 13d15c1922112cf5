/*
 * test/unit/tls_test.c: core/tls.c's sessions when the peer is not a TLS
 * peer at all, over a socketpair (no certificate needed: a client, or a
 * server context refused for lack of one). A server context needs a
 * certificate and a key; a handshake with a peer that answers garbage fails
 * with libtls's reason, and with one that never answers it times out; a
 * write to a peer that has gone fails, and so does every write after it; a
 * read after a failure found while polling reports it once. And
 * core/conn.c over them: a connection whose upgrade failed refuses another
 * handshake and every read and write; one whose tap failed fails every
 * later read and write with the tap's errno.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/conn.h"
#include "../../core/tls.h"
#include "unit.h"

static struct vn_tls_ctx *
client_ctx(void)
{
	struct vn_tls_opts o = { .insecure = 1 };
	struct vn_tls_err e;

	return vn_tls_ctx_new(&o, 0, &e);
}

static void
test_server_needs_cert(void)
{
	struct vn_tls_opts o = { .cert_file = NULL };
	struct vn_tls_err e = { 0, "" };

	CHECK(vn_tls_ctx_new(&o, 1, &e) == NULL);
	CHECK(e.code == VN_TLS_CERT);
	CHECK_STR(e.msg, "a server needs a certificate and a key");
}

/* A peer that answers the ClientHello with an HTTP error and closes: the
 * stepped handshake fails (EIO) with a reason, never waits forever. */
static void
test_garbage_peer(void)
{
	static const char junk[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
	struct vn_tls_ctx *c = client_ctx();
	struct vn_tls_err e = { 0, "" };
	struct vn_tls *t;
	int sv[2], r, i;

	CHECK(c != NULL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	t = vn_tls_start(c, sv[0], "localhost", &e);
	CHECK(t != NULL && vn_tls_fd(t) == sv[0]);
	CHECK(write(sv[1], junk, sizeof junk - 1) == (ssize_t)sizeof junk - 1);
	shutdown(sv[1], SHUT_WR);
	for (i = 0; i < 100; i++) {
		struct pollfd p = { sv[0], POLLIN, 0 };

		errno = 0;
		if ((r = vn_tls_handshake_step(t, &e)) == 0 || errno != EAGAIN)
			break;
		p.events = vn_tls_want(t);
		poll(&p, 1, 1000);
	}
	CHECK(r < 0 && errno == EIO);
	CHECK(e.code == VN_TLS_HANDSHAKE && e.msg[0] != '\0');
	vn_tls_free(t);
	close(sv[0]);
	close(sv[1]);
	vn_tls_ctx_free(c);
}

/* A peer that never answers: the blocking handshake gives up at its time,
 * and leaves the descriptor blocking as it was. */
static void
test_silent_peer(void)
{
	struct vn_tls_ctx *c = client_ctx();
	struct vn_tls_err e = { 0, "" };
	struct vn_tls *t;
	int sv[2];

	CHECK(c != NULL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	t = vn_tls_start(c, sv[0], "localhost", &e);
	CHECK(t != NULL);
	CHECK(vn_tls_handshake(t, 50, &e) < 0);
	CHECK(e.code == VN_TLS_TIMEOUT);
	CHECK_STR(e.msg, "timed out");
	vn_tls_free(t);
	close(sv[0]);
	close(sv[1]);
	vn_tls_ctx_free(c);
}

/* The peer has gone: the first write (its handshake) fails with EPIPE, and
 * so does the next one, without trying again. */
static void
test_gone_peer_write(void)
{
	struct vn_tls_ctx *c = client_ctx();
	struct vn_tls_err e = { 0, "" };
	struct vn_tls *t;
	int sv[2];

	CHECK(c != NULL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	close(sv[1]);
	t = vn_tls_start(c, sv[0], "localhost", &e);
	CHECK(t != NULL);
	CHECK(vn_tls_write(t, "", 0) == 0);   /* nothing to write: nothing tried */
	errno = 0;
	CHECK(vn_tls_write(t, "x", 1) < 0 && errno == EPIPE);
	errno = 0;
	CHECK(vn_tls_write(t, "y", 1) < 0 && errno == EPIPE);
	vn_tls_free(t);
	close(sv[0]);
	vn_tls_ctx_free(c);
}

/* Garbage where records should be: polling finds the failure (the next
 * read has something to say), and the read says it once. */
static void
test_readable_failure(void)
{
	static const char junk[] = "not TLS at all, not even close\r\n";
	struct vn_tls_ctx *c = client_ctx();
	struct vn_tls_err e = { 0, "" };
	struct vn_tls *t;
	char buf[16];
	int sv[2], i, ready = 0;

	CHECK(c != NULL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	t = vn_tls_start(c, sv[0], "localhost", &e);
	CHECK(t != NULL);
	CHECK(write(sv[1], junk, sizeof junk - 1) == (ssize_t)sizeof junk - 1);
	for (i = 0; i < 100 && !ready; i++) {
		struct pollfd p = { sv[0], POLLIN, 0 };

		if (!(ready = vn_tls_readable(t)))
			poll(&p, 1, 1000);
	}
	CHECK(ready);
	errno = 0;
	CHECK(vn_tls_read(t, buf, sizeof buf) < 0 && errno != EAGAIN && errno != 0);
	CHECK(!vn_tls_notified(t));   /* no close_notify came */
	vn_tls_free(t);
	close(sv[0]);
	close(sv[1]);
	vn_tls_ctx_free(c);
}

/* The upgrade of a connection to a silent peer times out: from then on it
 * refuses a handshake, reads and writes, and never sends in clear. */
static void
test_conn_refused(void)
{
	struct vn_tls_ctx *c = client_ctx();
	struct vn_tls_err e = { 0, "" };
	struct vn_conn conn;
	char buf[8];
	int sv[2];

	CHECK(c != NULL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	vn_conn_plain(&conn, sv[0]);
	CHECK(vn_conn_start_tls(&conn, c, "localhost", 1, 50, &e) < 0);
	CHECK(e.code == VN_TLS_TIMEOUT && conn.refused && !conn.tls);
	CHECK(vn_conn_handshake(&conn, 50, &e) < 0);
	CHECK_STR(e.msg, "a failed TLS upgrade");
	errno = 0;
	CHECK(vn_conn_write(&conn, "secret", 6) < 0 && errno == EPROTO);
	errno = 0;
	CHECK(vn_conn_read(&conn, buf, sizeof buf) < 0 && errno == EPROTO);
	/* only the ClientHello went out, no plain text */
	CHECK(recv(sv[1], buf, 1, MSG_DONTWAIT) == 1 && buf[0] == 0x16);
	vn_conn_end(&conn);
	close(sv[1]);
	vn_tls_ctx_free(c);
}

static int
failing_log(void *ctx, int dir, const char *buf, size_t n)
{
	(void)ctx;
	(void)dir;
	(void)buf;
	(void)n;
	errno = ENOSPC;
	return -1;
}

/* A tap that fails: the write that met it fails with its errno, and so do
 * the reads and writes after it. */
static void
test_conn_tap_failed(void)
{
	static const struct vn_conn_tap tap = { failing_log, NULL, NULL };
	struct vn_conn conn;
	char buf[8];
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	vn_conn_plain(&conn, sv[0]);
	conn.tap = &tap;
	errno = 0;
	CHECK(vn_conn_write(&conn, "x", 1) < 0 && errno == ENOSPC);
	CHECK(write(sv[1], "y", 1) == 1);
	errno = 0;
	CHECK(vn_conn_read(&conn, buf, sizeof buf) < 0 && errno == ENOSPC);
	errno = 0;
	CHECK(vn_conn_write(&conn, "z", 1) < 0 && errno == ENOSPC);
	vn_conn_end(&conn);
	close(sv[1]);
}

int
main(void)
{
	test_server_needs_cert();
	test_garbage_peer();
	test_silent_peer();
	test_gone_peer_write();
	test_readable_failure();
	test_conn_refused();
	test_conn_tap_failed();
	return UNIT_DONE("tls");
}
