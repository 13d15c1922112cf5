/* core/charset.c: iconv into UTF-8 (see core/charset.h). No Lua. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>

#include "charset.h"

int
vn_charset_to_utf8(const char *charset, const char *s, size_t n,
    struct vn_str *out)
{
	iconv_t cd;
	char *in = (char *)s, *o, *grown;
	size_t inleft = n, cap, oleft, r;
	int err = 0, flushed = 0;

	if (n > SIZE_MAX / 8) {
		errno = ENOMEM;
		return -1;
	}
	if ((cd = iconv_open("UTF-8", charset)) == (iconv_t)-1)
		return -1;	/* EINVAL: a conversion iconv does not know */
	/* Most text grows at most fourfold; more room is made when needed. */
	cap = 4 * n + 16;
	if (!(out->p = malloc(cap + 1))) {
		iconv_close(cd);
		errno = ENOMEM;
		return -1;
	}
	o = out->p;
	oleft = cap;
	while (!err && !flushed) {
		if (inleft > 0) {
			r = iconv(cd, &in, &inleft, &o, &oleft);
		} else {
			/* The input is done: end any shift state. */
			r = iconv(cd, NULL, NULL, &o, &oleft);
			flushed = r != (size_t)-1;
		}
		if (r != (size_t)-1)
			continue;
		if (errno != E2BIG) {
			err = errno;
		} else if (cap > SIZE_MAX / 4 || !(grown = realloc(out->p, 2 * cap + 1))) {
			err = ENOMEM;
		} else {
			o = grown + (o - out->p);
			oleft += cap;
			cap *= 2;
			out->p = grown;
		}
	}
	iconv_close(cd);
	if (err) {
		free(out->p);
		out->p = NULL;
		errno = err;
		return -1;
	}
	out->n = (size_t)(o - out->p);
	out->p[out->n] = '\0';
	return 0;
}
