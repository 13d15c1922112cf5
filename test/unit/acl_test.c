/* test/unit/acl_test.c: core/acl.c, --allow/--deny parsing and matching,
 * table by table: IPv4, IPv6, prefixes 0 to 128, IPv4-mapped clients, both
 * lists together, and bad input with its code. No name is resolved here. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <stdlib.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../core/acl.h"
#include "unit.h"

/* A client address from its text, IPv4 or IPv6. */
static const struct sockaddr *
client(const char *text)
{
	static struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(40000);
	} else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(40000);
	} else {
		fprintf(stderr, "bad client address in the table: %s\n", text);
	}
	return (const struct sockaddr *)&ss;
}

/* allow and deny: the specs of each list ("" for none); then a client and
 * whether it is served. */
static const struct {
	const char *allow, *deny, *client;
	int served;
} cases[] = {
	/* no rules: everyone */
	{ "", "", "203.0.113.9", 1 },
	{ "", "", "2001:db8::1", 1 },
	/* IPv4, a whole address */
	{ "127.0.0.1", "", "127.0.0.1", 1 },
	{ "127.0.0.1", "", "127.0.0.2", 0 },
	{ "", "127.0.0.1", "127.0.0.1", 0 },
	{ "", "127.0.0.1", "127.0.0.2", 1 },
	/* IPv4 prefixes 0, 8, 24, 31, 32; host bits past the prefix ignored */
	{ "0.0.0.0/0", "", "203.0.113.9", 1 },
	{ "10.9.9.9/0", "", "192.0.2.1", 1 },
	{ "127.0.0.0/8", "", "127.255.3.4", 1 },
	{ "127.0.0.0/8", "", "128.0.0.1", 0 },
	{ "127.1.2.3/8", "", "127.200.0.1", 1 },
	{ "192.0.2.0/24", "", "192.0.2.255", 1 },
	{ "192.0.2.0/24", "", "192.0.3.0", 0 },
	{ "192.0.2.4/31", "", "192.0.2.5", 1 },
	{ "192.0.2.4/31", "", "192.0.2.6", 0 },
	{ "127.0.0.1/32", "", "127.0.0.1", 1 },
	{ "127.0.0.1/32", "", "127.0.0.2", 0 },
	/* an IPv4 rule never matches a native IPv6 client, even with /0 */
	{ "0.0.0.0/0", "", "::1", 0 },
	{ "127.0.0.1", "", "::1", 0 },
	/* IPv6, whole and with prefixes 0, 8, 64, 127, 128 */
	{ "::1", "", "::1", 1 },
	{ "::1", "", "::2", 0 },
	{ "::1/128", "", "::1", 1 },
	{ "::1/128", "", "::2", 0 },
	{ "::1/127", "", "::0", 1 },
	{ "::1/127", "", "::2", 0 },
	{ "2001:db8::/64", "", "2001:db8::ffff:1", 1 },
	{ "2001:db8::/64", "", "2001:db8:0:1::1", 0 },
	{ "ff00::/8", "", "ff02::1", 1 },
	{ "ff00::/8", "", "fe80::1", 0 },
	{ "::/0", "", "2001:db8::1", 1 },
	/* ::/0 is every client, IPv4 ones too (they are ::ffff:a.b.c.d) */
	{ "::/0", "", "127.0.0.1", 1 },
	{ "", "::/0", "127.0.0.1", 0 },
	/* IPv4-mapped clients match IPv4 rules, and the mapped form matches
	 * IPv4 clients */
	{ "127.0.0.1", "", "::ffff:127.0.0.1", 1 },
	{ "127.0.0.0/8", "", "::ffff:127.9.9.9", 1 },
	{ "127.0.0.0/8", "", "::ffff:10.0.0.1", 0 },
	{ "", "127.0.0.1", "::ffff:127.0.0.1", 0 },
	{ "::ffff:127.0.0.1", "", "127.0.0.1", 1 },
	{ "::ffff:0:0/96", "", "198.51.100.7", 1 },
	{ "::ffff:0:0/96", "", "::1", 0 },
	/* both lists: deny wins, and an allow list leaves out the rest */
	{ "127.0.0.0/8", "127.0.0.2", "127.0.0.1", 1 },
	{ "127.0.0.0/8", "127.0.0.2", "127.0.0.2", 0 },
	{ "127.0.0.0/8", "127.0.0.2", "10.0.0.1", 0 },
	{ "127.0.0.1", "127.0.0.0/8", "127.0.0.1", 0 },
	{ "127.0.0.1,::1", "", "::1", 1 },
	{ "127.0.0.1,::1", "", "127.0.0.1", 1 },
	{ "127.0.0.1,::1", "", "127.0.0.2", 0 },
	{ "", "127.0.0.2,::1", "127.0.0.1", 1 },
	{ "", "127.0.0.2,::1", "::1", 0 },
};

static void
test_matching(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct vn_acl acl = { { 0 }, { 0 }, 0 };
		struct vn_err e = { 0, 0 };
		int ok = 1, served;

		if (*cases[i].allow)
			ok &= vn_acl_add(&acl, VN_ACL_ALLOW, cases[i].allow, &e) == 0;
		if (*cases[i].deny)
			ok &= vn_acl_add(&acl, VN_ACL_DENY, cases[i].deny, &e) == 0;
		served = vn_acl_check(&acl, client(cases[i].client)) == VN_ACL_SERVE;
		if (!CHECK(ok && served == cases[i].served))
			fprintf(stderr, "  allow '%s' deny '%s' client %s: %s, want %s\n",
			        cases[i].allow, cases[i].deny, cases[i].client,
			        !ok ? "rule refused" : served ? "served" : "refused",
			        cases[i].served ? "served" : "refused");
		vn_acl_free(&acl);
	}
}

/* Bad specs and the code each gets. */
static const struct {
	const char *spec;
	int code;
} bad[] = {
	{ "", VN_EBADADDR },
	{ ",", VN_EBADADDR },
	{ "127.0.0.1,", VN_EBADADDR },
	{ "127.0.0.1,,::1", VN_EBADADDR },
	{ "/8", VN_EBADADDR },
	{ "127.1", VN_EBADADDR },
	{ "256.0.0.1", VN_EBADADDR },
	{ "10.0.0.*", VN_EBADADDR },
	{ "10.0.0.1-9", VN_EBADADDR },
	{ "::1::2", VN_EBADADDR },
	{ "fe80::1%lo", VN_EBADADDR },
	{ "[::1]", VN_EBADADDR },
	{ "1.2.3.4/8/9", VN_EBADADDR },
	{ "127.0.0.1/33", VN_EBADPREFIX },
	{ "127.0.0.1/999", VN_EBADPREFIX },
	{ "127.0.0.1/1000", VN_EBADPREFIX },
	{ "::1/129", VN_EBADPREFIX },
	{ "127.0.0.1/", VN_EBADPREFIX },
	{ "127.0.0.1/-1", VN_EBADPREFIX },
	{ "127.0.0.1/ 8", VN_EBADPREFIX },
	{ "127.0.0.1/8x", VN_EBADPREFIX },
	{ "::1/0x10", VN_EBADPREFIX },
	{ "localhost/8", VN_ENAMEPREFIX },
};

static void
test_bad_input(void)
{
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct vn_acl acl = { { 0 }, { 0 }, 0 };
		struct vn_err e = { 0, 0 };
		int r = vn_acl_add(&acl, VN_ACL_DENY, bad[i].spec, &e);

		if (!CHECK(r == -1 && e.code == bad[i].code))
			fprintf(stderr, "  '%s': %d, code %d, want code %d\n",
			        bad[i].spec, r, e.code, bad[i].code);
		vn_acl_free(&acl);
	}
}

/* The edge values of the prefixes are taken; the empty set serves a Unix
 * client, a set with rules refuses it (a family no rule can name). */
static void
test_edges(void)
{
	struct vn_acl acl = { { 0 }, { 0 }, 0 };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct vn_err e;

	CHECK(!vn_acl_active(&acl));
	CHECK(vn_acl_check(&acl, (struct sockaddr *)&un) == VN_ACL_SERVE);
	CHECK(vn_acl_add(&acl, VN_ACL_ALLOW, "0.0.0.0/0", &e) == 0);
	CHECK(vn_acl_add(&acl, VN_ACL_ALLOW, "255.255.255.255/32", &e) == 0);
	CHECK(vn_acl_add(&acl, VN_ACL_ALLOW, "::/0", &e) == 0);
	CHECK(vn_acl_add(&acl, VN_ACL_ALLOW, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	                 &e) == 0);
	CHECK(vn_acl_add(&acl, VN_ACL_ALLOW, "127.0.0.1/008", &e) == 0);
	CHECK(vn_acl_active(&acl));
	CHECK(vn_acl_check(&acl, (struct sockaddr *)&un) == VN_ACL_REFUSE);
	CHECK(vn_acl_check(&acl, client("255.255.255.255")) == VN_ACL_SERVE);
	vn_acl_free(&acl);
	CHECK(!vn_acl_active(&acl));
	CHECK(acl.allow.net == NULL && acl.allow.n == 0);
}

/* Many rules grow the list; each one still matches. */
static void
test_many(void)
{
	struct vn_acl acl = { { 0 }, { 0 }, 0 };
	struct vn_err e;
	char spec[32], addr[32];
	int i, ok = 1;

	for (i = 0; i < 300; i++) {
		snprintf(spec, sizeof spec, "10.0.%d.%d", i / 256, i % 256);
		ok &= vn_acl_add(&acl, VN_ACL_ALLOW, spec, &e) == 0;
	}
	CHECK(ok);
	CHECK(acl.allow.n == 300);
	for (i = 0; i < 300; i++) {
		snprintf(addr, sizeof addr, "10.0.%d.%d", i / 256, i % 256);
		ok &= vn_acl_check(&acl, client(addr)) == VN_ACL_SERVE;
	}
	CHECK(ok);
	CHECK(vn_acl_check(&acl, client("10.0.2.0")) == VN_ACL_REFUSE);
	vn_acl_free(&acl);
}

/* write text to a new file in dir; returns its path (static) */
static const char *
acl_file(const char *dir, const char *name, const char *text, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	return path;
}

/* --allowfile/--denyfile: comments, blanks, CRLF ends; a bad line named by
 * its number; a file that cannot be read; an empty allow file serves no one. */
static void
test_files(void)
{
	static const char good[] =
		"# loopback clients\n"
		"\n"
		"   127.0.0.2   # the second one\r\n"
		"\t::1/128\n"
		"192.0.2.0/24";            /* no newline at the end */
	static const struct {
		const char *text;
		size_t len;
		unsigned long line;
		int code;
	} bad_files[] = {
#define TEXT(s) s, sizeof s - 1
		{ TEXT("127.0.0.1\n10.0.0.1 10.0.0.2\n"), 2, VN_EBADADDR },
		{ TEXT("127.0.0.1,10.0.0.1\n"), 1, VN_EBADADDR },
		{ TEXT("# c\n\n10.0.0.0/33\n"), 3, VN_EBADPREFIX },
		{ TEXT("10.0.0.1\n10.0\0.2\n"), 2, VN_EBADADDR },
		{ TEXT("localhost/8\n"), 1, VN_ENAMEPREFIX },
#undef TEXT
	};
	char dir[] = "/tmp/acl_test.XXXXXX";
	struct vn_acl acl = { { 0 }, { 0 }, 0 };
	unsigned long line;
	struct vn_err e;
	const char *path;
	size_t i;

	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	path = acl_file(dir, "good", good, sizeof good - 1);
	CHECK(vn_acl_add_file(&acl, VN_ACL_ALLOW, path, &line, &e) == 0);
	CHECK(acl.allow.n == 3 && line == 5);
	CHECK(vn_acl_check(&acl, client("127.0.0.2")) == VN_ACL_SERVE);
	CHECK(vn_acl_check(&acl, client("::1")) == VN_ACL_SERVE);
	CHECK(vn_acl_check(&acl, client("192.0.2.77")) == VN_ACL_SERVE);
	CHECK(vn_acl_check(&acl, client("127.0.0.1")) == VN_ACL_REFUSE);
	/* with --deny as well: deny wins over the file */
	CHECK(vn_acl_add(&acl, VN_ACL_DENY, "192.0.2.77", &e) == 0);
	CHECK(vn_acl_check(&acl, client("192.0.2.77")) == VN_ACL_REFUSE);
	vn_acl_free(&acl);

	/* a deny file alone refuses what it lists, serves the rest */
	CHECK(vn_acl_add_file(&acl, VN_ACL_DENY, path, &line, &e) == 0);
	CHECK(vn_acl_check(&acl, client("127.0.0.2")) == VN_ACL_REFUSE);
	CHECK(vn_acl_check(&acl, client("127.0.0.1")) == VN_ACL_SERVE);
	vn_acl_free(&acl);

	/* an allow file that lists nothing serves no one; an empty deny file
	 * changes nothing */
	path = acl_file(dir, "empty", "# nobody\n\n", 10);
	CHECK(vn_acl_add_file(&acl, VN_ACL_DENY, path, &line, &e) == 0);
	CHECK(!vn_acl_active(&acl));
	CHECK(vn_acl_add_file(&acl, VN_ACL_ALLOW, path, &line, &e) == 0);
	CHECK(vn_acl_active(&acl));
	CHECK(vn_acl_check(&acl, client("127.0.0.1")) == VN_ACL_REFUSE);
	vn_acl_free(&acl);
	CHECK(!vn_acl_active(&acl));

	for (i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
		e.code = 0;
		path = acl_file(dir, "bad", bad_files[i].text, bad_files[i].len);
		if (!CHECK(vn_acl_add_file(&acl, VN_ACL_DENY, path, &line, &e) == -1 &&
		           line == bad_files[i].line && e.code == bad_files[i].code))
			fprintf(stderr, "  bad file %zu: line %lu, code %d\n", i, line, e.code);
		vn_acl_free(&acl);
	}

	/* a file that is not there, a directory */
	CHECK(vn_acl_add_file(&acl, VN_ACL_ALLOW, "/nonexistent/list", &line, &e) == -1 &&
	      line == 0 && e.code == ENOENT);
	CHECK(vn_acl_add_file(&acl, VN_ACL_ALLOW, dir, &line, &e) == -1 &&
	      line == 0 && e.code == EISDIR);
	vn_acl_free(&acl);

	unlink(acl_file(dir, "good", "", 0));
	unlink(acl_file(dir, "empty", "", 0));
	unlink(acl_file(dir, "bad", "", 0));
	rmdir(dir);
}

int
main(void)
{
	test_matching();
	test_bad_input();
	test_edges();
	test_many();
	test_files();
	return UNIT_DONE("acl_test");
}
