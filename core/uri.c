/*
 * core/uri.c: percent-encoding and file URIs, as VLC 3's vlc.strings
 * decode_uri, encode_uri_component, make_uri and make_path behave. No Lua.
 *
 * Where vlcnet differs from VLC, on purpose:
 *  - Strings are byte strings: a NUL in the input is encoded or decoded like
 *    any byte (VLC stops at it, so "%0000" decodes to "" there and to three
 *    bytes here).
 *  - A '%' must be followed by two hex digits, or decoding fails; VLC fails
 *    only when fewer than two bytes follow and reads "%zz" as a NUL.
 *  - make_path fails on a bad escape or a decoded NUL instead of returning a
 *    half-decoded path, and "fd://" needs a number (VLC reads "" as 0).
 *  - A relative path in a working directory "/" gives "file:///x", not VLC's
 *    "file:////x".
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "uri.h"

static const char hexdigits[] = "0123456789ABCDEF";

int
vn_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Tells whether byte c is an RFC 3986 unreserved character. */
static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Allocates room for n bytes and a NUL in *out; 0, or -1 with ENOMEM. */
static int
alloc(struct vn_str *out, size_t n)
{
	if (n == SIZE_MAX || !(out->p = malloc(n + 1))) {
		errno = ENOMEM;
		return -1;
	}
	out->n = 0;
	return 0;
}

int
vn_uri_decode(const char *s, size_t n, struct vn_str *out)
{
	size_t i;
	int hi, lo;

	if (alloc(out, n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			out->p[out->n++] = s[i];
			continue;
		}
		if (n - i < 3 || (hi = vn_hexval((unsigned char)s[i + 1])) < 0 ||
		    (lo = vn_hexval((unsigned char)s[i + 2])) < 0) {
			free(out->p);
			out->p = NULL;
			errno = EINVAL;
			return -1;
		}
		out->p[out->n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out->p[out->n] = '\0';
	return 0;
}

/* Appends the n bytes at s to out, each byte that keep() refuses as %XX.
 * out must have room for 3 * n more bytes. */
static void
put_encoded(struct vn_str *out, const char *s, size_t n,
    int (*keep)(unsigned char))
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (keep(c)) {
			out->p[out->n++] = (char)c;
		} else {
			out->p[out->n++] = '%';
			out->p[out->n++] = hexdigits[c >> 4];
			out->p[out->n++] = hexdigits[c & 15];
		}
	}
	out->p[out->n] = '\0';
}

int
vn_uri_encode(const char *s, size_t n, struct vn_str *out)
{
	if (n > (SIZE_MAX - 1) / 3) {
		errno = ENOMEM;
		return -1;
	}
	if (alloc(out, 3 * n) < 0)
		return -1;
	put_encoded(out, s, n, is_unreserved);
	return 0;
}

/* In a path, '/' separates the components that are encoded. */
static int
is_path_char(unsigned char c)
{
	return c == '/' || is_unreserved(c);
}

/* Copies s (n bytes) into a new string; 0, or -1 with ENOMEM. */
static int
copy(const char *s, size_t n, struct vn_str *out)
{
	if (alloc(out, n) < 0)
		return -1;
	memcpy(out->p, s, n);
	out->p[n] = '\0';
	out->n = n;
	return 0;
}

int
vn_uri_from_path(const char *path, size_t n, const char *scheme,
    struct vn_str *out)
{
	char *cwd = NULL;
	size_t cwdlen = 0, slen;
	int r;

	if (memmem(path, n, "://", 3))
		return copy(path, n, out);
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (!scheme && n == 1 && path[0] == '-')
		return copy("fd://0", 6, out);
	if (!scheme)
		scheme = "file";
	if (path[0] != '/') {
		if (!(cwd = getcwd(NULL, 0)))
			return -1;
		cwdlen = strlen(cwd);
		if (cwdlen > 0 && cwd[cwdlen - 1] == '/')
			cwdlen--;
	}
	slen = strlen(scheme);
	if (n > SIZE_MAX / 8 || cwdlen > SIZE_MAX / 8 || slen > SIZE_MAX / 8) {
		free(cwd);
		errno = ENOMEM;
		return -1;
	}
	r = alloc(out, slen + 3 + 3 * (cwdlen + 1 + n));
	if (r == 0) {
		memcpy(out->p, scheme, slen);
		memcpy(out->p + slen, "://", 3);
		out->n = slen + 3;
		if (cwd) {
			put_encoded(out, cwd, cwdlen, is_path_char);
			put_encoded(out, "/", 1, is_path_char);
		}
		put_encoded(out, path, n, is_path_char);
	}
	free(cwd);
	return r;
}

/* The path an fd:// URI names, from the decoded text after "://". */
static int
fd_path(const char *num, struct vn_str *out)
{
	static const char *const std[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
	char buf[32], *end;
	long fd;

	if (*num < '0' || *num > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	fd = strtol(num, &end, 0);	/* 0x10 and 010 as VLC reads them */
	if (*end != '\0' || errno == ERANGE || fd > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (fd <= 2)
		return copy(std[fd], strlen(std[fd]), out);
	return copy(buf, (size_t)snprintf(buf, sizeof buf, "/dev/fd/%ld", fd), out);
}

int
vn_uri_to_path(const char *uri, size_t n, struct vn_str *out)
{
	const char *sep, *slash, *rest;
	size_t schemelen, restlen;
	struct vn_str path;
	int r;

	if (memchr(uri, '\0', n) || !(sep = memmem(uri, n, "://", 3))) {
		errno = EINVAL;
		return -1;
	}
	/* The scheme ends at "://" or at a '/' before it, as in VLC. */
	slash = memchr(uri, '/', (size_t)(sep - uri));
	schemelen = (size_t)((slash ? slash : sep) - uri);
	rest = sep + 3;
	for (restlen = 0; rest + restlen < uri + n; restlen++)
		if (rest[restlen] == '?' || rest[restlen] == '#')
			break;
	if (vn_uri_decode(rest, restlen, &path) < 0)
		return -1;
	r = -1;
	errno = EINVAL;
	if (memchr(path.p, '\0', path.n)) {
		/* no path holds a NUL */
	} else if (schemelen == 4 && !strncasecmp(uri, "file", 4)) {
		if (path.p[0] == '/') {
			*out = path;
			return 0;
		}
		if (!strncasecmp(path.p, "localhost/", 10))
			r = copy(path.p + 9, path.n - 9, out);
	} else if (schemelen == 2 && !strncasecmp(uri, "fd", 2)) {
		r = fd_path(path.p, out);
	}
	free(path.p);
	return r;
}
