/* core/out.c: buffered output, numbers and JSON strings for the file tools. */
#include <errno.h>
#include <stdlib.h>

#include "out.h"

int
vn_out_init(struct vn_out *o, FILE *f, size_t cap)
{
	o->f = f;
	o->len = 0;
	o->cap = cap < 64 ? 64 : cap;
	o->err = 0;
	o->buf = malloc(o->cap);
	return o->buf ? 0 : -1;
}

int
vn_out_flush(struct vn_out *o)
{
	if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->err = errno ? errno : EIO;
	o->len = 0;
	return o->err ? -1 : 0;
}

int
vn_out_free(struct vn_out *o)
{
	int r = vn_out_flush(o);

	free(o->buf);
	o->buf = NULL;
	o->cap = 0;
	return r;
}

int
vn_out_close(struct vn_out *o)
{
	vn_out_free(o);
	errno = 0;
	if (fflush(o->f) == EOF && !o->err)
		o->err = errno ? errno : EIO;
	if (ferror(o->f) && !o->err)
		o->err = EIO;
	return o->err ? -1 : 0;
}

void
vn_out_write(struct vn_out *o, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		size_t k;

		if (o->len == o->cap)
			vn_out_flush(o);
		k = o->cap - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void
vn_out_fill(struct vn_out *o, char c, int n)
{
	for (; n > 0; n--)
		vn_out_putc(o, c);
}

int
vn_out_digits(char *buf, uint64_t v)
{
	char tmp[24];
	int n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

void
vn_out_u64(struct vn_out *o, uint64_t v)
{
	char buf[24];

	vn_out_put(o, buf, (size_t)vn_out_digits(buf, v));
}

void
vn_out_u64w(struct vn_out *o, uint64_t v, int width)
{
	char buf[24];
	int n = vn_out_digits(buf, v);

	vn_out_fill(o, ' ', width - n);
	vn_out_put(o, buf, (size_t)n);
}

void
vn_out_i64(struct vn_out *o, int64_t v)
{
	if (v < 0) {
		vn_out_putc(o, '-');
		vn_out_u64(o, -(uint64_t)v);
	} else {
		vn_out_u64(o, (uint64_t)v);
	}
}

static void
out_base(struct vn_out *o, uint64_t v, unsigned shift)
{
	char tmp[24];
	unsigned mask = (1u << shift) - 1;
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & mask];
		v >>= shift;
	} while (v);
	while (n)
		vn_out_putc(o, tmp[--n]);
}

void vn_out_hex(struct vn_out *o, uint64_t v) { out_base(o, v, 4); }
void vn_out_oct(struct vn_out *o, uint64_t v) { out_base(o, v, 3); }

/* The length of the valid UTF-8 sequence at s (n bytes left) that starts with
 * a byte >= 0x80, or 0 if there is none (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void
vn_out_json(struct vn_out *o, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	vn_out_putc(o, '"');
	while (i < n) {
		size_t start = i, len;
		unsigned char c;
		char esc[8];

		/* Copy the longest run that needs no escape in one go. */
		while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		if (i > start)
			vn_out_put(o, s + start, i - start);
		if (i == n)
			break;
		c = s[i];
		if (c >= 0x80) {
			len = utf8_len(s + i, n - i);
			if (len) {
				vn_out_put(o, s + i, len);
				i += len;
				continue;
			}
			memcpy(esc, "\\udc", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			vn_out_put(o, esc, 6);
		} else if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			vn_out_put(o, esc, 2);
		} else if (c == '\n') {
			vn_out_put(o, "\\n", 2);
		} else if (c == '\t') {
			vn_out_put(o, "\\t", 2);
		} else if (c == '\r') {
			vn_out_put(o, "\\r", 2);
		} else if (c == '\b') {
			vn_out_put(o, "\\b", 2);
		} else if (c == '\f') {
			vn_out_put(o, "\\f", 2);
		} else {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			vn_out_put(o, esc, 6);
		}
		i++;
	}
	vn_out_putc(o, '"');
}
