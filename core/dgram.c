/* core/dgram.c: the datagram relay (-u). One poll loop over in_fd and the
 * socket; a datagram is one read of in_fd or one recvfrom of the socket, never
 * split or joined. Waits end at SIGINT/SIGTERM as core/relay.c's do. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "dgram.h"
#include "net.h"
#include "relay.h"
#include "udp.h"
#include "unix.h"

/* Room for the largest datagram a Unix socket takes by default (its send
 * buffer, 208 KiB); a UDP one is at most 64 KiB. */
#define RECV_MAX (256 * 1024)

void
vn_dgram_addr(const struct sockaddr *sa, socklen_t len, char buf[VN_DGRAM_ADDRLEN])
{
	if (sa->sa_family == AF_UNIX) {
		vn_unix_format((const struct sockaddr_un *)sa, len, buf, VN_DGRAM_ADDRLEN);
		if (!buf[0])
			snprintf(buf, VN_DGRAM_ADDRLEN, "unnamed");
	} else {
		vn_addr_format(sa, buf);
	}
}

/* Whether two sender addresses are the same. */
static int
same_addr(const struct sockaddr_storage *a, socklen_t alen,
          const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

#define SEEN_MAX 64   /* the peers remembered, so each is announced once */

/* The state of one datagram relay. */
struct dg {
	int in_fd, out_fd, sock;
	int connected, in_open;
	struct sockaddr_storage peer;   /* whom we answer */
	socklen_t peer_len;
	struct sockaddr_storage seen[SEEN_MAX];
	socklen_t seen_len[SEEN_MAX];
	int nseen, seen_next;
	long last, in_end;              /* the last datagram; the end after in_fd's */
	char *buf;
};

/* Fail with errno as it is, naming the side. */
static int
fail(struct vn_dgram_opts *o, int side)
{
	o->failed = side;
	return -1;
}

/* A sender not seen before: announce it (once per peer) and answer it from
 * now on; unless any_peer, it becomes the only one (as nc -u -l does). */
static void
new_sender(struct dg *d, const struct sockaddr_storage *from, socklen_t len,
           struct vn_dgram_opts *o)
{
	char addr[VN_DGRAM_ADDRLEN];
	int i, seen = 0;

	for (i = 0; i < d->nseen && !seen; i++)
		seen = same_addr(&d->seen[i], d->seen_len[i], from, len);
	if (!seen) {
		d->seen[d->seen_next] = *from;
		d->seen_len[d->seen_next] = len;
		d->seen_next = (d->seen_next + 1) % SEEN_MAX;
		if (d->nseen < SEEN_MAX)
			d->nseen++;
		vn_dgram_addr((const struct sockaddr *)from, len, addr);
		if (o->on_peer)
			o->on_peer(addr, o->ctx);
	}
	d->peer = *from;
	d->peer_len = len;
	if (!o->any_peer && connect(d->sock, (struct sockaddr *)&d->peer, len) == 0)
		d->connected = 1;
}

/* One datagram from the socket to out_fd: 1 to go on, 0 at the end (out_fd's
 * reader gone), -1 with errno. */
static int
from_sock(struct dg *d, struct vn_dgram_opts *o)
{
	struct sockaddr_storage from;
	socklen_t from_len = sizeof from;
	ssize_t got = vn_recvfrom(d->sock, d->buf, RECV_MAX, &from, &from_len);

	if (got < 0)
		return fail(o, VN_RELAY_NET);
	d->last = vn_now_ms();
	if (!d->connected && from_len > sizeof(sa_family_t) &&
	    !same_addr(&from, from_len, &d->peer, d->peer_len))
		new_sender(d, &from, from_len, o);
	o->received++;
	o->bytes_received += (unsigned long long)got;
	if (got > 0 && vn_write_all(d->out_fd, d->buf, (size_t)got) < 0) {
		if (errno == EPIPE) {
			o->out_closed = 1;
			return 0;
		}
		return fail(o, VN_RELAY_OUT);
	}
	return 1;
}

/* One read of in_fd sent as one datagram: 1 to go on, -1 with errno. */
static int
from_in(struct dg *d, struct vn_dgram_opts *o)
{
	ssize_t got = vn_read(d->in_fd, d->buf, VN_UDP_MAX), sent;

	if (got < 0)
		return fail(o, errno == EINTR ? 0 : VN_RELAY_IN);
	if (got == 0) {
		d->in_open = 0;
		if (o->in_end_ms >= 0)
			d->in_end = vn_now_ms() + o->in_end_ms;
		return 1;
	}
	d->last = vn_now_ms();
	if (d->connected)
		sent = vn_send(d->sock, d->buf, (size_t)got);
	else
		sent = vn_sendto(d->sock, d->buf, (size_t)got,
		                 (struct sockaddr *)&d->peer, d->peer_len);
	if (sent < 0)
		return fail(o, errno == EINTR ? 0 : VN_RELAY_NET);
	o->sent++;
	o->bytes_sent += (unsigned long long)got;
	return 1;
}

/* The poll timeout until the idle or the end deadline (-1: none); -2 once
 * the end after in_fd's has come. */
static int
dg_wait(const struct dg *d, const struct vn_dgram_opts *o)
{
	long now = vn_now_ms(), wait = -1;

	if (d->in_end >= 0 && now >= d->in_end)
		return -2;
	if (o->idle_timeout_ms >= 0)
		wait = d->last + o->idle_timeout_ms - now;
	if (d->in_end >= 0 && (wait < 0 || d->in_end - now < wait))
		wait = d->in_end - now;
	if (wait < 0 && (o->idle_timeout_ms >= 0 || d->in_end >= 0))
		wait = 0;
	return (int)wait;
}

static int
dg_run(struct dg *d, struct vn_dgram_opts *o)
{
	for (;;) {
		struct pollfd p[2] = { { d->sock, POLLIN, 0 }, { d->in_fd, POLLIN, 0 } };
		int n = d->in_open && (d->connected || d->peer_len > 0) ? 2 : 1;
		int wait = dg_wait(d, o), r;

		if (wait == -2)
			return 0;
		r = vn_poll(p, (nfds_t)n, wait);
		if (r < 0)
			return fail(o, 0);
		if (r == 0) {
			if (d->in_end >= 0 && vn_now_ms() >= d->in_end)
				return 0;
			errno = ETIMEDOUT;
			return fail(o, 0);
		}
		if (p[0].revents && (r = from_sock(d, o)) <= 0)
			return r;
		if (n == 2 && p[1].revents && from_in(d, o) < 0)
			return -1;
	}
}

int
vn_dgram_relay(int in_fd, int out_fd, int sock, struct vn_dgram_opts *o)
{
	struct dg *d = calloc(1, sizeof *d);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	long start = vn_now_ms();
	int r, err;

	o->failed = o->out_closed = 0;
	o->sent = o->received = o->bytes_sent = o->bytes_received = 0;
	if (!d || !(d->buf = malloc(RECV_MAX))) {
		free(d);
		errno = ENOMEM;
		return fail(o, 0);
	}
	d->in_fd = in_fd;
	d->out_fd = out_fd;
	d->sock = sock;
	d->in_open = in_fd >= 0;
	d->in_end = -1;
	d->last = start;
	/* A connected socket has a peer: getpeername says so. */
	d->connected = getpeername(sock, (struct sockaddr *)&ss, &len) == 0;
	r = dg_run(d, o);
	err = errno;
	o->elapsed_ms = vn_now_ms() - start;
	free(d->buf);
	free(d);
	errno = err;
	return r;
}

const char *
vn_dgram_summary(const struct vn_dgram_opts *o, char buf[VN_SUMMARYLEN])
{
	struct vn_relay_opts r = { .sent = o->bytes_sent, .received = o->bytes_received,
	                           .elapsed_ms = o->elapsed_ms };

	return vn_relay_summary(&r, buf);
}
