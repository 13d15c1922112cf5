/*
 * core/url.c: split a URL into its parts with the rules of VLC 3's
 * vlc.strings.url_parse. No Lua here.
 *
 * What callers (and the man page) can rely on:
 *  - A string field is NULL when its part is absent, and "" when the URL has it
 *    but it is empty, as in VLC: "p://?o=v" has host "", "?o=v" path "",
 *    "http://h/?" option "", "http://u:@h" password "", "http://h" no path.
 *    Without "//" the path is always there (maybe ""). port is 0 when absent or
 *    empty ("http://h:/"); it is otherwise 1..65535 (or an explicit 0).
 *  - protocol is a non-empty run of letters, digits, '+', '-' and '.' followed
 *    by ':'. So "localhost:8080" is protocol "localhost" and path "8080", and
 *    ":x" has no protocol (path ":x").
 *  - Everything from the first '#' is dropped; option is what follows the
 *    first '?' after that, without the '?'.
 *  - Only "//" introduces an authority (user:pass@host:port); it ends at the
 *    first '/', which begins path. The last '@' ends the user information,
 *    whose first ':' separates username from password.
 *  - path may hold only letters, digits, - . _ ~ ! $ & ' ( ) * + , ; = / @ :
 *    and %XX escapes (kept as given), as VLC's vlc_UrlParse checks; bytes >=
 *    0x80 come back as %XX (upper case hex). Anything else (a space, a
 *    control character, " < > [ ] \ ^ ` { | }, a '%' that begins no escape)
 *    makes the URL invalid: "p://h/G a r b a g e" is rejected.
 *  - option comes back percent-encoded: bytes >= 0x80, control characters,
 *    space, " < > \ ^ ` { | } and any '%' that does not begin a %XX sequence
 *    become %XX; existing %XX are kept as given.
 *  - username and password come back percent-decoded; a %00 in them makes the
 *    URL invalid, since the result could not be a C string.
 *  - host in brackets ("[::1]") comes back without them; it may hold only hex
 *    digits, ':' and '.', then an optional zone written "%25zone" (RFC 6874) or
 *    "%zone", returned as "%zone". Text after ']' other than ":port" is invalid.
 *  - Other hosts end at the first ':' (the port follows); they are
 *    percent-decoded, and a host with non-ASCII bytes is converted to ASCII
 *    with IDNA 2008 / UTS #46 (libidn2), which also lower-cases it:
 *    "Bücher.de" gives "xn--bcher-kva.de". ASCII names keep their case. The
 *    result may hold only letters, digits, '-', '.' and '_'.
 *  - A port must be all digits and at most 65535.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "uri.h"
#include "url.h"

/* A run of bytes in the caller's string; p == NULL means the part is absent. */
struct span {
	const char *p;
	size_t n;
};

/* The parts of a URL as they appear in the input, nothing decoded yet. */
struct pieces {
	struct span scheme, user, pass, host, port, path, option;
	int bracketed;		/* host was written inside [ ] */
	int after_bracket;	/* something other than ":port" follows ']' */
};

/* Tells whether c may appear in a scheme name. */
static int
is_scheme_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

/* Tells whether the n bytes at p begin with a %XX escape. */
static int
is_escape(const char *p, size_t n)
{
	return n >= 3 && p[0] == '%' && vn_hexval((unsigned char)p[1]) >= 0 &&
	    vn_hexval((unsigned char)p[2]) >= 0;
}

/* Tells whether byte c may not stand as itself anywhere in a URL. */
static int
is_unsafe(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || strchr(" \"<>\\^`{|}", c) != NULL;
}

/* Tells whether ASCII c may stand as itself in a path: RFC 3986's unreserved
 * and sub-delims characters, and '/', '@', ':'. */
static int
is_path_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("-._~!$&'()*+,;=/@:", c));
}

/* Tells whether the span is a valid path once its bytes >= 0x80 are encoded. */
static int
path_ok(struct span s)
{
	size_t i;

	for (i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c >= 0x80 || is_path_char(c))
			continue;
		if (c != '%' || !is_escape(s.p + i, s.n - i))
			return 0;
		i += 2;
	}
	return 1;
}

/* Tells whether c may appear in a host name that is not in brackets. */
static int
is_host_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* Tells whether c may appear in an IPv6 zone id (the URI "unreserved" set). */
static int
is_zone_char(int c)
{
	return is_host_char(c) || c == '~';
}

/* Tells whether the span holds a %00, which decoding would turn into a NUL. */
static int
has_escaped_nul(struct span s)
{
	size_t i;

	for (i = 0; i + 3 <= s.n; i++)
		if (s.p[i] == '%' && s.p[i + 1] == '0' && s.p[i + 2] == '0')
			return 1;
	return 0;
}

/*
 * Writes the span percent-encoded to dst (when dst is not NULL) and returns
 * its encoded length, which is at most 3 * s.n. No NUL is appended.
 */
static size_t
encode(char *dst, struct span s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, len = 0;
	unsigned char c;

	for (i = 0; i < s.n; i++) {
		c = (unsigned char)s.p[i];
		if (!is_unsafe(c) && (c != '%' || is_escape(s.p + i, s.n - i))) {
			if (dst != NULL)
				dst[len] = (char)c;
			len++;
			continue;
		}
		if (dst != NULL) {
			dst[len] = '%';
			dst[len + 1] = hex[c >> 4];
			dst[len + 2] = hex[c & 15];
		}
		len += 3;
	}
	return len;
}

/*
 * Writes the span to dst with every %XX replaced by its byte (a '%' that does
 * not begin one stays) and returns the length, at most s.n. No NUL appended.
 */
static size_t
decode(char *dst, struct span s)
{
	size_t i, len = 0;

	for (i = 0; i < s.n; i++) {
		if (is_escape(s.p + i, s.n - i)) {
			dst[len++] = (char)(vn_hexval((unsigned char)s.p[i + 1]) * 16 +
			    vn_hexval((unsigned char)s.p[i + 2]));
			i += 2;
		} else
			dst[len++] = s.p[i];
	}
	return len;
}

/* Returns a NUL-terminated copy of n bytes at p, or NULL when out of memory. */
static char *
dupmem(const char *p, size_t n)
{
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

/* Fills in user, pass, host and port from the authority [s, e). */
static void
split_authority(const char *s, const char *e, struct pieces *pc)
{
	const char *at, *colon, *rb;

	for (at = e; at > s && at[-1] != '@'; at--)
		;
	if (at > s) {
		colon = memchr(s, ':', (size_t)(at - 1 - s));
		if (colon != NULL) {
			pc->user = (struct span){ s, (size_t)(colon - s) };
			pc->pass = (struct span){ colon + 1,
			    (size_t)(at - 1 - (colon + 1)) };
		} else
			pc->user = (struct span){ s, (size_t)(at - 1 - s) };
		s = at;
	}
	if (s < e && *s == '[' &&
	    (rb = memchr(s, ']', (size_t)(e - s))) != NULL) {
		pc->bracketed = 1;
		pc->host = (struct span){ s + 1, (size_t)(rb - (s + 1)) };
		if (rb + 1 < e && rb[1] != ':')
			pc->after_bracket = 1;
		else if (rb + 1 < e)
			pc->port = (struct span){ rb + 2, (size_t)(e - (rb + 2)) };
		return;
	}
	if ((colon = memchr(s, ':', (size_t)(e - s))) != NULL) {
		pc->host = (struct span){ s, (size_t)(colon - s) };
		pc->port = (struct span){ colon + 1, (size_t)(e - (colon + 1)) };
	} else
		pc->host = (struct span){ s, (size_t)(e - s) };
}

/* Cuts the URL s into its parts without looking inside any of them. */
static void
split(const char *s, struct pieces *pc)
{
	const char *end, *q, *slash;

	memset(pc, 0, sizeof *pc);
	end = s + strcspn(s, "#");
	for (q = s; q < end && is_scheme_char((unsigned char)*q); q++)
		;
	if (q > s && q < end && *q == ':') {
		pc->scheme = (struct span){ s, (size_t)(q - s) };
		s = q + 1;
	}
	if ((q = memchr(s, '?', (size_t)(end - s))) != NULL) {
		pc->option = (struct span){ q + 1, (size_t)(end - (q + 1)) };
		end = q;
	}
	if (end - s >= 2 && s[0] == '/' && s[1] == '/') {
		s += 2;
		slash = memchr(s, '/', (size_t)(end - s));
		split_authority(s, slash != NULL ? slash : end, pc);
		if (slash == NULL)
			return;
		s = slash;
	}
	pc->path = (struct span){ s, (size_t)(end - s) };
}

/* Stores the port in *port and returns NULL, or returns why it is invalid. */
static const char *
parse_port(struct span s, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return "invalid port";
		v = v * 10 + (unsigned long)(s.p[i] - '0');
		if (v > 65535)
			return "invalid port";
	}
	*port = (unsigned)v;
	return NULL;
}

/*
 * Checks a bracketed host and stores a malloc'd copy, zone unescaped, in
 * *out; returns NULL, or why the host is invalid or "out of memory".
 */
static const char *
bracketed_host(struct span s, char **out)
{
	size_t a, i, z;
	const char *zone;
	char *h;

	for (a = 0; a < s.n && (vn_hexval((unsigned char)s.p[a]) >= 0 ||
	    s.p[a] == ':' || s.p[a] == '.'); a++)
		;
	if (a == 0)
		return "invalid host name";
	if (a == s.n)
		return (*out = dupmem(s.p, a)) ? NULL : "out of memory";
	if (s.p[a] != '%')
		return "invalid character in host";
	zone = s.p + a + 1;
	if (s.n - a > 3 && zone[0] == '2' && zone[1] == '5')
		zone += 2;
	z = (size_t)(s.p + s.n - zone);
	if (z == 0)
		return "invalid host name";
	for (i = 0; i < z; i++)
		if (!is_zone_char((unsigned char)zone[i]))
			return "invalid character in host";
	if ((h = malloc(a + 1 + z + 1)) == NULL)
		return "out of memory";
	memcpy(h, s.p, a);
	h[a] = '%';
	memcpy(h + a + 1, zone, z);
	h[a + 1 + z] = '\0';
	*out = h;
	return NULL;
}

/*
 * Replaces the string *h with its IDNA ASCII form when it holds non-ASCII
 * bytes; returns NULL, or why it cannot be converted. *h stays freeable.
 */
static const char *
to_ascii(char **h)
{
	const unsigned char *p;
	char *ascii;
	int rc;

	for (p = (const unsigned char *)*h; *p != '\0' && *p < 0x80; p++)
		;
	if (*p == '\0')
		return NULL;
	rc = idn2_to_ascii_8z(*h, &ascii, IDN2_NONTRANSITIONAL);
	if (rc == IDN2_MALLOC)
		return "out of memory";
	if (rc != IDN2_OK)
		return "invalid host name";
	free(*h);
	*h = dupmem(ascii, strlen(ascii));
	idn2_free(ascii);
	return *h != NULL ? NULL : "out of memory";
}

/*
 * Decodes, converts and checks the host of pc; stores a malloc'd string ("" for
 * an empty one), or NULL for an absent host, in *out. Returns NULL, or why not.
 */
static const char *
make_host(const struct pieces *pc, char **out)
{
	const char *why;
	char *h, *p;

	*out = NULL;
	if (pc->host.p == NULL)
		return NULL;
	if (pc->host.n == 0 && pc->bracketed)
		return "invalid host name";
	if (pc->bracketed)
		return bracketed_host(pc->host, out);
	if (has_escaped_nul(pc->host))
		return "invalid character in host";
	if ((h = malloc(pc->host.n + 1)) == NULL)
		return "out of memory";
	h[decode(h, pc->host)] = '\0';
	if ((why = to_ascii(&h)) != NULL) {
		free(h);
		return why;
	}
	for (p = h; *p != '\0'; p++)
		if (!is_host_char((unsigned char)*p)) {
			free(h);
			return "invalid character in host";
		}
	*out = h;
	return NULL;
}

/* Returns why the undecoded parts already make the URL invalid, or NULL. */
static const char *
check_pieces(const struct pieces *pc, unsigned *port)
{
	if (pc->after_bracket)
		return "invalid host name";
	if (!path_ok(pc->path))
		return "invalid character in path";
	if (has_escaped_nul(pc->user))
		return "invalid user name";
	if (has_escaped_nul(pc->pass))
		return "invalid password";
	return parse_port(pc->port, port);
}

/* Copies n bytes to *cur as a string and returns it; NULL when p is NULL. */
static char *
put_copy(char **cur, const char *p, size_t n)
{
	char *s = *cur;

	if (p == NULL)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	*cur += n + 1;
	return s;
}

/* Like put_copy, but percent-encodes the span. */
static char *
put_encoded(char **cur, struct span sp)
{
	char *s = *cur;
	size_t n;

	if (sp.p == NULL)
		return NULL;
	n = encode(s, sp);
	s[n] = '\0';
	*cur += n + 1;
	return s;
}

/* Like put_copy, but percent-decodes the span. */
static char *
put_decoded(char **cur, struct span sp)
{
	char *s = *cur;
	size_t n;

	if (sp.p == NULL)
		return NULL;
	n = decode(s, sp);
	s[n] = '\0';
	*cur += n + 1;
	return s;
}

/*
 * Allocates u->buf exactly large enough and fills every field of u but port
 * from pc and host. Returns NULL, or "out of memory" with u untouched.
 */
static const char *
assemble(struct vn_url *u, const struct pieces *pc, const char *host)
{
	size_t hostlen = host != NULL ? strlen(host) : 0;
	size_t size, path, option;
	char *cur;

	/*
	 * The parts are disjoint pieces of the input and encoding at most
	 * triples one, so past this test no size below can overflow.
	 */
	if (pc->path.n > (SIZE_MAX - hostlen) / 8 ||
	    pc->option.n > (SIZE_MAX - hostlen) / 8)
		return "out of memory";
	path = encode(NULL, pc->path);
	option = encode(NULL, pc->option);
	size = pc->scheme.n + pc->user.n + pc->pass.n + hostlen + path + option;
	if ((cur = u->buf = malloc(size + 6)) == NULL)
		return "out of memory";
	u->protocol = put_copy(&cur, pc->scheme.p, pc->scheme.n);
	u->username = put_decoded(&cur, pc->user);
	u->password = put_decoded(&cur, pc->pass);
	u->host = put_copy(&cur, host, hostlen);
	u->path = put_encoded(&cur, pc->path);
	u->option = put_encoded(&cur, pc->option);
	return NULL;
}

/* Sets *why (when it can) and returns -1, so that failures read alike. */
static int
fail(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return -1;
}

/*
 * Parses url into *u by the rules at the top of this file. On failure *u is
 * all NULL and 0, nothing is left allocated, and *why says what was wrong.
 */
int
vn_url_parse(const char *url, struct vn_url *u, const char **why)
{
	struct pieces pc;
	const char *msg;
	char *host;
	unsigned port = 0;

	memset(u, 0, sizeof *u);
	if (url == NULL)
		return fail(why, "no URL");
	split(url, &pc);
	if ((msg = check_pieces(&pc, &port)) != NULL)
		return fail(why, msg);
	if ((msg = make_host(&pc, &host)) != NULL)
		return fail(why, msg);
	msg = assemble(u, &pc, host);
	free(host);
	if (msg != NULL)
		return fail(why, msg);
	u->port = port;
	return 0;
}

/* Frees what vn_url_parse stored in *u and zeroes it; safe on a zeroed u. */
void
vn_url_free(struct vn_url *u)
{
	if (u == NULL)
		return;
	free(u->buf);
	memset(u, 0, sizeof *u);
}
