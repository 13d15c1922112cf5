/* core/tls_relay.c: both directions between plain descriptors and a TLS
 * session, in one poll loop.
 *
 * The two directions share one session, and either may have to wait for the
 * socket to become readable or writable (TLS can need a read to write, or a
 * write to read): each direction remembers the event it waits for, poll
 * watches the socket for both, and any event on the socket lets both try
 * again. The plain ends are read only when poll says so and written as they
 * take it, so a stalled direction never holds up the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"
#include "sig.h"
#include "tls_relay.h"

#define CHUNK (64 * 1024)   /* four full records per tls_write */
#define RECORD_MAX (16 * 1024) /* the largest plaintext of one record */

struct side {
	char *buf;            /* buf[off, len) waits to be written */
	size_t off, len;
	int eof;              /* the source has ended */
	int done;             /* and everything is out (up: close_notify sent) */
	short tls_wait;       /* the session waits for this socket event */
	int ready;            /* up: in_fd may be read; down: out_fd may be written */
	unsigned long long bytes;
};

static int
failed(struct vn_relay_opts *o, int where)
{
	o->failed = where;
	return -1;
}

/* in_fd -> session. 1 when something moved, 0 when it must wait, -1 on
 * failure (o->failed set). */
static int
step_up(struct side *s, int in_fd, int in_file, struct vn_tls *t, struct vn_relay_opts *o)
{
	ssize_t r;

	if (s->tls_wait)
		return 0;
	if (s->off < s->len) {
		r = vn_tls_write(t, s->buf + s->off, s->len - s->off);
		if (r > 0) {
			s->off += (size_t)r;
			s->bytes += (size_t)r;
			return 1;
		}
		if (r < 0 && errno == EAGAIN) {
			s->tls_wait = vn_tls_want(t);
			return 0;
		}
		return failed(o, VN_RELAY_NET);
	}
	if (s->eof) {
		if (vn_tls_close_notify(t) < 0 && errno == EAGAIN) {
			s->tls_wait = vn_tls_want(t);
			return 0;
		}
		/* A failed close_notify leaves the TCP end to say it. */
		shutdown(vn_tls_fd(t), SHUT_WR);
		s->done = 1;
		return 1;
	}
	if (!s->ready && !in_file)
		return 0;
	/* in_fd may block: the next read waits for poll again */
	s->ready = 0;
	r = read(in_fd, s->buf, CHUNK);
	if (r > 0) {
		s->off = 0;
		s->len = (size_t)r;
		return 1;
	}
	if (r == 0) {
		s->eof = 1;
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	if (errno == EINTR)
		return 1;
	return failed(o, VN_RELAY_IN);
}

/* session -> out_fd, the same way. */
static int
step_down(struct side *s, int out_fd, int out_sock, struct vn_tls *t,
          struct vn_relay_opts *o)
{
	ssize_t r;

	if (s->off < s->len) {
		if (!s->ready)
			return 0;
		r = write(out_fd, s->buf + s->off, s->len - s->off);
		if (r > 0) {
			s->off += (size_t)r;
			s->bytes += (size_t)r;
			return 1;
		}
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			s->ready = 0;
			return 0;
		}
		if (r < 0 && errno == EINTR)
			return 1;
		return failed(o, VN_RELAY_OUT);
	}
	if (s->eof) {
		/* A program on the other end of a socket sees its input end. */
		if (out_sock)
			shutdown(out_fd, SHUT_WR);
		s->done = 1;
		return 1;
	}
	if (s->tls_wait)
		return 0;
	/* Records are at most 16 KiB: gather a few for each write to out_fd. */
	s->off = s->len = 0;
	do {
		r = vn_tls_read(t, s->buf + s->len, CHUNK - s->len);
		if (r > 0)
			s->len += (size_t)r;
	} while (r > 0 && CHUNK - s->len >= RECORD_MAX);
	if (r == 0)
		s->eof = 1;
	if (s->len > 0 || r == 0)
		return 1;
	if (errno == EAGAIN) {
		s->tls_wait = vn_tls_want(t);
		return 0;
	}
	return failed(o, VN_RELAY_NET);
}

static int
run(struct side *up, struct side *down, int in_fd, int out_fd, struct vn_tls *t,
    struct vn_relay_opts *o)
{
	struct stat st;
	int in_file = in_fd >= 0 && fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode);
	int out_sock = fstat(out_fd, &st) == 0 && S_ISSOCK(st.st_mode);
	int sock = vn_tls_fd(t);
	long idle_at = -1, end_at = -1, now, until;

	if (o->idle_timeout_ms >= 0)
		idle_at = vn_now_ms() + o->idle_timeout_ms;
	for (;;) {
		struct pollfd p[3];
		int r, moved = 0, timeout = -1;

		if (vn_sig_pending()) {
			errno = EINTR;
			return -1;
		}
		if (up->done && down->done)
			return 0;
		if (up->done || down->done) {
			now = vn_now_ms();
			if (end_at < 0) {
				int ms = up->done ? o->in_end_ms : o->peer_end_ms;

				end_at = ms >= 0 ? now + ms : LONG_MAX;
			}
			if (now >= end_at)
				return 0;
		}
		if (!down->done) {
			r = step_down(down, out_fd, out_sock, t, o);
			if (r < 0 && o->failed == VN_RELAY_OUT && errno == EPIPE) {
				o->failed = 0;
				o->out_closed = 1;
				return 0;
			}
			if (r < 0)
				return -1;
			moved |= r;
		}
		if (!up->done) {
			r = step_up(up, in_fd, in_file, t, o);
			/* The peer closed and does not want the rest. */
			if (r < 0 && o->failed == VN_RELAY_NET && down->done &&
			    (errno == EPIPE || errno == ECONNRESET)) {
				o->failed = 0;
				return 0;
			}
			if (r < 0)
				return -1;
			moved |= r;
		}
		now = vn_now_ms();
		if (moved) {
			if (o->idle_timeout_ms >= 0)
				idle_at = now + o->idle_timeout_ms;
			continue;
		}
		if (idle_at >= 0 && now >= idle_at) {
			errno = ETIMEDOUT;
			return -1;
		}
		until = vn_relay_deadline(idle_at, end_at == LONG_MAX ? -1 : end_at);
		if (until >= 0)
			timeout = until > now ? (int)(until - now) : 0;
		p[0].fd = !up->done && !up->eof && up->off == up->len && !up->ready ?
		          in_fd : -1;
		p[0].events = POLLIN;
		p[1].fd = !down->done && down->off < down->len && !down->ready ?
		          out_fd : -1;
		p[1].events = POLLOUT;
		p[2].fd = sock;
		p[2].events = (up->done ? 0 : up->tls_wait) |
		              (down->done ? 0 : down->tls_wait);
		if (!p[2].events)
			p[2].fd = -1;
		p[0].revents = p[1].revents = p[2].revents = 0;
		if (vn_poll(p, 3, timeout) < 0)
			return -1;
		if (p[0].revents)
			up->ready = 1;
		if (p[1].revents)
			down->ready = 1;
		if (p[2].revents)
			up->tls_wait = down->tls_wait = 0;
	}
}

int
vn_tls_relay(int in_fd, int out_fd, struct vn_tls *t, struct vn_relay_opts *o)
{
	struct side up = { 0 }, down = { 0 };
	int sock = vn_tls_fd(t), flags = fcntl(sock, F_GETFL), r = -1, err;
	long start = vn_now_ms();

	vn_relay_clear(o);
	if (flags < 0)
		return -1;
	up.buf = malloc(CHUNK);
	down.buf = malloc(CHUNK);
	down.ready = 1;
	if (in_fd < 0)
		up.eof = 1;
	fcntl(sock, F_SETFL, flags | O_NONBLOCK);
	if (!up.buf || !down.buf)
		errno = ENOMEM;
	else
		r = run(&up, &down, in_fd, out_fd, t, o);
	err = errno;
	o->in_ended = up.eof;
	o->sent = up.bytes;
	o->received = down.bytes;
	o->elapsed_ms = vn_now_ms() - start;
	free(up.buf);
	free(down.buf);
	fcntl(sock, F_SETFL, flags);
	errno = err;
	return r;
}
