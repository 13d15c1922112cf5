/* core/xform.h: the stream transforms the relay calls on the bytes it moves:
 * CRLF line ends (-C) and session logs (-o, --append-output, -x). Pure
 * functions over buffers, with their state in a context: no poll, no socket.
 * A relay calls them chunk by chunk, in the order the bytes go. */
#ifndef VN_XFORM_H
#define VN_XFORM_H

#include <stddef.h>

/* -C: the state of one direction's line ends; all zero is the start. */
struct vn_crlf {
	int after_cr;   /* the last byte seen was a CR */
};

/* Copy the n bytes at in to out with every LF that a CR does not precede
 * turned into CRLF; a CRLF already there is kept as it is, also when its CR
 * ended the previous chunk (ctx, a struct vn_crlf, remembers it). out has room
 * for 2 * n bytes and must not overlap in. Returns how many bytes it wrote.
 * Over any split of a stream into chunks, the output is the same as over the
 * whole. */
size_t vn_crlf(void *ctx, const char *in, size_t n, char *out);

/* The direction of the bytes a log sees. */
enum vn_log_dir {
	VN_LOG_SENT = 0,       /* sent to the peer */
	VN_LOG_RECEIVED = 1    /* received from the peer */
};

/* What a log writes. */
enum vn_log_format {
	VN_LOG_RAW,   /* -o: the bytes as they are, both directions in order */
	VN_LOG_HEX    /* -x: ncat's hex dump, each line marked with its direction */
};

/* A session log. */
struct vn_log;

/* Open PATH for a log: created (mode 0666 less the umask), truncated, or with
 * append appended to. Returns the log, or NULL with errno. */
struct vn_log *vn_log_open(const char *path, enum vn_log_format format, int append);

/* The tap: log the n bytes at buf that went in direction dir (ctx is the
 * struct vn_log). The bytes are buffered; the file is written when the buffer
 * fills, at vn_log_flush and at vn_log_close. Returns 0, or -1 with errno
 * when writing the file failed (the log then holds what was written before;
 * later calls fail alike).
 *
 * The hex dump: a line per 16 bytes of one direction,
 *     "> 0010   68 65 6c 6c 6f 20 66 72  6f 6d 20 74 68 65 20 73  hello.from.the.s"
 * the mark ('>' sent, '<' received), the offset of the line's first byte in
 * that direction's stream (hex, 4 digits at least), the bytes in hex (an
 * extra blank after the eighth), then the bytes as text (a byte that is not
 * a printable ASCII character other than the blank as '.'). A line that a
 * chunk leaves short is finished by the next bytes of the same direction; it
 * is written short when the other direction's bytes come first, at
 * vn_log_flush or at vn_log_close, and the next line of its direction goes on
 * from its offset. */
int vn_log_tap(void *ctx, int dir, const char *buf, size_t n);

/* Write what is buffered (a short hex line too) to the file: a relay calls it
 * before it waits, so that the log is current while the session idles.
 * Returns 0, or -1 with errno. */
int vn_log_flush(struct vn_log *log);

/* Flush, close the file and free the log (NULL: nothing). Returns 0, or -1
 * with errno when the last writes or close(2) failed. */
int vn_log_close(struct vn_log *log);

#endif
