/* core/out.h: a large output buffer in front of a stdio stream, with the
 * number and JSON string formatting the file tools print in their hot loops. */
#ifndef VN_OUT_H
#define VN_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct vn_out {
	FILE *f;
	char *buf;
	size_t len, cap;
	int err;        /* errno of the first failed write, or 0 */
};

/* A buffer of cap bytes in front of f. Returns 0, or -1 when out of memory. */
int vn_out_init(struct vn_out *o, FILE *f, size_t cap);
/* Hand what is buffered to the stream (not to the system: fflush does that),
 * so that other writers of the same stream, such as Lua's print, stay in
 * order. Returns 0, or -1 once a write has failed. */
int vn_out_flush(struct vn_out *o);
/* Flush, then free the buffer. */
int vn_out_free(struct vn_out *o);
/* vn_out_free, then fflush the stream: returns 0, or -1 with o->err set if
 * any write failed, now or before. */
int vn_out_close(struct vn_out *o);

void vn_out_write(struct vn_out *o, const void *p, size_t n);

static inline void
vn_out_put(struct vn_out *o, const void *p, size_t n)
{
	if (o->cap - o->len >= n) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	} else {
		vn_out_write(o, p, n);
	}
}

static inline void
vn_out_putc(struct vn_out *o, char c)
{
	if (o->len == o->cap)
		vn_out_flush(o);
	o->buf[o->len++] = c;
}

static inline void
vn_out_str(struct vn_out *o, const char *s)
{
	vn_out_put(o, s, strlen(s));
}

/* n copies of c. */
void vn_out_fill(struct vn_out *o, char c, int n);
/* Decimal and lower-case hexadecimal numbers. */
void vn_out_u64(struct vn_out *o, uint64_t v);
void vn_out_i64(struct vn_out *o, int64_t v);
void vn_out_hex(struct vn_out *o, uint64_t v);
void vn_out_oct(struct vn_out *o, uint64_t v);
/* v right-aligned in width columns. */
void vn_out_u64w(struct vn_out *o, uint64_t v, int width);

/* The digits of v into buf (at least 21 bytes), not terminated; returns their
 * count. */
int vn_out_digits(char *buf, uint64_t v);

/* S (N bytes) as a JSON string with its quotes. ", \ and control characters
 * are escaped (\n, \t… or \u00XX); valid UTF-8 is copied as it is; each byte
 * that is not part of a valid UTF-8 sequence becomes \udcXX (XX its value),
 * Python's "surrogateescape" form, so bytes.decode('utf-8', 'surrogateescape')
 * names round-trip. */
void vn_out_json(struct vn_out *o, const char *s, size_t n);

#endif
