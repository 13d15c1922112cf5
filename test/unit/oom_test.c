/*
 * test/unit/oom_test.c: the core functions that allocate, when an allocation
 * fails. Linked with -Wl,--wrap for malloc, calloc, realloc and strdup (see
 * the Makefile): fail_at = N makes the Nth allocation from core/ fail. Each
 * function is called with N = 1, 2, ... until it needs no more than N - 1
 * allocations; every failure must be reported (ENOMEM, "out of memory", -1),
 * nothing may crash, and what was allocated before must be freed (the
 * sanitizer pass of the unit tests finds a leak): among them the event loop
 * and a TLS client's context and session. vn_nomem ends the process
 * with "PROG: not enough memory" and status 1.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "../../core/acl.h"
#include "../../core/charset.h"
#include "../../core/fmt.h"
#include "../../core/fs.h"
#include "../../core/loop.h"
#include "../../core/net.h"
#include "../../core/out.h"
#include "../../core/proc.h"
#include "../../core/proxy.h"
#include "../../core/spawn.h"
#include "../../core/tls.h"
#include "../../core/uri.h"
#include "../../core/url.h"
#include "../../core/xml.h"
#include "unit.h"

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
char *__real_strdup(const char *);

static int fail_at, calls, failed;

/* Whether this allocation is the one to fail. */
static int
fails(void)
{
	if (fail_at && ++calls == fail_at) {
		failed = 1;
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *__wrap_malloc(size_t n) { return fails() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return fails() ? NULL : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return fails() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fails() ? NULL : __real_strdup(s); }

/* Arm the Nth allocation to fail. */
static void
arm(int n)
{
	fail_at = n;
	calls = 0;
	failed = 0;
}

/* Each try_* runs its function once, as armed; returns 1 when an injected
 * failure was reported as it should be, 0 when the call succeeded without
 * one, and -1 when the function got it wrong. */
static int
try_url(void)
{
	struct vn_url u;
	const char *why = NULL;
	int r = vn_url_parse("http://us%20er:pw@[fe80::1%25eth0]:8080/p%20a?q=1", &u, &why);

	if (r == 0) {
		vn_url_free(&u);
		return failed ? -1 : 0;
	}
	return failed && why && strstr(why, "memory") ? 1 : -1;
}

static int
try_str(int (*f)(const char *, size_t, struct vn_str *), const char *s)
{
	struct vn_str out = { NULL, 0 };
	int r = f(s, strlen(s), &out);

	if (r == 0) {
		free(out.p);
		return failed ? -1 : 0;
	}
	return failed && errno == ENOMEM ? 1 : -1;
}

static int
try_uri_decode(void) { return try_str(vn_uri_decode, "a%20b%2Fc"); }
static int
try_uri_encode(void) { return try_str(vn_uri_encode, "a b/c\xff"); }
static int
try_xml_decode(void) { return try_str(vn_xml_decode, "&lt;a&amp;b&#233;&gt;"); }
static int
try_xml_encode(void) { return try_str(vn_xml_encode, "<a&b\"'>"); }

static int
try_charset(void)
{
	/* more than four times the room of the input: the buffer must grow */
	static char in[4096];
	struct vn_str out = { NULL, 0 };
	int r;

	memset(in, 'a', sizeof in);
	r = vn_charset_to_utf8("UTF-16LE", in, sizeof in, &out);
	if (r == 0) {
		free(out.p);
		return failed ? -1 : 0;
	}
	return failed && errno == ENOMEM ? 1 : -1;
}

/* TSCII's 0x82 is 12 bytes of UTF-8: the output outgrows its first buffer
 * (98 bytes: see strings_test.c's test_charset_grows). */
static int
try_charset_grow(void)
{
	static char in[98];
	struct vn_str out = { NULL, 0 };
	int r;

	memset(in, '\x82', sizeof in);
	r = vn_charset_to_utf8("TSCII", in, sizeof in, &out);
	if (r == 0) {
		r = out.n == 12 * sizeof in;
		free(out.p);
		return failed || !r ? -1 : 0;
	}
	return failed && errno == ENOMEM && !out.p ? 1 : -1;
}

static int
try_acl(void)
{
	struct vn_acl acl = { 0 };
	struct vn_err e = { 0, 0 };
	int r = 0, i;

	/* enough networks that the list grows more than once */
	for (i = 0; i < 40 && r == 0; i++)
		r = vn_acl_add(&acl, i % 2 ? VN_ACL_DENY : VN_ACL_ALLOW,
		               "10.0.0.0/8,::1,192.168.1.0/24", &e);
	vn_acl_free(&acl);
	if (r == 0)
		return failed ? -1 : 0;
	return failed && e.code == ENOMEM ? 1 : -1;
}

static int
try_ids(void)
{
	struct vn_ids *ids = vn_ids_new();
	int ok;

	if (!ids)
		return failed ? 1 : -1;
	/* a name that cannot be cached is given as a number, or NULL */
	ok = vn_ids_user(ids, 0) != NULL || failed;
	vn_ids_group(ids, 0);
	vn_ids_user(ids, 12345);
	vn_ids_free(ids);
	if (!ok)
		return -1;
	return failed;
}

static int
try_out(void)
{
	struct vn_out o;

	if (vn_out_init(&o, stdout, 100) == 0) {
		free(o.buf);
		return failed ? -1 : 0;
	}
	return failed ? 1 : -1;
}

/* A directory big enough that the buffer of its records grows: names of
 * 200 bytes, 2000 of them, hold more than the first 128 KiB. */
static char big_dir[] = "/tmp/vn-oom-XXXXXX";

static int
make_big_dir(void)
{
	char path[400];
	int i, fd;

	if (!mkdtemp(big_dir))
		return -1;
	for (i = 0; i < 2000; i++) {
		snprintf(path, sizeof path, "%s/%0200d", big_dir, i);
		if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) < 0)
			return -1;
		close(fd);
	}
	return 0;
}

static void
remove_big_dir(void)
{
	char path[400];
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(path, sizeof path, "%s/%0200d", big_dir, i);
		unlink(path);
	}
	rmdir(big_dir);
}

static int
try_dir(void)
{
	struct vn_dir d;
	int r = vn_fs_dir_read(AT_FDCWD, big_dir, 0, &d);

	if (r == 0) {
		r = d.n == 2000;
		vn_fs_dir_free(&d);
		return failed || !r ? -1 : 0;
	}
	/* nothing is left open or allocated, and the reason is kept */
	return failed && errno == ENOMEM && d.fd == -1 && d.n == 0 && !d.ents && !d.raw ? 1 : -1;
}

static int
try_split(void)
{
	char **v = vn_split_words("  cat -u\t--  x ");

	if (v) {
		int ok = unit_streq(v[0], "cat") && unit_streq(v[1], "-u") &&
		         unit_streq(v[2], "--") && unit_streq(v[3], "x") && !v[4];

		free(v);
		return failed || !ok ? -1 : 0;
	}
	return failed ? 1 : -1;
}

/* An HTTP CONNECT with a user: its request is built in allocated memory.
 * The proxy's answer is waiting already, so a request that was sent gets it. */
static int
try_http_connect(void)
{
	static const char ok[] = "HTTP/1.0 200 Connection established\r\n\r\n";
	struct vn_proxy p = { VN_PROXY_HTTP, "127.0.0.1", 8080, "user", "secret",
	                      VN_PROXY_DNS_DEFAULT };
	struct vn_proxy_err e;
	char req[512];
	int sp[2], r;
	ssize_t n;

	memset(&e, 0, sizeof e);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 ||
	    write(sp[1], ok, sizeof ok - 1) != (ssize_t)sizeof ok - 1)
		return -1;
	r = vn_proxy_handshake(sp[0], &p, "example.invalid", 443, AF_UNSPEC,
	                       vn_now_ms() + 5000, &e);
	n = recv(sp[1], req, sizeof req - 1, MSG_DONTWAIT);
	close(sp[0]);
	close(sp[1]);
	if (r == 0) {
		req[n > 0 ? n : 0] = '\0';
		/* "user:secret" in base64 */
		return failed || !strstr(req, "Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=\r\n")
		       ? -1 : 0;
	}
	/* a failed allocation sends nothing */
	return failed && e.code == VN_PROXY_ESYS && e.sys == ENOMEM && n <= 0 ? 1 : -1;
}

/* A loop, a waiter on a descriptor numbered past the loop's first array
 * (64) and a timer: the array and the heap grow. */
static int
try_loop(void)
{
	struct vn_loop *l = vn_loop_new();
	struct vn_waiter w;
	int fd, r;

	if (!l)
		return failed && errno == ENOMEM ? 1 : -1;
	r = socket(AF_UNIX, SOCK_STREAM, 0);
	fd = r < 0 ? -1 : fcntl(r, F_DUPFD_CLOEXEC, 100);
	if (r >= 0)
		close(r);
	if (fd < 0) {
		vn_loop_free(l);
		return -1;
	}
	r = vn_loop_wait(l, &w, fd, POLLIN, 1, vn_now_ms() + 60000);
	if (r == 0)
		vn_loop_cancel(l, &w);
	vn_loop_free(l);
	close(fd);
	if (r == 0)
		return failed ? -1 : 0;
	return failed && errno == ENOMEM ? 1 : -1;
}

/* A TLS client's context (with a server name) and its session over a
 * socket: nothing is sent before the handshake. */
static int
try_tls_client(void)
{
	struct vn_tls_opts o = { .servername = "example.invalid" };
	struct vn_tls_err e = { 0, "" };
	struct vn_tls_ctx *c = vn_tls_ctx_new(&o, 0, &e);
	struct vn_tls *t;
	int sp[2];

	if (!c)
		return failed && e.code == VN_TLS_NOMEM ? 1 : -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0) {
		vn_tls_ctx_free(c);
		return -1;
	}
	t = vn_tls_start(c, sp[0], "localhost", &e);
	vn_tls_ctx_free(c);
	if (t) {
		int ok = vn_tls_fd(t) == sp[0];

		vn_tls_free(t);
		close(sp[0]);
		close(sp[1]);
		return failed || !ok ? -1 : 0;
	}
	close(sp[0]);
	close(sp[1]);
	return failed && e.code == VN_TLS_NOMEM ? 1 : -1;
}

/* Runs f with the 1st, 2nd... allocation failing until it needs no more;
 * checks each outcome, and that some allocation was failed at all. */
static void
every_allocation(const char *name, int (*f)(void))
{
	int n, r, injected = 0;

	for (n = 1; n < 1000; n++) {
		arm(n);
		r = f();
		arm(0);
		if (r < 0)
			fprintf(stderr, "%s: allocation %d failed badly\n", name, n);
		CHECK(r >= 0);
		if (r == 0)
			break;
		injected++;
	}
	if (!injected)
		fprintf(stderr, "%s: no allocation was failed\n", name);
	CHECK(injected > 0);
	CHECK(n < 1000);
}

static void
nomem_says_so_and_exits_1(void)
{
	int p[2], st = 0;
	char buf[100] = "";
	ssize_t n, r;
	pid_t pid;

	if (pipe(p) < 0 || (pid = fork()) < 0) {
		CHECK(!"pipe or fork");
		return;
	}
	if (pid == 0) {
		dup2(p[1], 2);
		vn_proc_name("vlcnet-oom");
		vn_nomem();
	}
	close(p[1]);
	/* the message comes in several writes: read until the child has gone */
	for (n = 0; n < (ssize_t)sizeof buf - 1; n += r) {
		r = read(p[0], buf + n, sizeof buf - 1 - n);
		if (r <= 0)
			break;
	}
	close(p[0]);
	waitpid(pid, &st, 0);
	CHECK(n > 0);
	CHECK_STR(buf, "vlcnet-oom: not enough memory\n");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}

int
main(void)
{
	every_allocation("vn_url_parse", try_url);
	every_allocation("vn_uri_decode", try_uri_decode);
	every_allocation("vn_uri_encode", try_uri_encode);
	every_allocation("vn_xml_decode", try_xml_decode);
	every_allocation("vn_xml_encode", try_xml_encode);
	every_allocation("vn_charset_to_utf8", try_charset);
	every_allocation("vn_charset_to_utf8 growing", try_charset_grow);
	every_allocation("vn_acl_add", try_acl);
	every_allocation("vn_ids", try_ids);
	every_allocation("vn_out_init", try_out);
	every_allocation("vn_split_words", try_split);
	every_allocation("vn_proxy_handshake", try_http_connect);
	every_allocation("vn_loop", try_loop);
	every_allocation("vn_tls client", try_tls_client);
	if (make_big_dir() == 0)
		every_allocation("vn_fs_dir_read", try_dir);
	else
		CHECK(!"a directory of 2000 files in /tmp");
	remove_big_dir();
	nomem_says_so_and_exits_1();
	return UNIT_DONE("oom");
}
