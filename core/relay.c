/* core/relay.c: the one relay engine (core/relay.h): both directions
 * between a connection (plain or TLS) and a pair of descriptors.
 *
 * Where to look: the end of each direction (a half-close, over TLS too) is
 * step() and finish(); -q and the idle timeout are deadline(); the outcome
 * (what is a failure, and whose) is outcome(); the counters are set in
 * vn_relay.
 *
 * Datagrams (o->dgram, -u) are a kind of connection, not another loop: both
 * flows COPY, one read of in_fd is one datagram, the connection is read and
 * written through core/dgram.c's calls, and it never ends (an empty datagram
 * is not the end, nothing is shut), so the relay ends by deadline().
 *
 * Each direction is a flow from src to dst that moves bytes in one of four
 * ways:
 *   DIRECT  one splice(2) from the socket to a pipe on stdout (another
 *           program reads it): the data never enters the process;
 *   PIPED   splice from the socket to a pipe of ours, then to stdout (a file,
 *           a device, /dev/null);
 *   SENDFILE sendfile(2) from a regular file on stdin into the socket, from
 *           the page cache without a copy through the process;
 *   COPY    read(2)/write(2) through one fixed buffer: the only way over
 *           TLS (through the connection's calls) and where a transform or a
 *           tap sees the bytes.
 * The flow out of the socket splices, and falls back to COPY for what splice
 * refuses (an O_APPEND file, a terminal on older kernels...). The flow into
 * the socket uses SENDFILE from a regular file (measured: 4.2 against 3.5
 * GB/s on loopback) and otherwise copies, by measurement: on Linux 6 loopback (bench/relay.sh) a
 * spliced send costs more CPU on both ends than a copy, since TCP then carries
 * 4 KiB page fragments instead of the 32 KiB ones it packs from a copy, and
 * splicing from a stdin pipe holds that pipe's lock for the whole send, which
 * stalls the program writing into it (measured again on Linux 6.18 from a
 * 128 KiB-block feeder: splicing spends no less CPU than a 1 MiB copy, and the
 * stalled feeder halves the rate). The copy reads up to 1 MiB, as much as the
 * grown stdin pipe holds: fewer calls and far fewer wake-ups of both ends than
 * 64 KiB, for about half the CPU (bench/relay.sh: 0.64 against 1.16 s/GiB).
 *
 * Both flows advance in one poll loop: every call on the socket and on our
 * pipe is non-blocking, and stdin is read only when poll or FIONREAD says it
 * has data, so a stalled direction never holds up the other. The data in
 * flight sits in pipe buffers or in the one buffer: memory does not grow with
 * what is sent.
 *
 * TCP urgent data: splice stops at the urgent mark (it returns EAGAIN there
 * while poll reports the data behind it, or 0 once the peer's FIN is in), and
 * only recv(2) steps over the mark, dropping the urgent byte as nc does. At the
 * mark the flow copies until it is past, then splices again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string.h>

#include "net.h"
#include "relay.h"
#include "sig.h"

#define PIPE_SIZE (1 << 20)   /* asked of the kernel; less is fine */
#define MOVE_MAX  (1 << 20)   /* bytes asked of one DIRECT splice */
#define CHUNK     (1 << 20)   /* the COPY buffer: as much as a grown pipe holds
                               * (measured: about half the CPU of 64 KiB) */
#define RECORD    (16 * 1024) /* the largest plaintext of one TLS record */
#define SPLICE_FLAGS (SPLICE_F_NONBLOCK | SPLICE_F_MOVE)
#define FUTILE_MAX 32         /* poll wake-ups in a row that moved nothing... */
#define FUTILE_WAIT_MS 10     /* ...before each further one waits this long */

enum { DIRECT = 1, PIPED, SENDFILE, COPY };
enum { SRC = 1, DST = 2 };  /* the side of a flow that failed */

struct flow {
	int src, dst;           /* dst -1: what is read is dropped */
	struct vn_conn *src_net, *dst_net; /* the connection, when it is src or dst */
	int src_sock, dst_sock; /* a socket: recv/send with MSG_DONTWAIT */
	int src_file;           /* a regular file: reads never wait */
	int shut_dst;           /* at the end, shut dst's write side */
	int dir;                /* VN_RELAY_SEND or VN_RELAY_RECV */
	const struct vn_relay_dgram *dgram; /* the connection is a datagram socket */
	size_t rmax;            /* COPY: the most one read of src takes */
	vn_relay_xform xform;   /* COPY: buf[0, n) becomes xbuf[0, len) */
	void *xform_ctx;
	int interval_ms;        /* -i: buf[pend_off, pend_len) waits to go out a
	                         * line at a time, the next not before next_at */
	size_t pend_off, pend_len;
	long next_at;
	long wake_at;           /* waits for the clock until then (0: not) */
	char *xbuf, *out;       /* out: buf or xbuf, what is written */
	int mode;
	int resume;             /* COPY over an urgent mark: the mode to go back to */
	int past_mark;          /* a recv has stepped over the mark */
	int p[2];               /* PIPED: our pipe, and the bytes waiting in it */
	size_t inpipe, cap;
	char *buf;              /* COPY: buf[off, len) waits to be written */
	size_t off, len;
	int readable;           /* poll saw src ready since it was last found empty */
	int eof, done;
	unsigned long long bytes; /* written to dst */
	short wait_src, wait_dst; /* events to poll for; both 0: step now */
	int failed;             /* after a step's -1: SRC or DST */
};

static int
is_pipe(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* Bytes ready to read on a pipe or socket; 0 when unknown. */
static int
pending_bytes(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
}

/* splice(2) cannot join these two descriptors (as opposed to failing). */
static int
refused(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

static int
fail(struct flow *f, int side)
{
	f->failed = side;
	return -1;
}

/* Whether the socket's next byte is TCP urgent data, where splice stops. */
static int
at_mark(const struct flow *f)
{
	return f->src_net && sockatmark(f->src) > 0;
}

/* Leave splicing for read/write; bytes already in our pipe go out first. */
static int
to_copy(struct flow *f)
{
	if (!f->buf && !(f->buf = malloc(CHUNK)))
		return fail(f, SRC);
	if (f->xform && !f->xbuf && !(f->xbuf = malloc(2 * CHUNK)))
		return fail(f, SRC);
	f->out = f->xform ? f->xbuf : f->buf;
	f->mode = COPY;
	f->off = f->len = 0;
	f->readable = 0;
	return 1;
}

/* At an urgent mark: copy (recv steps over it), then splice again. */
static int
over_mark(struct flow *f)
{
	int mode = f->mode;

	if (to_copy(f) < 0)
		return -1;
	f->resume = mode;
	f->past_mark = 0;
	return 1;
}

/* A larger pipe between us and another program means fewer, larger reads
 * and splices on both of its ends, and fewer wake-ups. */
static void
grow_pipe(int fd)
{
	if (is_pipe(fd) && fcntl(fd, F_GETPIPE_SZ) < PIPE_SIZE)
		fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
}

static int
is_sock(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Set up flow f from src to dst, one of which is the connection net, and
 * choose how it moves bytes: without a copy where both ends allow it and
 * nothing must see the bytes. */
static int
flow_init(struct flow *f, int dir, int src, int dst, struct vn_conn *net,
          const struct vn_relay_opts *o)
{
	struct stat st;

	f->dir = dir;
	f->src = src;
	f->dst = dst;
	f->src_net = dir == VN_RELAY_RECV ? net : NULL;
	f->dst_net = dir == VN_RELAY_SEND ? net : NULL;
	f->src_sock = is_sock(src);
	f->dst_sock = is_sock(dst);
	f->src_file = fstat(src, &st) == 0 && S_ISREG(st.st_mode);
	f->shut_dst = f->dst_net || (o->shut_out && f->dst_sock);
	f->xform = o->xform[dir];
	f->xform_ctx = o->xform_ctx[dir];
	f->interval_ms = dir == VN_RELAY_SEND ? o->interval_ms : 0;
	f->dgram = o->dgram;
	f->rmax = o->dgram && dir == VN_RELAY_SEND ? o->dgram->max : CHUNK;
	f->p[0] = f->p[1] = -1;
	if (net->tls || net->tap || f->xform || f->interval_ms > 0 || dst < 0 ||
	    f->dgram)
		return to_copy(f);
	if (f->dst_net) {
		if (f->src_file) {
			f->mode = SENDFILE;
			return 0;
		}
		grow_pipe(src);
		return to_copy(f);
	}
	if (is_pipe(dst)) {
		grow_pipe(dst);
		f->mode = DIRECT;
		return 0;
	}
	if (pipe2(f->p, O_NONBLOCK | O_CLOEXEC) < 0)
		return to_copy(f);
	fcntl(f->p[1], F_SETPIPE_SZ, PIPE_SIZE);
	f->cap = (size_t)fcntl(f->p[1], F_GETPIPE_SZ);
	f->mode = PIPED;
	return 0;
}

/* One step of a flow in each mode: 1 when it moved something (or should be
 * stepped again), 0 when it must wait for the events in wait_src/wait_dst, -1
 * with errno and f->failed. */

static int
step_direct(struct flow *f)
{
	ssize_t r = splice(f->src, NULL, f->dst, NULL, MOVE_MAX, SPLICE_FLAGS);

	if (r > 0) {
		f->bytes += (size_t)r;
		return 1;
	}
	if (r == 0) {
		if (at_mark(f))
			return over_mark(f);
		f->eof = 1;
		return 1;
	}
	if (errno == EAGAIN) {
		/* At an urgent mark poll says readable and splice refuses. */
		if (f->readable && at_mark(f))
			return over_mark(f);
		f->readable = 0;
		/* Either src is empty or dst is full: the bytes waiting in src
		 * tell which, so that poll does not wake for the other. */
		if (pending_bytes(f->src) > 0)
			f->wait_dst = POLLOUT;
		else
			f->wait_src = POLLIN;
		return 0;
	}
	if (errno == EINTR)
		return 1;
	if (refused(errno))
		return to_copy(f);
	/* Past the pipe, a failure is the socket's, bar a closed reader. */
	return fail(f, f->dst_net || errno == EPIPE ? DST : SRC);
}

static int
step_piped(struct flow *f)
{
	int moved = 0, src_wait = 0, dst_wait = 0;
	ssize_t r;

	if (!f->eof && f->inpipe < f->cap) {
		r = splice(f->src, NULL, f->p[1], NULL, f->cap - f->inpipe, SPLICE_FLAGS);
		if (r > 0) {
			f->inpipe += (size_t)r;
			moved = 1;
		} else if (r == 0 && f->inpipe == 0 && at_mark(f)) {
			return over_mark(f);
		} else if (r == 0) {
			/* an end at an urgent mark is looked at once the pipe
			 * is empty */
			if (!at_mark(f))
				f->eof = 1;
			moved = 1;
		} else if (errno == EAGAIN) {
			/* Our pipe counts pages, not bytes: it may be full with
			 * inpipe < cap while src still holds data. At an urgent
			 * mark poll says readable and splice refuses. */
			if (f->inpipe == 0 && f->readable && at_mark(f))
				return over_mark(f);
			if (f->inpipe == 0)
				f->readable = 0;
			src_wait = f->inpipe == 0 || pending_bytes(f->src) == 0;
		} else if (errno == EINTR) {
			moved = 1;
		} else if (refused(errno)) {
			return to_copy(f);
		} else {
			return fail(f, SRC);
		}
	}
	if (f->inpipe > 0) {
		r = splice(f->p[0], NULL, f->dst, NULL, f->inpipe, SPLICE_FLAGS);
		if (r > 0) {
			f->inpipe -= (size_t)r;
			f->bytes += (size_t)r;
			moved = 1;
		} else if (r < 0 && errno == EAGAIN) {
			dst_wait = 1;
		} else if (r < 0 && errno == EINTR) {
			moved = 1;
		} else if (r < 0 && refused(errno)) {
			return to_copy(f);
		} else if (r < 0) {
			return fail(f, DST);
		}
	}
	if (moved)
		return 1;
	f->wait_src = src_wait ? POLLIN : 0;
	f->wait_dst = dst_wait ? POLLOUT : 0;
	if (!src_wait && !dst_wait)
		f->wait_dst = POLLOUT;   /* full pipe, dst took nothing */
	return 0;
}

static int
step_sendfile(struct flow *f)
{
	ssize_t r = sendfile(f->dst, f->src, NULL, MOVE_MAX);

	if (r > 0) {
		f->bytes += (size_t)r;
		return 1;
	}
	if (r == 0) {
		f->eof = 1;
		return 1;
	}
	if (errno == EAGAIN) {
		f->wait_dst = POLLOUT;
		return 0;
	}
	if (errno == EINTR)
		return 1;
	if (refused(errno))
		return to_copy(f);
	/* A file read fails with EIO; the rest is the socket's. */
	return fail(f, errno == EIO ? SRC : DST);
}

/* Read src into buf: its length, 0 at the end, -1 with errno (EAGAIN: wait
 * for f->wait_src). From TLS, the records already there are gathered into one
 * chunk, for fewer and larger writes. */
static ssize_t
copy_in(struct flow *f)
{
	ssize_t r;

	if (f->inpipe > 0) {
		/* left in our pipe when splice gave up */
		r = read(f->p[0], f->buf, f->inpipe < CHUNK ? f->inpipe : CHUNK);
		if (r > 0)
			f->inpipe -= (size_t)r;
		return r;
	}
	if (f->src_net && f->dgram)
		return f->dgram->recv(f->dgram->ctx, f->buf, CHUNK);
	if (f->src_net) {
		size_t len = 0;

		do {
			r = vn_conn_read(f->src_net, f->buf + len, CHUNK - len);
			if (r > 0)
				len += (size_t)r;
		} while (r > 0 && f->src_net->tls && CHUNK - len >= RECORD);
		f->past_mark = r >= 0 || errno != EINTR;
		if (r < 0 && errno == EAGAIN)
			f->wait_src = vn_conn_want(f->src_net, POLLIN);
		if (len > 0 && r == 0)
			f->eof = 1;   /* after these bytes */
		return len > 0 ? (ssize_t)len : r;
	}
	if (f->src_sock)
		return recv(f->src, f->buf, f->rmax, MSG_DONTWAIT);
	if (!f->readable && !f->src_file && pending_bytes(f->src) <= 0) {
		/* in_fd may block: read it only when it has data */
		errno = EAGAIN;
		return -1;
	}
	f->readable = 0;
	return read(f->src, f->buf, f->rmax);
}

/* The n bytes at p (in buf) become what is written, through the transform
 * (the connection's tap sees them as they are written). */
static void
emit(struct flow *f, const char *p, size_t n)
{
	f->off = 0;
	if (f->xform) {
		f->out = f->xbuf;
		f->len = f->xform(f->xform_ctx, p, n, f->xbuf);
	} else {
		f->out = (char *)p;
		f->len = n;
	}
}

/* -i: the next line of what was read goes out once its time has come: 1
 * when it did, 0 when the flow waits for the clock (f->wake_at). */
static int
next_line(struct flow *f)
{
	const char *p = f->buf + f->pend_off, *lf;
	size_t n = f->pend_len - f->pend_off;
	long now = vn_now_ms();

	if (now < f->next_at) {
		f->wake_at = f->next_at;
		return 0;
	}
	if ((lf = memchr(p, '\n', n)))
		n = (size_t)(lf - p) + 1;
	f->pend_off += n;
	f->next_at = now + f->interval_ms;
	emit(f, p, n);
	return 1;
}

/* What was read becomes what is written: at once, or with -i a line at a
 * time. */
static void
copy_took(struct flow *f, size_t n)
{
	if (f->interval_ms <= 0) {
		emit(f, f->buf, n);
		return;
	}
	f->off = f->len = 0;
	f->pend_off = 0;
	f->pend_len = n;
	next_line(f);
}

/* Write out[off, len) to dst: the byte count, or -1 with errno (EAGAIN: wait
 * for f->wait_dst). Without dst the bytes are dropped. */
static ssize_t
copy_out(struct flow *f)
{
	size_t n = f->len - f->off;
	ssize_t r;

	if (f->dst < 0)
		return (ssize_t)n;
	if (f->dst_net && f->dgram) {
		r = f->dgram->send(f->dgram->ctx, f->out + f->off, n);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			errno = EAGAIN;
			f->wait_dst = POLLOUT;
		}
		return r;
	}
	if (f->dst_net) {
		r = vn_conn_write(f->dst_net, f->out + f->off, n);
		if (r < 0 && errno == EAGAIN)
			f->wait_dst = vn_conn_want(f->dst_net, POLLOUT);
		return r;
	}
	if (f->dst_sock)
		r = send(f->dst, f->out + f->off, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		r = write(f->dst, f->out + f->off, n);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		errno = EAGAIN;
		f->wait_dst = POLLOUT;
	}
	return r;
}

static int
step_copy(struct flow *f)
{
	ssize_t r;

	if (f->off == f->len && f->pend_off < f->pend_len) {
		if (!next_line(f))
			return 0;
	} else if (f->off == f->len && !f->eof) {
		r = copy_in(f);
		if (r > 0)
			copy_took(f, (size_t)r);
		if (r == 0 && f->src_net && f->dgram)
			return 1;   /* an empty datagram */
		if (r == 0) {
			f->eof = 1;
			return 1;
		}
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!f->wait_src)
				f->wait_src = POLLIN;
			if (f->resume && f->past_mark) {
				f->mode = f->resume;
				f->resume = 0;
			}
			return 0;
		}
		if (r < 0)
			return errno == EINTR ? 1 : fail(f, SRC);
	}
	if (f->off < f->len) {
		r = copy_out(f);
		if (r > 0) {
			f->off += (size_t)r;
			f->bytes += (size_t)r;
		} else if (r < 0 && errno == EAGAIN) {
			return 0;
		} else if (r < 0 && errno != EINTR) {
			return fail(f, DST);
		}
	}
	if (f->resume && f->past_mark && f->off == f->len && f->inpipe == 0) {
		f->mode = f->resume;   /* past the mark: splice again */
		f->resume = 0;
	}
	return 1;
}

/* The flow's source has ended and everything is out: shut dst's write side
 * (a close_notify first over TLS, which may have to wait), and it is done. */
static int
finish(struct flow *f)
{
	if (f->dst_net && !f->dgram && vn_conn_shut_write(f->dst_net) < 0 &&
	    errno == EAGAIN) {
		f->wait_dst = vn_conn_want(f->dst_net, POLLOUT);
		return 0;
	}
	if (!f->dst_net && f->shut_dst)
		shutdown(f->dst, SHUT_WR);
	f->done = 1;
	return 1;
}

/* Advance f once. */
static int
step(struct flow *f)
{
	int r;

	f->wait_src = f->wait_dst = 0;
	f->wake_at = 0;
	if (f->mode == DIRECT)
		r = step_direct(f);
	else if (f->mode == PIPED)
		r = step_piped(f);
	else if (f->mode == SENDFILE)
		r = step_sendfile(f);
	else
		r = step_copy(f);
	if (r > 0 && f->eof && f->inpipe == 0 && f->off == f->len &&
	    f->pend_off == f->pend_len)
		return finish(f);
	return r;
}

static void
flow_free(struct flow *f)
{
	if (f->p[0] >= 0) {
		close(f->p[0]);
		close(f->p[1]);
	}
	free(f->buf);
	free(f->xbuf);
}

/* Ask poll for the events the flows wait on: entry 2i is flow i's src, 2i+1
 * its dst. */
static void
set_poll(struct pollfd *p, const struct flow *f)
{
	int i;

	for (i = 0; i < 2; i++, f++) {
		p[2 * i].fd = f->done || !f->wait_src ? -1 : f->src;
		p[2 * i].events = f->wait_src;
		p[2 * i + 1].fd = f->done || !f->wait_dst ? -1 : f->dst;
		p[2 * i + 1].events = f->wait_dst;
		p[2 * i].revents = p[2 * i + 1].revents = 0;
	}
}

/* Whether a live flow waits for poll. */
static int
waiting(const struct flow *fl)
{
	int i;

	for (i = 0; i < 2; i++)
		if (!fl[i].done && (fl[i].wait_src || fl[i].wait_dst || fl[i].wake_at))
			return 1;
	return 0;
}

/* Step f without waiting until it must wait, fails or is done (a bounded
 * number of times). Returns whether it is done. */
static int
drained(struct flow *f)
{
	int i, err = errno;

	for (i = 0; i < 256 && !f->done && step(f) > 0; i++)
		;
	errno = err;
	return f->done;
}

/* The outcome of a flow's failed step (errno as it failed): 0 when the relay
 * ends well all the same, else -1 with o->failed and errno. One rule, over TLS as over plain. */
static int
outcome(struct flow *fl, int i, struct vn_relay_opts *o)
{
	struct flow *f = &fl[i];
	int peer_gone = !f->dgram && (errno == EPIPE || errno == ECONNRESET);

	if (fl[1].src_net->tap_failed) {   /* the log, whichever call met it */
		o->failed = VN_RELAY_TAP;
		return -1;
	}
	/* stdout closed: nothing more to do. A program that stopped reading
	 * may still be writing: its direction goes on. */
	if (i == VN_RELAY_RECV && f->failed == DST && errno == EPIPE) {
		o->out_closed = 1;
		f->done = o->shut_out;
		return o->shut_out;
	}
	/* The peer ended its side and does not want the rest. */
	if (i == VN_RELAY_SEND && f->failed == DST && peer_gone && fl[1].done)
		return 0;
	/* The peer closed while we sent: what it sent before, and its end
	 * if it said so in band (a close_notify), may still wait to be read. */
	if (i == VN_RELAY_SEND && f->failed == DST && peer_gone &&
	    drained(&fl[1]) && vn_conn_end_said(fl[1].src_net))
		return 0;
	if (i == VN_RELAY_SEND)
		o->failed = f->failed == SRC ? VN_RELAY_IN : VN_RELAY_NET;
	else
		o->failed = f->failed == DST ? VN_RELAY_OUT : VN_RELAY_NET;
	/* A socket refuses data with EPIPE once the peer has reset it: say so. */
	if (o->failed == VN_RELAY_NET && errno == EPIPE)
		errno = ECONNRESET;
	return -1;
}

/* The clock of the relay: when it must end although a direction is open. */
struct clock {
	long idle_at;   /* the idle timeout's deadline, or -1 */
	long end_at;    /* the deadline after one direction ended, -1 before;
	                 * LONG_MAX: none */
};

/* 1 when one end's deadline has passed (the relay ends well), else 0. */
static int
end_passed(struct clock *k, const struct flow *fl, const struct vn_relay_opts *o)
{
	long now;

	if (!fl[0].done && !fl[1].done)
		return 0;
	now = vn_now_ms();
	if (k->end_at < 0) {
		int ms = fl[0].done ? o->in_end_ms : o->peer_end_ms;

		k->end_at = ms >= 0 ? now + ms : LONG_MAX;
	}
	return now >= k->end_at;
}

/* The poll timeout until the next deadline (-1: none); -2 once the idle
 * timeout has passed. moved: data moved since the last wait. */
static int
deadline(struct clock *k, const struct flow *fl, int moved,
         const struct vn_relay_opts *o)
{
	long now = vn_now_ms(), until = -1;
	int i;

	/* -i's wait for a line's time is not idleness: the input has more */
	for (i = 0; i < 2; i++)
		moved |= !fl[i].done && fl[i].wake_at;
	if (o->idle_timeout_ms >= 0) {
		if (moved || k->idle_at < 0)
			k->idle_at = now + o->idle_timeout_ms;
		else if (now >= k->idle_at)
			return -2;
		until = k->idle_at;
	}
	if (k->end_at >= 0 && k->end_at != LONG_MAX && (until < 0 || k->end_at < until))
		until = k->end_at;
	for (i = 0; i < 2; i++)   /* -i: a line's time */
		if (!fl[i].done && fl[i].wake_at && (until < 0 || fl[i].wake_at < until))
			until = fl[i].wake_at;
	if (until < 0)
		return -1;
	return until > now ? (int)(until - now) : 0;
}

/* Whether f must not step yet: datagrams to send before there is a peer
 * (in_fd is not read until then). */
static int
held(const struct flow *f)
{
	return f->dgram && f->dst_net && !f->dgram->ready(f->dgram->ctx);
}

/* Step every flow that does not wait: 1 if one moved, 0 if none did (or
 * none could step: *stepped says), -1 at the relay's end (*r the result). */
static int
step_all(struct flow *fl, int *stepped, struct vn_relay_opts *o, int *r)
{
	int i, progress = 0, s;

	*stepped = 0;
	for (i = 0; i < 2; i++) {
		struct flow *f = &fl[i];

		if (f->done || f->wait_src || f->wait_dst || f->wake_at || held(f))
			continue;
		*stepped = 1;
		s = step(f);
		if (s > 0)
			progress = 1;
		else if (s < 0 && (*r = outcome(fl, i, o)) <= 0)
			return -1;
		else if (s < 0)
			progress = 1;
	}
	return progress;
}

/* Wait for the events the flows wait on, within timeout; over TLS any event
 * on the connection lets both flows try again (either may need the other's
 * event). */
static int
wait_flows(struct flow *fl, struct vn_conn *net, int timeout)
{
	struct pollfd p[4];
	int i, woke_net = 0;
	long now;

	set_poll(p, fl);
	if (vn_poll(p, 4, timeout) < 0)
		return -1;
	now = vn_now_ms();
	for (i = 0; i < 2; i++)
		if (fl[i].wake_at && now >= fl[i].wake_at)
			fl[i].wake_at = 0;
	for (i = 0; i < 4; i++)
		woke_net |= p[i].revents && p[i].fd == net->fd;
	for (i = 0; i < 2; i++)
		if (p[2 * i].revents || p[2 * i + 1].revents ||
		    (woke_net && net->tls)) {
			fl[i].readable |= p[2 * i].revents != 0;
			fl[i].wait_src = fl[i].wait_dst = 0;
		}
	return 0;
}

/* The loop over both flows; fl[0] is in -> net, fl[1] net -> out. */
static int
run(struct flow *fl, struct vn_conn *net, struct vn_relay_opts *o)
{
	struct clock k = { -1, -1 };
	int moved = 1, futile = 0, stepped, progress, r = 0, timeout;

	for (;;) {
		if (vn_sig_pending()) {
			errno = EINTR;
			return -1;
		}
		if ((fl[0].done && fl[1].done) || (o->recv_only && fl[1].done))
			return 0;
		if (o->send_only && fl[0].done)
			return 0;
		if (!o->recv_only && end_passed(&k, fl, o))
			return 0;
		if ((progress = step_all(fl, &stepped, o, &r)) < 0)
			return r;
		moved |= progress;
		/* Woken by poll, and still nothing could move: whatever the
		 * state that makes poll and the calls disagree, do not spin. */
		if (progress)
			futile = 0;
		else if (stepped && ++futile > FUTILE_MAX &&
		         vn_poll(NULL, 0, FUTILE_WAIT_MS) < 0)
			return -1;
		/* A flow that keeps moving must not starve one that waits:
		 * look at the waiting one's events without sleeping. */
		if (stepped && !waiting(fl))
			continue;
		timeout = deadline(&k, fl, moved, o);
		if (timeout == -2) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (stepped)
			timeout = 0;
		else
			moved = 0;
		/* About to sleep: the tap's buffered bytes go out first. */
		if (timeout != 0 && vn_conn_flush(net) < 0) {
			o->failed = VN_RELAY_TAP;
			return -1;
		}
		if (wait_flows(fl, net, timeout) < 0)
			return -1;
	}
}

int
vn_relay(struct vn_conn *c, int in_fd, int out_fd, struct vn_relay_opts *o)
{
	struct flow fl[2];
	int flags = fcntl(c->fd, F_GETFL), r = -1, err;
	long start = vn_now_ms();

	o->failed = o->in_ended = o->out_closed = 0;
	o->sent = o->received = 0;
	o->elapsed_ms = 0;
	memset(fl, 0, sizeof fl);
	fl[0].p[0] = fl[0].p[1] = fl[1].p[0] = fl[1].p[1] = -1;
	if (flags < 0)
		return -1;
	fcntl(c->fd, F_SETFL, flags | O_NONBLOCK);
	if (o->recv_only) {
		fl[0].done = 1;    /* never read, never shut */
	} else if (in_fd < 0) {
		/* nothing to send: the first step shuts the write side */
		fl[0].eof = 1;
		fl[0].mode = COPY;
		fl[0].src = -1;
		fl[0].dst = c->fd;
		fl[0].dst_net = c;
		fl[0].dgram = o->dgram;
	}
	if ((fl[0].done || fl[0].eof ||
	     flow_init(&fl[0], VN_RELAY_SEND, in_fd, c->fd, c, o) >= 0) &&
	    flow_init(&fl[1], VN_RELAY_RECV, c->fd, o->send_only ? -1 : out_fd, c, o) >= 0)
		r = run(fl, c, o);
	err = errno;
	/* The log is current when the relay ends (with -k, while the next
	 * client is awaited). */
	if (vn_conn_flush(c) < 0 && r == 0) {
		err = errno;
		o->failed = VN_RELAY_TAP;
		r = -1;
	}
	o->in_ended = fl[0].eof;
	o->sent = fl[0].bytes;
	o->received = fl[1].bytes;
	o->elapsed_ms = vn_now_ms() - start;
	flow_free(&fl[0]);
	flow_free(&fl[1]);
	fcntl(c->fd, F_SETFL, flags);
	errno = err;
	return r;
}

const char *
vn_relay_strerror(const struct vn_relay_opts *o, const struct vn_conn *c, int err)
{
	return o->failed == VN_RELAY_NET ? vn_conn_strerror(c, err) : strerror(err);
}

void
vn_relay_set_ends(struct vn_relay_opts *o, int in_fd, int quit_ms)
{
	o->in_end_ms = quit_ms;
	o->peer_end_ms = in_fd >= 0 && isatty(in_fd) ? 0 : quit_ms;
}

const char *
vn_relay_where(const struct vn_relay_opts *o, const char *peer)
{
	if (o->failed == VN_RELAY_IN)
		return "standard input";
	if (o->failed == VN_RELAY_OUT)
		return "standard output";
	if (o->failed == VN_RELAY_TAP)
		return "the session log";
	return peer;
}

const char *
vn_relay_summary(const struct vn_relay_opts *o, char buf[VN_SUMMARYLEN])
{
	snprintf(buf, VN_SUMMARYLEN, "%llu bytes sent, %llu bytes received in %.3f seconds",
	         o->sent, o->received, o->elapsed_ms / 1000.0);
	return buf;
}
