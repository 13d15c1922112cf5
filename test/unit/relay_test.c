/* test/unit/relay_test.c: core/relay.c's hooks for the stream features to
 * come: a transform and a tap per direction, send-only and recv-only, over a
 * connection (one end of a socketpair) and two pipes as stdin and stdout. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/conn.h"
#include "../../core/relay.h"
#include "unit.h"

struct counts {
	size_t bytes[2];
};

static size_t
upper(void *ctx, const char *in, size_t n, char *out)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	return n;
}

static int
count(void *ctx, int dir, const char *buf, size_t n)
{
	struct counts *c = ctx;

	(void)buf;
	c->bytes[dir] += n;
	return 0;
}

/* A pipe holding text, its write end closed unless keep_open. */
static int
pipe_with(const char *text, int keep_open, int *wr)
{
	int p[2];

	if (pipe(p) < 0)
		return -1;
	if (write(p[1], text, strlen(text)) < 0)
		return -1;
	if (keep_open)
		*wr = p[1];
	else
		close(p[1]);
	return p[0];
}

static void
test_transform_and_tap(void)
{
	struct vn_relay_opts o = { .idle_timeout_ms = 5000, .in_end_ms = -1,
	                           .peer_end_ms = -1 };
	struct counts k = { { 0, 0 } };
	struct vn_conn c;
	int s[2], out[2], in = pipe_with("hello\n", 0, NULL);
	char buf[64] = "";
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0 && pipe(out) == 0 && in >= 0);
	CHECK(write(s[1], "world\n", 6) == 6 && shutdown(s[1], SHUT_WR) == 0);
	vn_conn_plain(&c, s[0]);
	o.xform[VN_RELAY_SEND] = upper;
	o.tap = count;
	o.tap_ctx = &k;
	CHECK(vn_relay(&c, in, out[1], &o) == 0);
	n = read(s[1], buf, sizeof buf - 1);
	CHECK(n == 6 && !memcmp(buf, "HELLO\n", 6));
	n = read(out[0], buf, sizeof buf - 1);
	CHECK(n == 6 && !memcmp(buf, "world\n", 6));
	CHECK(k.bytes[VN_RELAY_SEND] == 6 && k.bytes[VN_RELAY_RECV] == 6);
	CHECK(o.sent == 6 && o.received == 6);
	vn_conn_end(&c);
	close(s[1]);
	close(in);
	close(out[0]);
	close(out[1]);
}

static void
test_send_only(void)
{
	struct vn_relay_opts o = { .idle_timeout_ms = 5000, .in_end_ms = -1,
	                           .peer_end_ms = -1, .send_only = 1 };
	struct vn_conn c;
	int s[2], out[2], in = pipe_with("x", 0, NULL);
	char buf[8];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0 && pipe(out) == 0 && in >= 0);
	/* the peer sends and never ends: the relay ends with its input */
	CHECK(write(s[1], "drop", 4) == 4);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	vn_conn_plain(&c, s[0]);
	CHECK(vn_relay(&c, in, out[1], &o) == 0);
	CHECK(read(s[1], buf, sizeof buf) == 1 && buf[0] == 'x');
	CHECK(read(out[0], buf, sizeof buf) < 0 && errno == EAGAIN);
	CHECK(o.sent == 1);
	vn_conn_end(&c);
	close(s[1]);
	close(in);
	close(out[0]);
	close(out[1]);
}

static void
test_recv_only(void)
{
	struct vn_relay_opts o = { .idle_timeout_ms = 5000, .in_end_ms = -1,
	                           .peer_end_ms = -1, .recv_only = 1 };
	struct vn_conn c;
	int s[2], out[2], wr = -1, in = pipe_with("never", 1, &wr);
	char buf[8];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0 && pipe(out) == 0 && in >= 0);
	CHECK(write(s[1], "data", 4) == 4 && shutdown(s[1], SHUT_WR) == 0);
	vn_conn_plain(&c, s[0]);
	CHECK(vn_relay(&c, in, out[1], &o) == 0);
	CHECK(read(out[0], buf, sizeof buf) == 4 && !memcmp(buf, "data", 4));
	/* stdin untouched, and our side neither sent nor shut */
	CHECK(read(in, buf, sizeof buf) == 5 && o.sent == 0);
	CHECK(recv(s[1], buf, sizeof buf, MSG_DONTWAIT) < 0 && errno == EAGAIN);
	vn_conn_end(&c);
	close(s[1]);
	close(in);
	close(wr);
	close(out[0]);
	close(out[1]);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_transform_and_tap();
	test_send_only();
	test_recv_only();
	return unit_done("relay");
}
