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
	size_t i;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && !after_cr)
			*o++ = '\r';
		*o++ = in[i];
		after_cr = in[i] == '\r';
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

/* Format direction dir's line (fill bytes) and move its offset past it. */
static int
emit_line(struct vn_log *log, int dir)
{
	static const char hex[] = "0123456789abcdef";
	char text[LINE_MAX_LEN], *t = text;
	size_t i, fill = log->line[dir].fill;
	const unsigned char *b = log->line[dir].bytes;

	if (!fill)
		return 0;
	t += sprintf(t, "%c %04llx  ", dir == VN_LOG_SENT ? '>' : '<',
	             log->line[dir].off);
	for (i = 0; i < 16; i++) {
		if (i == 8)
			*t++ = ' ';
		*t++ = ' ';
		*t++ = i < fill ? hex[b[i] >> 4] : ' ';
		*t++ = i < fill ? hex[b[i] & 15] : ' ';
	}
	*t++ = ' ';
	*t++ = ' ';
	for (i = 0; i < fill; i++)
		*t++ = b[i] > ' ' && b[i] < 0x7f ? (char)b[i] : '.';
	*t++ = '\n';
	log->line[dir].off += fill;
	log->line[dir].fill = 0;
	return put(log, text, (size_t)(t - text));
}

int
vn_log_tap(void *ctx, int dir, const char *buf, size_t n)
{
	struct vn_log *log = ctx;
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
	while (n > 0) {
		take = 16 - log->line[dir].fill;
		if (take > n)
			take = n;
		memcpy(log->line[dir].bytes + log->line[dir].fill, buf, take);
		log->line[dir].fill += take;
		buf += take;
		n -= take;
		if (log->line[dir].fill == 16 && emit_line(log, dir) < 0)
			return -1;
	}
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
