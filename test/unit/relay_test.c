/* test/unit/relay_test.c: core/relay.c's hooks for the stream features to
 * come: a transform and a tap per direction, send-only and recv-only, over a
 * connection (one end of a socketpair) and two pipes as stdin and stdout. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>

#include "../../core/conn.h"
#include "../../core/dgram.h"
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
	struct vn_conn_tap tap = { .log = count, .ctx = &k };
	struct vn_conn c;
	int s[2], out[2], in = pipe_with("hello\n", 0, NULL);
	char buf[64] = "";
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0 && pipe(out) == 0 && in >= 0);
	CHECK(write(s[1], "world\n", 6) == 6 && shutdown(s[1], SHUT_WR) == 0);
	vn_conn_plain(&c, s[0]);
	c.tap = &tap;   /* the connection's tap sees what the relay moves */
	o.xform[VN_RELAY_SEND] = upper;
	CHECK(vn_relay(&c, in, out[1], &o) == 0);
	n = read(s[1], buf, sizeof buf - 1);
	CHECK(n == 6 && !memcmp(buf, "HELLO\n", 6));
	n = read(out[0], buf, sizeof buf - 1);
	CHECK(n == 6 && !memcmp(buf, "world\n", 6));
	CHECK(k.bytes[VN_CONN_SENT] == 6 && k.bytes[VN_CONN_RECEIVED] == 6);
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

/* Datagrams through the engine: one read of in_fd is one datagram, an empty
 * datagram is not the end, and the relay ends at the idle timeout (the
 * peer's datagrams are all queued before it starts). */
static void
test_dgram_connected(void)
{
	struct vn_relay_opts o = { .idle_timeout_ms = 100, .in_end_ms = -1,
	                           .peer_end_ms = -1 };
	struct vn_dgram_opts d = { .any_peer = 0 };
	int s[2], out[2], in = pipe_with("hello", 0, NULL);
	char buf[64] = "";

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, s) == 0 && pipe(out) == 0 && in >= 0);
	fcntl(out[0], F_SETFL, O_NONBLOCK);   /* a broken relay fails, not hangs */
	CHECK(send(s[1], "a", 1, 0) == 1 && send(s[1], "", 0, 0) == 0 &&
	      send(s[1], "bcd", 3, 0) == 3);
	CHECK(vn_dgram_relay(s[0], in, out[1], &d, &o) < 0 && errno == ETIMEDOUT);
	CHECK(o.failed == 0 && o.in_ended && o.sent == 5 && o.received == 4);
	CHECK(recv(s[1], buf, sizeof buf, MSG_DONTWAIT) == 5 && !memcmp(buf, "hello", 5));
	CHECK(read(out[0], buf, sizeof buf) == 4 && !memcmp(buf, "abcd", 4));
	/* the socket is the caller's still, and blocking again */
	CHECK(fcntl(s[0], F_GETFL) >= 0 && !(fcntl(s[0], F_GETFL) & O_NONBLOCK));
	close(s[0]);
	close(s[1]);
	close(in);
	close(out[0]);
	close(out[1]);
}

/* in_end_ms after in_fd's end, the relay ends well: UDP has no end to wait
 * for. */
static void
test_dgram_in_end(void)
{
	struct vn_relay_opts o = { .idle_timeout_ms = 5000, .in_end_ms = 0,
	                           .peer_end_ms = -1 };
	struct vn_dgram_opts d = { .any_peer = 0 };
	int s[2], out[2], in = pipe_with("x", 0, NULL);
	char buf[8];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, s) == 0 && pipe(out) == 0 && in >= 0);
	CHECK(vn_dgram_relay(s[0], in, out[1], &d, &o) == 0 && o.in_ended);
	CHECK(recv(s[1], buf, sizeof buf, MSG_DONTWAIT) == 1 && buf[0] == 'x');
	/* nothing was shut: the socket still sends */
	CHECK(send(s[0], "y", 1, 0) == 1);
	close(s[0]);
	close(s[1]);
	close(in);
	close(out[0]);
	close(out[1]);
}

static void
seen(const char *addr, void *ctx)
{
	snprintf(ctx, VN_DGRAM_ADDRLEN, "%s", addr);
}

/* A UDP socket bound to 127.0.0.1 port 0; *sin gets its address. */
static int
udp_here(struct sockaddr_in *sin)
{
	socklen_t len = sizeof *sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof *sin) < 0 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) < 0)
		return -1;
	return fd;
}

/* A listener reads nothing of in_fd before its first peer, then answers it
 * and names it once. */
static void
test_dgram_listener(void)
{
	struct vn_relay_opts o = { .idle_timeout_ms = 100, .in_end_ms = -1,
	                           .peer_end_ms = -1 };
	char who[VN_DGRAM_ADDRLEN] = "", want[VN_DGRAM_ADDRLEN], buf[64];
	struct vn_dgram_opts d = { .on_peer = seen, .ctx = who };
	struct sockaddr_in ls, cs;
	int srv = udp_here(&ls), cli = udp_here(&cs), out[2];
	int in = pipe_with("back", 0, NULL);

	CHECK(srv >= 0 && cli >= 0 && pipe(out) == 0 && in >= 0);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(in, F_SETFL, O_NONBLOCK);
	/* no peer: the relay ends idle, in_fd untouched */
	CHECK(vn_dgram_relay(srv, in, out[1], &d, &o) < 0 && errno == ETIMEDOUT);
	CHECK(o.sent == 0 && !o.in_ended && who[0] == 0);
	CHECK(read(in, buf, sizeof buf) == 4);
	close(in);
	in = pipe_with("back", 0, NULL);
	CHECK(sendto(cli, "hi", 2, 0, (struct sockaddr *)&ls, sizeof ls) == 2);
	CHECK(vn_dgram_relay(srv, in, out[1], &d, &o) < 0 && errno == ETIMEDOUT);
	CHECK(o.sent == 4 && o.received == 2);
	CHECK(recv(cli, buf, sizeof buf, MSG_DONTWAIT) == 4 && !memcmp(buf, "back", 4));
	CHECK(read(out[0], buf, sizeof buf) == 2 && !memcmp(buf, "hi", 2));
	snprintf(want, sizeof want, "127.0.0.1:%d", ntohs(cs.sin_port));
	CHECK(unit_streq(who, want));
	close(srv);
	close(cli);
	close(in);
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
	test_dgram_connected();
	test_dgram_in_end();
	test_dgram_listener();
	return unit_done("relay");
}
