/*
 * test/unit/proxy_test.c: core/proxy.c's parsing of proxy addresses and URLs,
 * and its handshakes over a socketpair whose other end holds a scripted
 * reply: the request's bytes, the outcome, and that nothing after the
 * proxy's reply was read; the message of each outcome.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/proxy.h"
#include "../../core/url.h"
#include "unit.h"

static void
test_addr(void)
{
	char buf[64];
	const char *host;
	int port;

	CHECK(vn_proxy_parse_addr("127.0.0.1:1080", buf, sizeof buf, &host, &port,
	                          VN_PROXY_SOCKS5) == 0);
	CHECK_STR(host, "127.0.0.1");
	CHECK(port == 1080);
	CHECK(vn_proxy_parse_addr("[::1]:8080", buf, sizeof buf, &host, &port,
	                          VN_PROXY_HTTP) == 0);
	CHECK_STR(host, "::1");
	CHECK(port == 8080);
	CHECK(vn_proxy_parse_addr("proxy.example", buf, sizeof buf, &host, &port,
	                          VN_PROXY_HTTP) == 0);
	CHECK(port == 3128);
	CHECK(vn_proxy_parse_addr("[::1]", buf, sizeof buf, &host, &port,
	                          VN_PROXY_SOCKS4) == 0);
	CHECK(port == 1080);
	CHECK(vn_proxy_parse_addr("::1:80", buf, sizeof buf, &host, &port, 0) < 0);
	CHECK(vn_proxy_parse_addr("h:0", buf, sizeof buf, &host, &port, 0) < 0);
	CHECK(vn_proxy_parse_addr("h:65536", buf, sizeof buf, &host, &port, 0) < 0);
	CHECK(vn_proxy_parse_addr(":80", buf, sizeof buf, &host, &port, 0) < 0);
	CHECK(vn_proxy_parse_addr("[::1]x", buf, sizeof buf, &host, &port, 0) < 0);
	CHECK(vn_proxy_parse_addr("[::1", buf, sizeof buf, &host, &port, 0) < 0);
	CHECK(vn_proxy_parse_addr("h:", buf, sizeof buf, &host, &port, 0) < 0);
}

static void
test_url(void)
{
	struct vn_proxy p;
	struct vn_url u;
	const char *why;

	CHECK(vn_proxy_from_url("socks5://bob:s%3Acret@127.0.0.1:1081", &p, &u, &why) ==
	      VN_PROXY_OK);
	CHECK(p.type == VN_PROXY_SOCKS5);
	CHECK_STR(p.host, "127.0.0.1");
	CHECK(p.port == 1081);
	CHECK_STR(p.user, "bob");
	CHECK_STR(p.pass, "s:cret");
	vn_url_free(&u);
	CHECK(vn_proxy_from_url("http://[::1]", &p, &u, &why) == VN_PROXY_OK);
	CHECK(p.type == VN_PROXY_HTTP && p.port == 3128 && !p.user);
	CHECK_STR(p.host, "::1");
	vn_url_free(&u);
	CHECK(vn_proxy_from_url("socks4a://id@h", &p, &u, &why) == VN_PROXY_OK);
	CHECK(p.type == VN_PROXY_SOCKS4A && p.port == 1080);
	CHECK(vn_proxy_check(&p) == VN_PROXY_OK);
	vn_url_free(&u);
	CHECK(vn_proxy_from_url("socks4://id:pw@h", &p, &u, &why) == VN_PROXY_OK);
	CHECK(vn_proxy_check(&p) == VN_PROXY_EPASS);
	vn_url_free(&u);
	CHECK(vn_proxy_from_url("ftp://h:21", &p, &u, &why) == VN_PROXY_ESCHEME);
	CHECK(vn_proxy_from_url("h:21", &p, &u, &why) == VN_PROXY_ESCHEME);
	CHECK(vn_proxy_from_url("socks5://", &p, &u, &why) == VN_PROXY_EURL);
	CHECK(vn_proxy_from_url("socks5://a b:1", &p, &u, &why) == VN_PROXY_EURL);
	CHECK(vn_proxy_type_parse("socks4a") == VN_PROXY_SOCKS4A);
	CHECK(vn_proxy_type_parse("SOCKS5") < 0);
}

/* Run one handshake with reply queued at the proxy's end; *req gets what was
 * sent, *rest what the tunnel still holds after it. Returns the result. */
static int
handshake(const struct vn_proxy *p, const char *host, int port, const void *reply,
          size_t n, char *req, size_t reqmax, char *rest, struct vn_proxy_err *e)
{
	int sv[2], r;
	ssize_t got;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -2;
	if (n && write(sv[1], reply, n) != (ssize_t)n)
		return -2;
	shutdown(sv[1], SHUT_WR);
	r = vn_proxy_handshake(sv[0], p, host, port, 0, vn_now_ms() + 2000, e);
	shutdown(sv[0], SHUT_WR);
	got = read(sv[1], req, reqmax - 1);
	req[got > 0 ? got : 0] = '\0';
	got = recv(sv[0], rest, 63, MSG_DONTWAIT);
	rest[got > 0 ? got : 0] = '\0';
	close(sv[0]);
	close(sv[1]);
	return r;
}

static void
test_handshakes(void)
{
	struct vn_proxy p = { VN_PROXY_SOCKS5, "proxy", 1080, NULL, NULL, 0 };
	struct vn_proxy_err e;
	char req[512], rest[64], msg[VN_PROXY_ERRLEN], big[300];
	static const char s5ok[] = "\5\0" "\5\0\0\1" "\177\0\0\1" "\4\70" "tunnel";
	static const char s5login[] = "\5\2" "\1\0" "\5\0\0\3" "\4host" "\0\120" "x";
	static const char s5refused[] = "\5\0" "\5\5\0\1" "\0\0\0\0" "\0\0";

	CHECK(handshake(&p, "example.org", 80, s5ok, sizeof s5ok - 1, req, sizeof req,
	                rest, &e) == 0);
	CHECK(!memcmp(req, "\5\1\0" "\5\1\0\3\13example.org\0\120", 3 + 18));
	CHECK_STR(rest, "tunnel");

	p.user = "bob";
	p.pass = "pw";
	CHECK(handshake(&p, "10.0.0.1", 80, s5login, sizeof s5login - 1, req, sizeof req,
	                rest, &e) == 0);
	CHECK(!memcmp(req, "\5\2\0\2" "\1\3bob\2pw" "\5\1\0\1\12\0\0\1\0\120", 4 + 8 + 10));
	CHECK_STR(rest, "x");

	/* The longest bound address a reply may carry: a 255-byte name. */
	p.user = p.pass = NULL;
	memcpy(big, "\5\0\5\0\0\3\377", 7);
	memset(big + 7, 'a', 255);
	memcpy(big + 7 + 255, "\0\120z", 3);
	CHECK(handshake(&p, "h", 9, big, 7 + 255 + 3, req, sizeof req, rest, &e) == 0);
	CHECK_STR(rest, "z");

	CHECK(handshake(&p, "h", 9, s5refused, sizeof s5refused - 1, req, sizeof req,
	                rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EREFUSED && e.reply == 5);
	CHECK_STR(vn_proxy_err_str(&e, msg), "SOCKS5 proxy refused: connection refused (5)");

	CHECK(handshake(&p, "h", 9, "\5", 1, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_ECLOSED);

	p.type = VN_PROXY_HTTP;
	p.user = "bob";
	p.pass = "secret";
	CHECK(handshake(&p, "::1", 443, "HTTP/1.1 200 OK\r\nVia: x\r\n\r\nDATA", 31, req,
	                sizeof req, rest, &e) == 0);
	CHECK_STR(req, "CONNECT [::1]:443 HTTP/1.0\r\nHost: [::1]:443\r\n"
	               "Proxy-Authorization: Basic Ym9iOnNlY3JldA==\r\n\r\n");
	CHECK_STR(rest, "DATA");
	CHECK(handshake(&p, "h", 1, "HTTP/1.0 407 Proxy \001Auth\r\n\r\n", 29, req,
	                sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EHTTP);
	CHECK_STR(e.status, "HTTP/1.0 407 Proxy ?Auth");
	CHECK(handshake(&p, "h", 1, "SSH-2.0-x\r\n\r\n", 13, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EGARBAGE);

	p.type = VN_PROXY_SOCKS4A;
	p.user = "id";
	p.pass = NULL;
	CHECK(handshake(&p, "name", 80, "\0\132\0\0\0\0\0\0!", 9, req, sizeof req, rest,
	                &e) == 0);
	CHECK(!memcmp(req, "\4\1\0\120\0\0\0\1id\0name\0", 8 + 3 + 5));
	CHECK_STR(rest, "!");
	p.type = VN_PROXY_SOCKS4;
	CHECK(handshake(&p, "::1", 80, "", 0, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_ENOV4);
}

/* Each way a proxy may say no, and the message a user then reads. */
static void
test_refusals(void)
{
	static const char *s5[] = { NULL, "general SOCKS server failure",
		"connection not allowed by ruleset", "network unreachable",
		"host unreachable", "connection refused", "TTL expired",
		"command not supported", "address type not supported",
		"unknown reply code" };
	static const char *s4[] = { "request rejected or failed",
		"request rejected: the proxy cannot reach the client's identd",
		"request rejected: identd reports a different user ID" };
	struct vn_proxy p = { VN_PROXY_SOCKS5, "proxy", 1080, NULL, NULL, 0 };
	struct vn_proxy_err e;
	char req[512], rest[64], msg[VN_PROXY_ERRLEN], want[VN_PROXY_ERRLEN];
	char reply[16], name[300], *head;
	int i;

	for (i = 1; i <= 9; i++) {
		memcpy(reply, "\5\0" "\5\0\0\1" "\0\0\0\0" "\0\0", 12);
		reply[3] = (char)i;
		CHECK(handshake(&p, "h", 9, reply, 12, req, sizeof req, rest, &e) < 0);
		CHECK(e.code == VN_PROXY_EREFUSED && e.reply == i);
		snprintf(want, sizeof want, "SOCKS5 proxy refused: %s (%d)", s5[i], i);
		CHECK_STR(vn_proxy_err_str(&e, msg), want);
	}
	p.type = VN_PROXY_SOCKS4;
	for (i = 0; i < 3; i++) {
		memcpy(reply, "\0\0\0\0\0\0\0\0", 8);
		reply[1] = (char)(91 + i);
		CHECK(handshake(&p, "10.0.0.1", 80, reply, 8, req, sizeof req, rest, &e) < 0);
		CHECK(e.code == VN_PROXY_EREFUSED && e.reply == 91 + i);
		snprintf(want, sizeof want, "SOCKS4 proxy refused: %s (%d)", s4[i], 91 + i);
		CHECK_STR(vn_proxy_err_str(&e, msg), want);
	}
	/* a code SOCKS4 does not have is no answer at all */
	CHECK(handshake(&p, "10.0.0.1", 80, "\0\136\0\0\0\0\0\0", 8, req, sizeof req,
	                rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EGARBAGE);
	CHECK_STR(vn_proxy_err_str(&e, msg), "SOCKS4 proxy sent an invalid reply");
	p.type = VN_PROXY_SOCKS4A;
	CHECK(handshake(&p, "name", 80, "\0\133\0\0\0\0\0\0", 8, req, sizeof req,
	                rest, &e) < 0);
	CHECK_STR(vn_proxy_err_str(&e, msg),
	          "SOCKS4a proxy refused: request rejected or failed (91)");

	/* SOCKS5: no acceptable method; a login refused; a name too long */
	p.type = VN_PROXY_SOCKS5;
	CHECK(handshake(&p, "h", 9, "\5\377", 2, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_ENOMETHOD);
	CHECK_STR(vn_proxy_err_str(&e, msg),
	          "SOCKS5 proxy accepts none of the offered authentication methods");
	p.user = "bob";
	p.pass = "bad";
	CHECK(handshake(&p, "h", 9, "\5\2" "\1\1", 4, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EAUTH);
	CHECK_STR(vn_proxy_err_str(&e, msg), "SOCKS5 proxy rejected the username or password");
	p.user = p.pass = NULL;
	memset(name, 'a', 256);
	name[256] = '\0';
	CHECK(handshake(&p, name, 9, "\5\0", 2, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_ENAMELEN);
	CHECK_STR(vn_proxy_err_str(&e, msg), "SOCKS5 takes host names of at most 255 bytes");
	CHECK(handshake(&p, "h", 9, "\4\0", 2, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EGARBAGE);
	CHECK_STR(vn_proxy_err_str(&e, msg), "SOCKS5 proxy sent an invalid reply");

	/* HTTP: a head that never ends within VN_PROXY_HEADMAX */
	p.type = VN_PROXY_HTTP;
	head = malloc(VN_PROXY_HEADMAX + 100);
	if (CHECK(head != NULL)) {
		memcpy(head, "HTTP/1.0 200 OK\r\n", 17);
		for (i = 17; i < VN_PROXY_HEADMAX + 100; i++)
			head[i] = i % 64 == 63 ? '\n' : 'x';
		CHECK(handshake(&p, "h", 1, head, VN_PROXY_HEADMAX + 100, req, sizeof req,
		                rest, &e) < 0);
		CHECK(e.code == VN_PROXY_ETOOLONG);
		snprintf(want, sizeof want, "HTTP proxy reply head longer than %d bytes",
		         VN_PROXY_HEADMAX);
		CHECK_STR(vn_proxy_err_str(&e, msg), want);
		free(head);
	}
	CHECK(handshake(&p, "h", 1, "HTTP/1.0 200", 12, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_ECLOSED);
	CHECK_STR(vn_proxy_err_str(&e, msg), "HTTP proxy closed the connection mid-reply");
}

/* Limits a request cannot pass, a deadline already gone, and the target's
 * name resolved here (localhost) when the DNS is local. */
static void
test_limits(void)
{
	struct vn_proxy p = { VN_PROXY_SOCKS4, "proxy", 1080, NULL, NULL, 0 };
	struct vn_proxy_err e;
	struct vn_url u;
	const char *why = NULL;
	char req[512], rest[64], msg[VN_PROXY_ERRLEN], long_name[300];
	int sv[2];

	memset(long_name, 'a', 299);
	long_name[299] = '\0';
	p.user = long_name;
	CHECK(handshake(&p, "10.0.0.1", 80, "", 0, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EAUTHLEN);
	p.user = NULL;
	p.type = VN_PROXY_SOCKS4A;
	CHECK(handshake(&p, long_name, 80, "", 0, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_ENAMELEN);
	p.type = VN_PROXY_SOCKS5;
	p.user = long_name;
	CHECK(handshake(&p, "h", 80, "", 0, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EAUTHLEN);
	CHECK_STR(vn_proxy_err_str(&e, msg),
	          "SOCKS5 takes a user and a password of at most 255 bytes each");
	/* a login answer of another sub-negotiation version */
	p.user = "bob";
	p.pass = "pw";
	CHECK(handshake(&p, "h", 9, "\5\2" "\2\0", 4, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EGARBAGE);
	p.user = p.pass = NULL;

	/* local DNS: SOCKS4 and SOCKS5 send the address, not the name */
	p.type = VN_PROXY_SOCKS4;
	CHECK(handshake(&p, "localhost", 80, "\0\132\0\0\0\0\0\0", 8, req, sizeof req,
	                rest, &e) == 0);
	CHECK(!memcmp(req, "\4\1\0\120\177\0\0\1\0", 9));
	p.type = VN_PROXY_SOCKS5;
	p.dns = VN_PROXY_DNS_LOCAL;
	CHECK(handshake(&p, "localhost", 80, "\5\0" "\5\0\0\1" "\0\0\0\0" "\0\0", 12,
	                req, sizeof req, rest, &e) == 0);
	CHECK(!memcmp(req + 3, "\5\1\0", 3));
	CHECK(req[6] == 1 || req[6] == 4);   /* an IPv4 or IPv6 address */
	CHECK(handshake(&p, "a..b", 80, "\5\0", 2, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_ERESOLVE);
	p.dns = VN_PROXY_DNS_DEFAULT;

	/* the deadline passed before the proxy answered */
	if (CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0)) {
		CHECK(vn_proxy_handshake(sv[0], &p, "h", 9, 0, vn_now_ms() - 1, &e) < 0);
		CHECK(e.code == VN_PROXY_ETIMEDOUT);
		CHECK_STR(vn_proxy_err_str(&e, msg), "SOCKS5 proxy handshake timed out");
		CHECK(vn_proxy_handshake(sv[0], &p, "h", 9, 0, vn_now_ms() + 50, &e) < 0);
		CHECK(e.code == VN_PROXY_ETIMEDOUT);
		close(sv[0]);
		close(sv[1]);
	}

	/* a proxy URL whose port is out of range: the URL parser refuses it */
	CHECK(vn_proxy_from_url("socks5://127.0.0.1:70000", &p, &u, &why) == VN_PROXY_EURL);
	CHECK_STR(why, "invalid port");
}

/* What else a proxy's reply may hold: a bound IPv6 address, an address type
 * that does not exist, a method not offered, a reply of another version, an
 * HTTP head ended by bare newlines; a target resolved here for HTTP; a
 * proxy gone before the request; and the messages of the remaining codes. */
static void
test_replies(void)
{
	struct vn_proxy p = { VN_PROXY_SOCKS5, "proxy", 1080, NULL, NULL, 0 };
	struct vn_proxy_err e;
	char req[512], rest[64], msg[VN_PROXY_ERRLEN], reply[64];
	int sv[2];

	memcpy(reply, "\5\0" "\5\0\0\4", 6);
	memset(reply + 6, 0, 16 + 2);
	memcpy(reply + 6 + 18, "v6", 2);
	CHECK(handshake(&p, "h", 9, reply, 6 + 18 + 2, req, sizeof req, rest, &e) == 0);
	CHECK_STR(rest, "v6");
	CHECK(handshake(&p, "h", 9, "\5\0" "\5\0\0\7" "\0\0\0\0\0\0", 12, req, sizeof req,
	                rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EGARBAGE);
	CHECK(handshake(&p, "h", 9, "\5\0" "\4\0\0\1" "\0\0\0\0\0\0", 12, req, sizeof req,
	                rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EGARBAGE);
	/* user/password chosen, but none was offered */
	CHECK(handshake(&p, "h", 9, "\5\2", 2, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EGARBAGE);

	p.type = VN_PROXY_HTTP;
	CHECK(handshake(&p, "h", 1, "HTTP/1.0 200 OK\n\nDATA", 21, req, sizeof req, rest,
	                &e) == 0);
	CHECK_STR(rest, "DATA");
	p.dns = VN_PROXY_DNS_LOCAL;
	CHECK(handshake(&p, "localhost", 443, "HTTP/1.0 200 OK\r\n\r\n", 19, req,
	                sizeof req, rest, &e) == 0);
	CHECK(!strncmp(req, "CONNECT 127.0.0.1:443 HTTP/1.0\r\n", 32));
	p.dns = VN_PROXY_DNS_DEFAULT;
	/* an HTTP user name with a ':' cannot be told from its password */
	p.user = "a:b";
	CHECK(vn_proxy_check(&p) == VN_PROXY_EUSERNUL);
	CHECK(handshake(&p, "h", 1, "", 0, req, sizeof req, rest, &e) < 0);
	CHECK(e.code == VN_PROXY_EUSERNUL && !*req);
	CHECK_STR(vn_proxy_err_str(&e, msg), "the user name cannot contain ':' or a NUL byte");
	p.user = NULL;

	/* the proxy has gone: the request cannot be sent */
	if (CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0)) {
		close(sv[1]);
		CHECK(vn_proxy_handshake(sv[0], &p, "h", 1, 0, vn_now_ms() + 2000, &e) < 0);
		CHECK(e.code == VN_PROXY_ESYS && e.sys == EPIPE);
		CHECK_STR(vn_proxy_err_str(&e, msg), strerror(EPIPE));
		close(sv[0]);
	}

	memset(&e, 0, sizeof e);
	CHECK_STR(vn_proxy_err_str(&e, msg), "success");
	e.type = VN_PROXY_SOCKS4;
	e.code = VN_PROXY_ENOV4;
	CHECK_STR(vn_proxy_err_str(&e, msg), "SOCKS4 needs an IPv4 address for the target");
	e.code = VN_PROXY_EREFUSED;
	e.reply = 99;
	CHECK_STR(vn_proxy_err_str(&e, msg), "SOCKS4 proxy refused: unknown reply code (99)");
	e.code = (enum vn_proxy_code)1000;
	CHECK_STR(vn_proxy_err_str(&e, msg), "unknown error");
}

int
main(void)
{
	alarm(60);	/* a handshake that never ends fails the test */
	test_addr();
	test_url();
	test_handshakes();
	test_refusals();
	test_limits();
	test_replies();
	return UNIT_DONE("proxy_test");
}
