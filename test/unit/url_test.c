/*
 * test/unit/url_test.c: vn_url_parse and vn_url_free against the rules at
 * the top of core/url.c. One CHECK per URL: every field must match.
 */
#include <stdlib.h>
#include <string.h>

#include "../../core/url.h"
#include "unit.h"

/* The fields a URL should parse into; NULL where a field must be absent. */
struct want {
	const char *protocol, *username, *password, *host;
	unsigned port;
	const char *path, *option;
};

#define N NULL

/* Prints the fields of u that differ from w, to explain a failed check. */
static void
show_diff(const struct vn_url *u, const struct want *w)
{
	const char *name[] = { "protocol", "username", "password", "host",
	    "path", "option" };
	const char *got[] = { u->protocol, u->username, u->password, u->host,
	    u->path, u->option };
	const char *exp[] = { w->protocol, w->username, w->password, w->host,
	    w->path, w->option };
	size_t i;

	for (i = 0; i < 6; i++)
		if (!unit_streq(got[i], exp[i]))
			fprintf(stderr, "\t%s: got %.60s%s, want %.60s\n",
			    name[i], got[i] ? got[i] : "(null)",
			    got[i] && strlen(got[i]) > 60 ? "..." : "",
			    exp[i] ? exp[i] : "(null)");
	if (u->port != w->port)
		fprintf(stderr, "\tport: got %u, want %u\n", u->port, w->port);
}

/* Checks that url parses into exactly the fields of w. */
static void
ok_at(int line, const char *url, struct want w)
{
	struct vn_url u;
	const char *why = "unset";
	int rc, same;

	rc = vn_url_parse(url, &u, &why);
	same = rc == 0 && unit_streq(u.protocol, w.protocol) &&
	    unit_streq(u.username, w.username) &&
	    unit_streq(u.password, w.password) &&
	    unit_streq(u.host, w.host) && u.port == w.port &&
	    unit_streq(u.path, w.path) && unit_streq(u.option, w.option);
	if (!unit_check(same, __FILE__, line, url)) {
		if (rc != 0)
			fprintf(stderr, "\trejected: %s\n", why);
		else
			show_diff(&u, &w);
	}
	vn_url_free(&u);
}

/* Checks that url is rejected with message msg and leaves u empty. */
static void
bad_at(int line, const char *url, const char *msg)
{
	struct vn_url u;
	const char *why = NULL;
	int rc, empty;

	memset(&u, 0xa5, sizeof u);
	rc = vn_url_parse(url, &u, &why);
	empty = u.protocol == NULL && u.username == NULL &&
	    u.password == NULL && u.host == NULL && u.path == NULL &&
	    u.option == NULL && u.buf == NULL && u.port == 0;
	if (!unit_check(rc == -1 && empty && unit_streq(why, msg), __FILE__,
	    line, url))
		fprintf(stderr, "\trc %d, why \"%s\", want \"%s\"%s\n", rc,
		    why ? why : "(null)", msg, empty ? "" : ", u not emptied");
	if (rc == 0)
		vn_url_free(&u);
}

#define OK(url, ...)	ok_at(__LINE__, (url), (struct want){ __VA_ARGS__ })
#define BAD(url, msg)	bad_at(__LINE__, (url), (msg))

/* Ordinary web URLs, with and without their optional parts. */
static void
test_http(void)
{
	OK("http://example.com/index.html",
	    "http", N, N, "example.com", 0, "/index.html", N);
	OK("http://example.com:8080/a/b?x=1&y=2",
	    "http", N, N, "example.com", 8080, "/a/b", "x=1&y=2");
	OK("http://example.com", "http", N, N, "example.com", 0, N, N);
	OK("http://example.com/", "http", N, N, "example.com", 0, "/", N);
	OK("http://h?x", "http", N, N, "h", 0, N, "x");
	OK("http://h/?", "http", N, N, "h", 0, "/", "");
	OK("http://Example.COM/", "http", N, N, "Example.COM", 0, "/", N);
	OK("http://under_score.example/",
	    "http", N, N, "under_score.example", 0, "/", N);
	OK("http://192.0.2.1:80/", "http", N, N, "192.0.2.1", 80, "/", N);
	OK("http://h/a/../b;c=d", "http", N, N, "h", 0, "/a/../b;c=d", N);
	OK("HTTP+x-y.z://h", "HTTP+x-y.z", N, N, "h", 0, N, N);
	OK("//h/p", N, N, N, "h", 0, "/p", N);
	OK("http://h/a?b?c=/d", "http", N, N, "h", 0, "/a", "b?c=/d");
}

/* The user information before the last '@'. */
static void
test_userinfo(void)
{
	OK("https://user:pass@host.example:443/p",
	    "https", "user", "pass", "host.example", 443, "/p", N);
	OK("ftp://anon@h/", "ftp", "anon", N, "h", 0, "/", N);
	OK("http://us%40er:p%3Ass@h/", "http", "us@er", "p:ss", "h", 0, "/", N);
	OK("http://a@b@h/", "http", "a@b", N, "h", 0, "/", N);
	OK("http://a:b@c:d@h:1/", "http", "a", "b@c:d", "h", 1, "/", N);
	OK("http://a:b:c@h", "http", "a", "b:c", "h", 0, N, N);
	OK("http://us er@h/", "http", "us er", N, "h", 0, "/", N);
	OK("http://%C3%A9t%C3%A9@h/", "http", "\xc3\xa9t\xc3\xa9", N, "h", 0,
	    "/", N);
	OK("http://u%zz@h/", "http", "u%zz", N, "h", 0, "/", N);
	OK("http://:pw@h/", "http", "", "pw", "h", 0, "/", N);
	OK("http://u:@h/", "http", "u", "", "h", 0, "/", N);
	OK("http://user@/", "http", "user", N, "", 0, "/", N);
	OK("rtp://@:1234", "rtp", "", N, "", 1234, N, N);
	OK("udp://@239.0.0.1:5000", "udp", "", N, "239.0.0.1", 5000, N, N);
	OK("http://h/x@y", "http", N, N, "h", 0, "/x@y", N);
	BAD("http://u%00@h/", "invalid user name");
	BAD("http://u:p%00@h/", "invalid password");
}

/* Hosts in brackets: IPv6 literals and their zones. */
static void
test_ipv6(void)
{
	OK("http://[::1]:8080/x", "http", N, N, "::1", 8080, "/x", N);
	OK("http://[2001:db8::1]/", "http", N, N, "2001:db8::1", 0, "/", N);
	OK("http://[::1]", "http", N, N, "::1", 0, N, N);
	OK("http://[::1]:", "http", N, N, "::1", 0, N, N);
	OK("http://u:p@[::ffff:192.0.2.1]:9/",
	    "http", "u", "p", "::ffff:192.0.2.1", 9, "/", N);
	OK("http://[fe80::1%25eth0]:80/", "http", N, N, "fe80::1%eth0", 80,
	    "/", N);
	OK("http://[fe80::1%eth0]/", "http", N, N, "fe80::1%eth0", 0, "/", N);
	BAD("http://[::1]x/", "invalid host name");
	BAD("http://[]/", "invalid host name");
	BAD("http://[fe80::1%]/", "invalid host name");
	BAD("http://[::g]/", "invalid character in host");
	BAD("http://[fe80::1%25e$0]/", "invalid character in host");
	BAD("http://[x/", "invalid character in host");
	BAD("http://[::1]:x/", "invalid port");
}

/* No scheme, schemes without an authority, and the empty string. */
static void
test_no_authority(void)
{
	OK("", N, N, N, N, 0, "", N);
	OK("path/only", N, N, N, N, 0, "path/only", N);
	OK("/abs/path?q", N, N, N, N, 0, "/abs/path", "q");
	OK("file:///etc/passwd", "file", N, N, "", 0, "/etc/passwd", N);
	OK("file://", "file", N, N, "", 0, N, N);
	OK("foo:bar", "foo", N, N, N, 0, "bar", N);
	OK("foo:", "foo", N, N, N, 0, "", N);
	OK("localhost:8080", "localhost", N, N, N, 0, "8080", N);
	OK(":x", N, N, N, N, 0, ":x", N);
	OK("mailto:user@example.com", "mailto", N, N, N, 0,
	    "user@example.com", N);
	BAD("a b:c", "invalid character in path");
	OK("?only", N, N, N, N, 0, "", "only");
	OK("#only", N, N, N, N, 0, "", N);
}

/* '#' and everything after it are dropped, even a '?'. */
static void
test_fragment(void)
{
	OK("http://h/p?q=1#frag", "http", N, N, "h", 0, "/p", "q=1");
	OK("http://h/p#frag?notquery", "http", N, N, "h", 0, "/p", N);
	OK("http://h#f", "http", N, N, "h", 0, N, N);
	OK("s#c:x", N, N, N, N, 0, "s", N);
}

/* Non-ASCII path bytes are percent-encoded; other bytes a path may not hold
 * make the URL invalid (VLC's vlc_UrlParse). The query is percent-encoded. */
static void
test_fixup(void)
{
	OK("http://h/caf\xc3\xa9", "http", N, N, "h", 0, "/caf%C3%A9", N);
	OK("http://h/?a b=\xff", "http", N, N, "h", 0, "/", "a%20b=%FF");
	OK("http://h/%41%e9", "http", N, N, "h", 0, "/%41%e9", N);
	OK("http://h/a:y@z!$&'()*+,;=~-._", "http", N, N, "h", 0,
	    "/a:y@z!$&'()*+,;=~-._", N);
	BAD("http://h/caf\xc3\xa9 x", "invalid character in path");
	BAD("http://h/a%20b%zz%", "invalid character in path");
	BAD("http://h/a%", "invalid character in path");
	BAD("http://h/\"", "invalid character in path");
	BAD("http://h/<>", "invalid character in path");
	BAD("http://h/\\^`{|}", "invalid character in path");
	BAD("http://h/a\tb", "invalid character in path");
	BAD("http://h/\x7f", "invalid character in path");
	BAD("http://h/[x]", "invalid character in path");
	BAD("C:\\dir\\f", "invalid character in path");
}

/* Hosts are decoded, converted to punycode and checked. */
static void
test_host(void)
{
	OK("http://b\xc3\xbc" "cher.de/", "http", N, N, "xn--bcher-kva.de", 0,
	    "/", N);
	OK("http://B\xc3\xbc" "cher.DE/", "http", N, N, "xn--bcher-kva.de", 0,
	    "/", N);
	OK("http://b%C3%BCcher.de:81/", "http", N, N, "xn--bcher-kva.de", 81,
	    "/", N);
	OK("http://%68ost/", "http", N, N, "host", 0, "/", N);
	OK("http://xn--bcher-kva.de/", "http", N, N, "xn--bcher-kva.de", 0,
	    "/", N);
	OK("http://:80/", "http", N, N, "", 80, "/", N);
	BAD("http://ho st/", "invalid character in host");
	BAD("http://h%20x/", "invalid character in host");
	BAD("http://h%00x/", "invalid character in host");
	BAD("http://ex!ample.com/", "invalid character in host");
	BAD("http://h%zz/", "invalid character in host");
	BAD("http://h\"/", "invalid character in host");
	BAD("http://h\xff/", "invalid host name");
	BAD("http://b\xc3\xbc" "cher\xc3\x28.de/", "invalid host name");
}

/* Ports: digits only, 0..65535, empty meaning absent. */
static void
test_port(void)
{
	OK("http://h:/", "http", N, N, "h", 0, "/", N);
	OK("http://h:65535/", "http", N, N, "h", 65535, "/", N);
	OK("http://h:00080/", "http", N, N, "h", 80, "/", N);
	OK("http://h:0/", "http", N, N, "h", 0, "/", N);
	BAD("http://h:80x/", "invalid port");
	BAD("http://h:65536/", "invalid port");
	BAD("http://h:99999999999999999999999/", "invalid port");
	BAD("http://h:-1/", "invalid port");
	BAD("http://h:+1/", "invalid port");
	BAD("http://h:80:90/", "invalid port");
	BAD("http://h: 80/", "invalid port");
}

/* Returns a malloc'd string of n copies of c, or exits. */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A megabyte in any part must neither overflow nor be cut short. */
static void
test_long(void)
{
	enum { MB = 1 << 20 };
	struct vn_url u;
	const char *why;
	char *big, *url;
	size_t i;

	big = repeat('a', MB);
	url = malloc(3 * MB + 64);
	CHECK(url != NULL);
	if (url == NULL)
		exit(2);

	snprintf(url, 3 * MB + 64, "http://%s:%s@%s:%s/%s?%s", "u", "p", big,
	    "1", big, big);
	CHECK(vn_url_parse(url, &u, &why) == 0);
	CHECK(u.host != NULL && strlen(u.host) == MB);
	CHECK(u.path != NULL && strlen(u.path) == MB + 1 && u.path[0] == '/');
	CHECK(u.option != NULL && strlen(u.option) == MB);
	CHECK(u.port == 1);
	vn_url_free(&u);

	/* Every byte encoded: the path grows to three times its length. */
	memset(big, '\xff', MB);
	snprintf(url, 3 * MB + 64, "x:%s", big);
	CHECK(vn_url_parse(url, &u, &why) == 0);
	CHECK(u.path != NULL && strlen(u.path) == 3 * (size_t)MB);
	CHECK(u.path != NULL && strncmp(u.path, "%FF%FF", 6) == 0);
	vn_url_free(&u);

	/* A megabyte of user name, and a port padded with zeros. */
	for (i = 0; i + 3 <= MB; i += 3)
		memcpy(big + i, "%41", 3);
	memset(big + i, 'A', MB - i);
	snprintf(url, 3 * MB + 64, "http://%s@h:%s8/", big, big + MB);
	CHECK(vn_url_parse(url, &u, &why) == 0);
	CHECK(u.username != NULL && strlen(u.username) == MB / 3 + MB % 3 &&
	    strspn(u.username, "A") == MB / 3 + MB % 3);
	CHECK(u.port == 8);
	vn_url_free(&u);

	memset(big, '0', MB);
	snprintf(url, 3 * MB + 64, "http://h:%s80/", big);
	CHECK(vn_url_parse(url, &u, &why) == 0 && u.port == 80);
	vn_url_free(&u);

	/* A megabyte-long non-ASCII host is no valid domain name. */
	for (i = 0; i + 2 <= MB; i += 2)
		memcpy(big + i, "\xc3\xbc", 2);
	snprintf(url, 3 * MB + 64, "http://%s/", big);
	CHECK(vn_url_parse(url, &u, &why) == -1 && u.host == NULL);
	free(url);
	free(big);
}

/* vn_url_free takes NULL, a zeroed struct, and the same struct twice. */
static void
test_free(void)
{
	struct vn_url u;
	const char *why = NULL;

	vn_url_free(NULL);
	memset(&u, 0, sizeof u);
	vn_url_free(&u);
	CHECK(u.buf == NULL && u.host == NULL);
	CHECK(vn_url_parse("http://u:p@h:1/p?q", &u, &why) == 0);
	vn_url_free(&u);
	CHECK(u.buf == NULL && u.protocol == NULL && u.port == 0);
	vn_url_free(&u);
	CHECK(vn_url_parse("", &u, &why) == 0 && u.path && !*u.path);
	vn_url_free(&u);
	CHECK(vn_url_parse(NULL, &u, &why) == -1 && u.buf == NULL);
	CHECK(vn_url_parse("http://h:x/", &u, NULL) == -1);
}

/*
 * Every test_url_parse vector of VLC's src/test/url.c, as data. Where VLC's
 * parser fails (returns -1) url_parse returns nil, so those are BAD here even
 * when VLC's test also looks at the fields it filled in before failing. The
 * fixup variant (vlc_UrlParseFixup) is not what url_parse does: the path with
 * a space is rejected there too.
 */
static void
test_vlc_vectors(void)
{
	OK("http://example.com", "http", N, N, "example.com", 0, N, N);
	OK("http://example.com/", "http", N, N, "example.com", 0, "/", N);
	OK("http://[2001:db8::1]", "http", N, N, "2001:db8::1", 0, N, N);
	OK("http://example.com:", "http", N, N, "example.com", 0, N, N);
	OK("protocol://john:doe@1.2.3.4:567",
	    "protocol", "john", "doe", "1.2.3.4", 567, N, N);
	OK("http://a.b/?opt=val", "http", N, N, "a.b", 0, "/", "opt=val");
	OK("p://u:p@host:123/a/b/c?o=v", "p", "u", "p", "host", 123, "/a/b/c",
	    "o=v");
	OK("p://?o=v", "p", N, N, "", 0, N, "o=v");
	OK("p://h?o=v", "p", N, N, "h", 0, N, "o=v");
	OK("p://h:123?o=v", "p", N, N, "h", 123, N, "o=v");
	OK("p://u:p@h:123?o=v", "p", "u", "p", "h", 123, N, "o=v");
	OK("p://caf\xc3\xa9.example.com", "p", N, N, "xn--caf-dma.example.com",
	    0, N, N);
	OK("p://caf%C3%A9.example.com", "p", N, N, "xn--caf-dma.example.com",
	    0, N, N);
	OK("p://www.example.com/caf\xc3\xa9/", "p", N, N, "www.example.com", 0,
	    "/caf%C3%A9/", N);
	OK("p://h/white%20spaced", "p", N, N, "h", 0, "/white%20spaced", N);
	OK("//example.com", N, N, N, "example.com", 0, N, N);
	OK("/file", N, N, N, N, 0, "/file", N);
	OK("?opt=val", N, N, N, N, 0, "", "opt=val");
	OK("?o1=v1&o2=v2", N, N, N, N, 0, "", "o1=v1&o2=v2");
	OK("/f?o=v", N, N, N, N, 0, "/f", "o=v");
	OK("//example.com/file", N, N, N, "example.com", 0, "/file", N);
	OK("//example.com?opt=val", N, N, N, "example.com", 0, N, "opt=val");
	OK("//example.com/f?o=v", N, N, N, "example.com", 0, "/f", "o=v");
	BAD("p://G a r b a g e", "invalid character in host");
	BAD("p://h/G a r b a g e", "invalid character in path");
	BAD("http://example.com:123xyz", "invalid port");
	BAD("http://example.com: 123", "invalid port");
	BAD("http://example.com:+123", "invalid port");
	BAD("http://example.com:-123", "invalid port");
	BAD("http://example.com:-4294967298", "invalid port");
	BAD("http://example.com:-18446744073709551615", "invalid port");
	BAD("http://user%/Oath", "invalid character in host");
	BAD("smb://SERVER:445/SHARE/My file.mp3", "invalid character in path");
}

int
main(void)
{
	test_vlc_vectors();
	test_http();
	test_userinfo();
	test_ipv6();
	test_no_authority();
	test_fragment();
	test_fixup();
	test_host();
	test_port();
	test_long();
	test_free();
	return UNIT_DONE("url");
}
