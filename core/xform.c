/* core/xform.c: CRLF line ends and session logs, the relay's stream
 * transforms. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "xform.h"

size_t
vn_crlf(void *ctx, const char *in, size_t n, char *out)
{
	struct vn_crlf *c = ctx;
	int after_cr = c->after_cr;
	char *o = out;

	/* whole runs without an LF are copied at once */
	while (n > 0) {
		const char *lf = memchr(in, '\n', n);
		size_t run = lf ? (size_t)(lf - in) : n;

		memcpy(o, in, run);
		o += run;
		if (run)
			after_cr = in[run - 1] == '\r';
		if (!lf)
			break;
		if (!after_cr)
			*o++ = '\r';
		*o++ = '\n';
		after_cr = 0;
		in += run + 1;
		n -= run + 1;
	}
	c->after_cr = after_cr;
	return (size_t)(o - out);
}

/* The longest hex line: mark, offset (16 digits at most), 16 bytes, text. */
enum { LINE_MAX_LEN = 2 + 16 + 3 + 16 * 3 + 1 + 1 + 16 + 1 };

struct vn_log {
	int fd;
	enum vn_log_format format;
	int err;                       /* errno of a failed write, then sticky */
	size_t used;                   /* bytes in buf */
	char buf[16384];
	/* -x: each direction's short line and the offset of its first byte */
	struct {
		unsigned char bytes[16];
		size_t fill;
		unsigned long long off;
	} line[2];
};

struct vn_log *
vn_log_open(const char *path, enum vn_log_format format, int append)
{
	struct vn_log *log = calloc(1, sizeof *log);
	int err;

	if (!log)
		return NULL;
	log->format = format;
	log->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
	               (append ? O_APPEND : O_TRUNC), 0666);
	if (log->fd < 0) {
		err = errno;
		free(log);
		errno = err;
		return NULL;
	}
	return log;
}

/* Write out the buffer. */
static int
drain(struct vn_log *log)
{
	if (log->err) {
		errno = log->err;
		return -1;
	}
	if (log->used && vn_write_all(log->fd, log->buf, log->used) < 0) {
		log->err = errno;
		return -1;
	}
	log->used = 0;
	return 0;
}

/* Append n bytes to the buffer, draining it when they do not fit. */
static int
put(struct vn_log *log, const char *p, size_t n)
{
	if (log->used + n > sizeof log->buf && drain(log) < 0)
		return -1;
	if (n > sizeof log->buf) {
		/* a big chunk goes straight to the file */
		if (vn_write_all(log->fd, p, n) < 0) {
			log->err = errno;
			return -1;
		}
		return 0;
	}
	memcpy(log->buf + log->used, p, n);
	log->used += n;
	return 0;
}

/* One hex line at t: direction dir's fill (1 to 16) bytes at b, whose first
 * is at offset off of its stream. Returns the end of the line. */
static char *
format_line(char *t, int dir, unsigned long long off, const unsigned char *b,
            size_t fill)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	size_t i;
	int nd = 0;

	*t++ = dir == VN_LOG_SENT ? '>' : '<';
	*t++ = ' ';
	do {                             /* the offset: 4 hex digits at least */
		digits[nd++] = hex[off & 15];
		off >>= 4;
	} while (off || nd < 4);
	while (nd)
		*t++ = digits[--nd];
	*t++ = ' ';
	*t++ = ' ';
	for (i = 0; i < fill; i++) {
		t[0] = ' ';
		t[1] = hex[b[i] >> 4];
		t[2] = hex[b[i] & 15];
		t += 3;
		if (i == 7)
			*t++ = ' ';
	}
	/* blanks where a short line's bytes would be, then two */
	i = 3 * (16 - fill) + (fill < 8) + 2;
	memset(t, ' ', i);
	t += i;
	for (i = 0; i < fill; i++)
		*t++ = b[i] > ' ' && b[i] < 0x7f ? (char)b[i] : '.';
	*t++ = '\n';
	return t;
}

/* Write the line of dir's fill bytes at b to the buffer, and move dir's
 * offset past them. */
static int
put_line(struct vn_log *log, int dir, const unsigned char *b, size_t fill)
{
	if (log->used + LINE_MAX_LEN > sizeof log->buf && drain(log) < 0)
		return -1;
	log->used = (size_t)(format_line(log->buf + log->used, dir, log->line[dir].off,
	                                 b, fill) - log->buf);
	log->line[dir].off += fill;
	return 0;
}

/* Write out direction dir's short line, if it has one. */
static int
emit_line(struct vn_log *log, int dir)
{
	size_t fill = log->line[dir].fill;

	if (!fill)
		return 0;
	log->line[dir].fill = 0;
	return put_line(log, dir, log->line[dir].bytes, fill);
}

int
vn_log_tap(void *ctx, int dir, const char *buf, size_t n)
{
	struct vn_log *log = ctx;
	const unsigned char *b = (const unsigned char *)buf;
	size_t take;

	if (log->err) {
		errno = log->err;
		return -1;
	}
	if (log->format == VN_LOG_RAW)
		return put(log, buf, n);
	dir = dir == VN_LOG_SENT ? VN_LOG_SENT : VN_LOG_RECEIVED;
	if (emit_line(log, !dir) < 0)
		return -1;
	/* finish the short line, then whole lines straight from buf */
	if (log->line[dir].fill) {
		take = 16 - log->line[dir].fill;
		if (take > n)
			take = n;
		memcpy(log->line[dir].bytes + log->line[dir].fill, b, take);
		log->line[dir].fill += take;
		b += take;
		n -= take;
		if (log->line[dir].fill == 16 && emit_line(log, dir) < 0)
			return -1;
	}
	for (; n >= 16; b += 16, n -= 16)
		if (put_line(log, dir, b, 16) < 0)
			return -1;
	memcpy(log->line[dir].bytes + log->line[dir].fill, b, n);
	log->line[dir].fill += n;
	return 0;
}

int
vn_log_flush(struct vn_log *log)
{
	if (emit_line(log, VN_LOG_SENT) < 0 || emit_line(log, VN_LOG_RECEIVED) < 0)
		return -1;
	return drain(log);
}

int
vn_log_close(struct vn_log *log)
{
	int r, err = 0;

	if (!log)
		return 0;
	if ((r = vn_log_flush(log)) < 0)
		err = errno;
	if (close(log->fd) < 0 && r == 0) {
		err = errno;
		r = -1;
	}
	free(log);
	errno = err;
	return r;
}
