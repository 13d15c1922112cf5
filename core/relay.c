/* core/relay.c: the relay of both directions between stdio and a socket.
 *
 * Each direction is a flow from src to dst that moves bytes in one of three
 * ways:
 *   DIRECT  one splice(2) from the socket to a pipe on stdout (another
 *           program reads it): the data never enters the process;
 *   PIPED   splice from the socket to a pipe of ours, then to stdout (a file,
 *           a device, /dev/null);
 *   SENDFILE sendfile(2) from a regular file on stdin into the socket, from
 *           the page cache without a copy through the process;
 *   COPY    read(2)/write(2) through one fixed buffer.
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

#include "net.h"
#include "relay.h"
#include "sig.h"

#define PIPE_SIZE (1 << 20)   /* asked of the kernel; less is fine */
#define MOVE_MAX  (1 << 20)   /* bytes asked of one DIRECT splice */
#define CHUNK     (1 << 20)   /* the COPY buffer: as much as a grown pipe holds
                               * (measured: about half the CPU of 64 KiB) */
#define SPLICE_FLAGS (SPLICE_F_NONBLOCK | SPLICE_F_MOVE)
#define FUTILE_MAX 32         /* poll wake-ups in a row that moved nothing... */
#define FUTILE_WAIT_MS 10     /* ...before each further one waits this long */

enum { DIRECT = 1, PIPED, SENDFILE, COPY };
enum { SRC = 1, DST = 2 };    /* the side of a flow that failed */

struct flow {
	int src, dst;
	int src_sock, dst_sock; /* our socket: recv/send with MSG_DONTWAIT */
	int src_file;           /* a regular file: reads never wait */
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
	return f->src_sock && sockatmark(f->src) > 0;
}

/* Leave splicing for read/write; bytes already in our pipe go out first. */
static int
to_copy(struct flow *f)
{
	if (!f->buf && !(f->buf = malloc(CHUNK)))
		return fail(f, SRC);
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
flow_init(struct flow *f, int src, int dst, int sock)
{
	struct stat st;

	f->src = src;
	f->dst = dst;
	f->src_sock = src == sock;
	f->dst_sock = dst == sock;
	f->src_file = fstat(src, &st) == 0 && S_ISREG(st.st_mode);
	f->p[0] = f->p[1] = -1;
	if (f->dst_sock) {
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
	return fail(f, f->dst_sock || errno == EPIPE ? DST : SRC);
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

static int
step_copy(struct flow *f)
{
	ssize_t r;

	if (f->off == f->len && !f->eof) {
		size_t n = CHUNK;

		if (f->inpipe > 0) {
			/* left in our pipe when splice gave up */
			if (n > f->inpipe)
				n = f->inpipe;
			r = read(f->p[0], f->buf, n);
			if (r > 0)
				f->inpipe -= (size_t)r;
		} else if (f->src_sock) {
			r = recv(f->src, f->buf, n, MSG_DONTWAIT);
			f->past_mark = r >= 0 || errno != EINTR;
		} else if (!f->readable && !f->src_file && pending_bytes(f->src) <= 0) {
			/* in_fd may block: read it only when it has data */
			f->wait_src = POLLIN;
			return 0;
		} else {
			f->readable = 0;
			r = read(f->src, f->buf, n);
		}
		if (r > 0) {
			f->off = 0;
			f->len = (size_t)r;
		} else if (r == 0) {
			f->eof = 1;
			return 1;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			f->wait_src = POLLIN;
			if (f->resume && f->past_mark) {
				f->mode = f->resume;
				f->resume = 0;
			}
			return 0;
		} else if (errno == EINTR) {
			return 1;
		} else {
			return fail(f, SRC);
		}
	}
	if (f->off < f->len) {
		if (f->dst_sock)
			r = send(f->dst, f->buf + f->off, f->len - f->off,
			         MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			r = write(f->dst, f->buf + f->off, f->len - f->off);
		if (r > 0) {
			f->off += (size_t)r;
			f->bytes += (size_t)r;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			f->wait_dst = POLLOUT;
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

/* Advance f once. At its end (src ended, nothing held) it is done; the flow into
 * the socket then shuts the socket's write side. */
static int
step(struct flow *f, int sock)
{
	int r;

	f->wait_src = f->wait_dst = 0;
	if (f->mode == DIRECT)
		r = step_direct(f);
	else if (f->mode == PIPED)
		r = step_piped(f);
	else if (f->mode == SENDFILE)
		r = step_sendfile(f);
	else
		r = step_copy(f);
	if (r > 0 && f->eof && f->inpipe == 0 && f->off == f->len) {
		f->done = 1;
		if (f->dst_sock)
			shutdown(sock, SHUT_WR);
	}
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
		if (!fl[i].done && (fl[i].wait_src || fl[i].wait_dst))
			return 1;
	return 0;
}

void
vn_relay_clear(struct vn_relay_opts *o)
{
	o->failed = o->in_ended = o->out_closed = 0;
	o->sent = o->received = 0;
	o->elapsed_ms = 0;
}

long
vn_relay_deadline(long idle_at, long end_at)
{
	if (idle_at < 0 || (end_at >= 0 && end_at < idle_at))
		return end_at;
	return idle_at;
}

/* The loop over both flows; fl[0] is in -> sock, fl[1] sock -> out. */
static int
run(struct flow *fl, int sock, struct vn_relay_opts *o)
{
	long idle_at = -1, end_at = -1, now, until;
	int moved = 1, futile = 0, i;

	for (;;) {
		struct pollfd p[4];
		int stepped = 0, progress = 0, r, timeout = -1;

		if (vn_sig_pending()) {
			errno = EINTR;
			return -1;
		}
		if (fl[0].done && fl[1].done)
			return 0;
		if (fl[0].done || fl[1].done) {
			/* one direction has ended: the other may have a limit */
			now = vn_now_ms();
			if (end_at < 0) {
				int ms = fl[0].done ? o->in_end_ms : o->peer_end_ms;

				end_at = ms >= 0 ? now + ms : LONG_MAX;
			}
			if (now >= end_at)
				return 0;
		}
		for (i = 0; i < 2; i++) {
			struct flow *f = &fl[i];

			if (f->done || f->wait_src || f->wait_dst)
				continue;
			stepped = 1;
			r = step(f, sock);
			if (r > 0) {
				moved = progress = 1;
			} else if (r < 0) {
				int peer_gone = errno == EPIPE || errno == ECONNRESET;

				/* stdout closed: nothing more to do. */
				if (i == 1 && f->failed == DST && errno == EPIPE) {
					o->out_closed = 1;
					return 0;
				}
				/* The peer closed and does not want the rest. */
				if (i == 0 && f->failed == DST && peer_gone && fl[1].done)
					return 0;
				if (i == 0)
					o->failed = f->failed == SRC ? VN_RELAY_IN : VN_RELAY_NET;
				else
					o->failed = f->failed == DST ? VN_RELAY_OUT : VN_RELAY_NET;
				/* A socket refuses data with EPIPE once the peer has
				 * reset it: say so. */
				if (o->failed == VN_RELAY_NET && errno == EPIPE)
					errno = ECONNRESET;
				return -1;
			}
		}
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
		now = vn_now_ms();
		if (o->idle_timeout_ms >= 0) {
			if (moved)
				idle_at = now + o->idle_timeout_ms;
			else if (now >= idle_at) {
				errno = ETIMEDOUT;
				return -1;
			}
		}
		until = vn_relay_deadline(idle_at, end_at == LONG_MAX ? -1 : end_at);
		if (until >= 0)
			timeout = until > now ? (int)(until - now) : 0;
		if (stepped)
			timeout = 0;
		else
			moved = 0;
		set_poll(p, fl);
		r = vn_poll(p, 4, timeout);
		if (r < 0)
			return -1;
		for (i = 0; i < 2; i++)
			if (p[2 * i].revents || p[2 * i + 1].revents) {
				fl[i].readable |= p[2 * i].revents != 0;
				fl[i].wait_src = fl[i].wait_dst = 0;
			}
	}
}

int
vn_relay(int in_fd, int out_fd, int sock, struct vn_relay_opts *o)
{
	struct flow fl[2] = { { 0 }, { 0 } };
	int flags = fcntl(sock, F_GETFL), r = -1, err;
	long start = vn_now_ms();

	vn_relay_clear(o);
	if (flags < 0)
		return -1;
	fl[0].p[0] = fl[0].p[1] = fl[1].p[0] = fl[1].p[1] = -1;
	fcntl(sock, F_SETFL, flags | O_NONBLOCK);
	if (in_fd < 0) {
		fl[0].done = fl[0].eof = 1;
		shutdown(sock, SHUT_WR);
	}
	if ((in_fd < 0 || flow_init(&fl[0], in_fd, sock, sock) >= 0) &&
	    flow_init(&fl[1], sock, out_fd, sock) >= 0)
		r = run(fl, sock, o);
	err = errno;
	o->in_ended = fl[0].eof;
	o->sent = fl[0].bytes;
	o->received = fl[1].bytes;
	o->elapsed_ms = vn_now_ms() - start;
	flow_free(&fl[0]);
	flow_free(&fl[1]);
	fcntl(sock, F_SETFL, flags);
	errno = err;
	return r;
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
	return peer;
}

const char *
vn_relay_summary(const struct vn_relay_opts *o, char buf[VN_SUMMARYLEN])
{
	snprintf(buf, VN_SUMMARYLEN, "%llu bytes sent, %llu bytes received in %.3f seconds",
	         o->sent, o->received, o->elapsed_ms / 1000.0);
	return buf;
}
