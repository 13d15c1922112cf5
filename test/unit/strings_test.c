/*
 * test/unit/strings_test.c: the C side of vlc.strings (core/uri.c,
 * core/xml.c, core/charset.c), with the vectors of VLC's src/test/url.c as
 * data, and the rules core/xml.h states.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/charset.h"
#include "../../core/uri.h"
#include "../../core/xml.h"
#include "unit.h"

typedef int (*conv)(const char *, size_t, struct vn_str *);

/* Checks that f(in) gives want (n bytes; NULL: fails with errno want_errno). */
static void
same_at(int line, conv f, const char *in, size_t inlen, const char *want,
    size_t n, int want_errno)
{
	struct vn_str out = { NULL, 0 };
	int rc;

	errno = 0;
	rc = f(in, inlen, &out);
	if (want == NULL) {
		if (!unit_check(rc == -1 && errno == want_errno && !out.p,
		    __FILE__, line, in))
			fprintf(stderr, "\tgot rc %d errno %d \"%s\"\n", rc, errno,
			    out.p ? out.p : "(null)");
	} else if (!unit_check(rc == 0 && out.n == n && !memcmp(out.p, want, n) &&
	    out.p[n] == '\0', __FILE__, line, in)) {
		fprintf(stderr, "\tgot rc %d \"%s\" (%zu bytes), want \"%s\"\n", rc,
		    rc == 0 ? out.p : "(null)", rc == 0 ? out.n : 0, want);
	}
	if (rc == 0)
		free(out.p);
}

/* f(IN) gives the C string WANT; FAILS: f(IN) fails with errno E. */
#define SAME(f, in, want) \
	same_at(__LINE__, f, in, strlen(in), want, strlen(want), 0)
#define FAILS(f, in, e) same_at(__LINE__, f, in, strlen(in), NULL, 0, e)
/* As SAME, with string literals that hold NULs. */
#define SAME_BYTES(f, in, want) \
	same_at(__LINE__, f, in, sizeof in - 1, want, sizeof want - 1, 0)

static int
from_path(const char *s, size_t n, struct vn_str *out)
{
	return vn_uri_from_path(s, n, NULL, out);
}

static int
from_path_http(const char *s, size_t n, struct vn_str *out)
{
	return vn_uri_from_path(s, n, "http", out);
}

static void
test_decode(void)
{
	/* VLC's vectors */
	SAME(vn_uri_decode, "this_should_not_be_modified_1234",
	    "this_should_not_be_modified_1234");
	SAME(vn_uri_decode, "This%20should%20be%20modified%201234!",
	    "This should be modified 1234!");
	SAME(vn_uri_decode, "%7E", "~");
	FAILS(vn_uri_decode, "%", EINVAL);
	FAILS(vn_uri_decode, "%2", EINVAL);
	SAME(vn_uri_decode, "T%C3%a9l%c3%A9vision %e2%82%Ac", "Télévision €");
	SAME(vn_uri_decode, "T%E9l%E9vision", "T\xe9l\xe9vision");
	/* VLC gives "" (a C string ends at the NUL); here every byte comes back. */
	SAME_BYTES(vn_uri_decode, "%0000", "\0" "00");
	/* vlcnet's own */
	SAME(vn_uri_decode, "", "");
	SAME(vn_uri_decode, "a+b", "a+b");
	FAILS(vn_uri_decode, "%zz", EINVAL);
	FAILS(vn_uri_decode, "%4g", EINVAL);
	FAILS(vn_uri_decode, "ok%", EINVAL);
	SAME_BYTES(vn_uri_decode, "a\0%41", "a\0A");
}

static void
test_encode(void)
{
	SAME(vn_uri_encode, "", "");
	SAME(vn_uri_encode, "AZaz09-._~", "AZaz09-._~");
	SAME(vn_uri_encode, "a b/c?d=e&f+g", "a%20b%2Fc%3Fd%3De%26f%2Bg");
	SAME(vn_uri_encode, "Télévision €", "T%C3%A9l%C3%A9vision%20%E2%82%AC");
	SAME(vn_uri_encode, "100%", "100%25");
	SAME_BYTES(vn_uri_encode, "a\0b\xff", "a%00b%FF");
	/* decoding undoes encoding, whatever the bytes */
	{
		char all[256];
		struct vn_str e, d;
		int i;

		for (i = 0; i < 256; i++)
			all[i] = (char)i;
		CHECK(vn_uri_encode(all, 256, &e) == 0 && e.n == 3 * 256 - 2 * 66);
		CHECK(vn_uri_decode(e.p, e.n, &d) == 0 && d.n == 256 &&
		    !memcmp(d.p, all, 256));
		free(e.p);
		free(d.p);
	}
}

static void
test_from_path(void)
{
	char cwd[PATH_MAX], want[PATH_MAX + 64];

	/* VLC's vectors */
	FAILS(from_path, "", EINVAL);
	SAME(from_path, "/", "file:///");
	SAME(from_path, "/home/john/", "file:///home/john/");
	SAME(from_path, "/home/john//too///many//slashes",
	    "file:///home/john//too///many//slashes");
	SAME(from_path, "/home/john/music.ogg", "file:///home/john/music.ogg");
	if (!CHECK(chdir("/tmp") == 0 && getcwd(cwd, sizeof cwd)))
		return;
	snprintf(want, sizeof want, "file://%s/movie.ogg", cwd);
	SAME(from_path, "movie.ogg", want);
	snprintf(want, sizeof want, "file://%s/.", cwd);
	SAME(from_path, ".", want);
	/* make_uri's own rules: standard input, URIs as they are, a scheme */
	SAME(from_path, "-", "fd://0");
	SAME(from_path, "http://example.com/a b", "http://example.com/a b");
	SAME(from_path_http, "/a b/c%", "http:///a%20b/c%25");
	SAME(from_path, "/caf\xc3\xa9/x?y#z", "file:///caf%C3%A9/x%3Fy%23z");
	if (CHECK(chdir("/") == 0))
		SAME(from_path, "x", "file:///x");
}

static void
test_to_path(void)
{
	/* VLC's vectors */
	FAILS(vn_uri_to_path, "mailto:john@example.com", EINVAL);
	FAILS(vn_uri_to_path, "http://www.example.com/file.html#ref", EINVAL);
	FAILS(vn_uri_to_path, "file://", EINVAL);
	SAME(vn_uri_to_path, "file:///", "/");
	SAME(vn_uri_to_path, "file://localhost/home/john/music%2Eogg",
	    "/home/john/music.ogg");
	SAME(vn_uri_to_path, "file://localhost/home/john/text#ref", "/home/john/text");
	SAME(vn_uri_to_path, "file://localhost/home/john/text?name=value",
	    "/home/john/text");
	SAME(vn_uri_to_path, "file://localhost/home/john/text?name=value#ref",
	    "/home/john/text");
	FAILS(vn_uri_to_path, "file://?name=value", EINVAL);
	SAME(vn_uri_to_path, "file:///?name=value", "/");
	FAILS(vn_uri_to_path, "fd://0foobar", EINVAL);
	SAME(vn_uri_to_path, "fd://0#ref", "/dev/stdin");
	SAME(vn_uri_to_path, "fd://1", "/dev/stdout");
	SAME(vn_uri_to_path, "fd://12345", "/dev/fd/12345");
	/* vlcnet's own */
	SAME(vn_uri_to_path, "FILE:///a%20b%3Fc", "/a b?c");
	SAME(vn_uri_to_path, "file://LocalHost/x", "/x");
	SAME(vn_uri_to_path, "fd://2", "/dev/stderr");
	SAME(vn_uri_to_path, "fd://0x10", "/dev/fd/16");
	FAILS(vn_uri_to_path, "fd://", EINVAL);
	FAILS(vn_uri_to_path, "fd://-1", EINVAL);
	FAILS(vn_uri_to_path, "fd://99999999999999999999", EINVAL);
	FAILS(vn_uri_to_path, "file:///a%", EINVAL);
	FAILS(vn_uri_to_path, "file:///a%00b", EINVAL);
	FAILS(vn_uri_to_path, "file://host/share", EINVAL);
	FAILS(vn_uri_to_path, "/etc/passwd", EINVAL);
}

static void
test_xml_decode(void)
{
	SAME(vn_xml_decode, "", "");
	SAME(vn_xml_decode, "&lt;a href=&quot;x&quot;&gt; &amp;amp; &apos;",
	    "<a href=\"x\"> &amp; '");
	SAME(vn_xml_decode, "caf&eacute; &Eacute;t&eacute; &nbsp;&yuml;&shy;",
	    "café Été \xc2\xa0ÿ\xc2\xad");
	SAME(vn_xml_decode, "&euro;&hellip;&trade;&OElig;&Dagger;", "€…™Œ‡");
	SAME(vn_xml_decode, "&#65;&#x42;&#233;&#x20AC;&#x1F600;", "ABé€😀");
	SAME(vn_xml_decode, "a&#0;b&#x200000;c", "abc");
	SAME(vn_xml_decode, "&#x1FFFFF;", "\xf7\xbf\xbf\xbf");
	/* not references: they stay */
	SAME(vn_xml_decode, "&#X41; &#; &#x; &#65 &lt &nosuch; & &amp",
	    "&#X41; &#; &#x; &#65 &lt &nosuch; & &amp");
	SAME(vn_xml_decode, "&#99999999999999999999999;x", "x");
	SAME_BYTES(vn_xml_decode, "a\0&lt;", "a\0<");
}

static void
test_xml_encode(void)
{
	SAME(vn_xml_encode, "", "");
	SAME(vn_xml_encode, "<a href=\"x\">'&'</a>",
	    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	SAME(vn_xml_encode, "t\ta\nb\rc\x01\x1f\x7f", "t\ta\nb\rc\x7f");
	SAME(vn_xml_encode, "\xc2\x80\xc2\x85\xc2\x9f\xc2\xa0é€😀",
	    "&#128;\xc2\x85&#159;\xc2\xa0é€😀");
	SAME_BYTES(vn_xml_encode, "a\0b", "ab");
	FAILS(vn_xml_encode, "\xff", EILSEQ);
	FAILS(vn_xml_encode, "caf\xe9", EILSEQ);
	FAILS(vn_xml_encode, "\xc0\xaf", EILSEQ);	/* overlong '/' */
	FAILS(vn_xml_encode, "\xed\xa0\x80", EILSEQ);	/* a surrogate */
	FAILS(vn_xml_encode, "\xf4\x90\x80\x80", EILSEQ);	/* above U+10FFFF */
	FAILS(vn_xml_encode, "\xe2\x82", EILSEQ);	/* cut short */
}

/* from_charset's C side: charset, input, the UTF-8 wanted or NULL + errno. */
static void
charset_at(int line, const char *cs, const char *in, size_t n, const char *want,
    int want_errno)
{
	struct vn_str out = { NULL, 0 };
	int rc;

	errno = 0;
	rc = vn_charset_to_utf8(cs, in, n, &out);
	if (want == NULL)
		unit_check(rc == -1 && errno == want_errno, __FILE__, line, cs);
	else if (!unit_check(rc == 0 && out.n == strlen(want) &&
	    !strcmp(out.p, want), __FILE__, line, cs))
		fprintf(stderr, "\tgot rc %d errno %d \"%s\"\n", rc, errno,
		    rc == 0 ? out.p : "");
	if (rc == 0)
		free(out.p);
}

#define CONV(cs, in, want) charset_at(__LINE__, cs, in, sizeof in - 1, want, 0)
#define CONV_FAILS(cs, in, e) charset_at(__LINE__, cs, in, sizeof in - 1, NULL, e)

static void
test_charset(void)
{
	char big[10000];

	CONV("ISO-8859-1", "T\xe9l\xe9vision", "Télévision");
	CONV("ISO-8859-15", "\xa4", "€");
	CONV("UTF-16LE", "A\0\xe9\0\xac\x20", "Aé€");
	CONV("UTF-16", "\xff\xfe" "A\0", "A");
	CONV("UTF-8", "Télévision", "Télévision");
	CONV("CP1252", "\x80", "€");
	CONV("ISO-2022-JP", "\x1b$B$\"\x1b(B", "あ");
	CONV("ISO-8859-1", "", "");
	CONV_FAILS("no-such-charset", "x", EINVAL);
	CONV_FAILS("UTF-8", "\xff", EILSEQ);
	CONV_FAILS("UTF-16LE", "A", EINVAL);	/* ends inside a character */
	/* output far longer than four times the input grows the buffer */
	memset(big, '\xe9', sizeof big);
	{
		struct vn_str out;

		CHECK(vn_charset_to_utf8("ISO-8859-1", big, sizeof big, &out) == 0 &&
		    out.n == 2 * sizeof big);
		free(out.p);
		CHECK(vn_charset_to_utf8("UTF-32LE", "\xac\x20\0\0", 4, &out) == 0 &&
		    out.n == 3);
		free(out.p);
	}
}

/* A charset where one byte is many characters: TSCII's 0x82 is the Tamil
 * syllable "sri", four code points, 12 bytes of UTF-8. 998 of them need
 * three times the room first given: the buffer grows (twice) and nothing is
 * lost. 998 because glibc's TSCII converter loses a code point when its
 * output buffer ends inside a syllable (iconv(1) does too, at 32 KiB); with
 * 4 * 998 + 16 bytes first, every buffer ends between two syllables. */
static void
test_charset_grows(void)
{
	static const char sri[] = "\xe0\xae\xb8\xe0\xaf\x8d\xe0\xae\xb0\xe0\xaf\x80";
	char in[998];
	struct vn_str out = { NULL, 0 };
	size_t i;
	int same = 1;

	memset(in, '\x82', sizeof in);
	if (!CHECK(vn_charset_to_utf8("TSCII", in, sizeof in, &out) == 0))
		return;
	CHECK(out.n == sizeof in * (sizeof sri - 1));
	for (i = 0; i + sizeof sri - 1 <= out.n; i += sizeof sri - 1)
		same &= memcmp(out.p + i, sri, sizeof sri - 1) == 0;
	CHECK(same);
	CHECK(out.p[out.n] == '\0');
	free(out.p);
}

int
main(void)
{
	test_decode();
	test_encode();
	test_from_path();
	test_to_path();
	test_xml_decode();
	test_xml_encode();
	test_charset();
	test_charset_grows();
	return UNIT_DONE("strings_test");
}
