/* core/proxy.c: the client's side of SOCKS4 (and 4a), SOCKS5 (RFC 1928, with
 * RFC 1929 username/password) and HTTP CONNECT (with Basic authentication).
 * Every read and write is bounded by one deadline and never reads past the
 * proxy's reply: what follows it is the tunnel's. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"
#include "sig.h"
#include "url.h"

static const char *const type_names[] = {
	[VN_PROXY_HTTP] = "http", [VN_PROXY_SOCKS4] = "socks4",
	[VN_PROXY_SOCKS4A] = "socks4a", [VN_PROXY_SOCKS5] = "socks5",
};

int
vn_proxy_type_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof type_names / sizeof *type_names; i++)
		if (!strcmp(s, type_names[i]))
			return (int)i;
	return -1;
}

int
vn_proxy_default_port(enum vn_proxy_type t)
{
	return t == VN_PROXY_HTTP ? 3128 : 1080;
}

static const char *
socks4_reply(int code)
{
	switch (code) {
	case 91: return "request rejected or failed";
	case 92: return "request rejected: the proxy cannot reach the client's identd";
	case 93: return "request rejected: identd reports a different user ID";
	}
	return "unknown reply code";
}

static const char *
socks5_reply(int code)
{
	switch (code) {
	case 1: return "general SOCKS server failure";
	case 2: return "connection not allowed by ruleset";
	case 3: return "network unreachable";
	case 4: return "host unreachable";
	case 5: return "connection refused";
	case 6: return "TTL expired";
	case 7: return "command not supported";
	case 8: return "address type not supported";
	}
	return "unknown reply code";
}

const char *
vn_proxy_err_str(const struct vn_proxy_err *e, char buf[VN_PROXY_ERRLEN])
{
	const char *t = e->type == VN_PROXY_HTTP ? "HTTP" :
	                e->type == VN_PROXY_SOCKS5 ? "SOCKS5" :
	                e->type == VN_PROXY_SOCKS4A ? "SOCKS4a" : "SOCKS4";

	switch (e->code) {
	case VN_PROXY_OK:
		return "success";
	case VN_PROXY_EREACH:
	case VN_PROXY_ERESOLVE:
		return vn_err_str(&e->net);
	case VN_PROXY_ESYS:
		return strerror(e->sys);
	case VN_PROXY_ETIMEDOUT:
		snprintf(buf, VN_PROXY_ERRLEN, "%s proxy handshake timed out", t);
		return buf;
	case VN_PROXY_ECLOSED:
		snprintf(buf, VN_PROXY_ERRLEN, "%s proxy closed the connection mid-reply", t);
		return buf;
	case VN_PROXY_EGARBAGE:
		snprintf(buf, VN_PROXY_ERRLEN, "%s proxy sent an invalid reply", t);
		return buf;
	case VN_PROXY_ETOOLONG:
		snprintf(buf, VN_PROXY_ERRLEN, "HTTP proxy reply head longer than %d bytes",
		         VN_PROXY_HEADMAX);
		return buf;
	case VN_PROXY_EREFUSED:
		snprintf(buf, VN_PROXY_ERRLEN, "%s proxy refused: %s (%d)", t,
		         e->type == VN_PROXY_SOCKS5 ? socks5_reply(e->reply) :
		         socks4_reply(e->reply), e->reply);
		return buf;
	case VN_PROXY_EHTTP:
		snprintf(buf, VN_PROXY_ERRLEN, "HTTP proxy refused: %s", e->status);
		return buf;
	case VN_PROXY_ENOMETHOD:
		return "SOCKS5 proxy accepts none of the offered authentication methods";
	case VN_PROXY_EAUTH:
		return "SOCKS5 proxy rejected the username or password";
	case VN_PROXY_ENOV4:
		return "SOCKS4 needs an IPv4 address for the target";
	case VN_PROXY_ENAMELEN:
		return "SOCKS5 takes host names of at most 255 bytes";
	case VN_PROXY_EAUTHLEN:
		return "SOCKS5 takes a user and a password of at most 255 bytes each";
	case VN_PROXY_EPASS:
		return "SOCKS4 takes a user ID but no password";
	case VN_PROXY_EUSERNUL:
		return "the user name cannot contain ':' or a NUL byte";
	case VN_PROXY_EURL:
		return e->why;
	case VN_PROXY_ESCHEME:
		return "the proxy URL's scheme is not socks4, socks4a, socks5 or http";
	}
	return "unknown error";
}

enum vn_proxy_code
vn_proxy_check(const struct vn_proxy *p)
{
	if (p->user && strchr(p->user, ':') && p->type == VN_PROXY_HTTP)
		return VN_PROXY_EUSERNUL;
	if (p->type == VN_PROXY_SOCKS4 || p->type == VN_PROXY_SOCKS4A)
		return p->pass ? VN_PROXY_EPASS : VN_PROXY_OK;
	if (p->type == VN_PROXY_SOCKS5 && p->user &&
	    (strlen(p->user) > 255 || (p->pass && strlen(p->pass) > 255)))
		return VN_PROXY_EAUTHLEN;
	return VN_PROXY_OK;
}

int
vn_proxy_parse_addr(const char *s, char *buf, size_t size, const char **host,
                    int *port, enum vn_proxy_type t)
{
	const char *colon, *h = s;
	size_t n;

	*port = vn_proxy_default_port(t);
	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -1;
		h = s + 1;
		n = (size_t)(end - h);
		colon = end[1] ? end + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			return -1;   /* an IPv6 address needs its brackets */
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (n == 0 || n >= size)
		return -1;
	if (colon && (*port = vn_port_parse(colon + 1)) <= 0)
		return -1;
	memcpy(buf, h, n);
	buf[n] = '\0';
	*host = buf;
	return 0;
}

enum vn_proxy_code
vn_proxy_from_url(const char *url, struct vn_proxy *p, struct vn_url *u,
                  const char **why)
{
	int t;

	if (vn_url_parse(url, u, why) < 0)
		return VN_PROXY_EURL;
	if (!u->protocol || (t = vn_proxy_type_parse(u->protocol)) < 0 || !u->host ||
	    !*u->host) {
		*why = u->protocol && vn_proxy_type_parse(u->protocol) >= 0 ?
		       "the proxy URL has no host" : NULL;
		vn_url_free(u);
		return *why ? VN_PROXY_EURL : VN_PROXY_ESCHEME;
	}
	memset(p, 0, sizeof *p);
	p->type = (enum vn_proxy_type)t;
	p->host = u->host;
	p->port = u->port ? (int)u->port : vn_proxy_default_port(p->type);
	p->user = u->username;
	p->pass = u->password;
	if (p->port > 65535) {
		*why = "the proxy URL's port is not 1-65535";
		vn_url_free(u);
		return VN_PROXY_EURL;
	}
	return VN_PROXY_OK;
}

static int
fail(struct vn_proxy_err *e, enum vn_proxy_code code)
{
	e->code = code;
	return -1;
}

/* Wait for events on fd until deadline: 0, or -1 with *e set. */
static int
wait_fd(int fd, short events, long deadline, struct vn_proxy_err *e)
{
	struct pollfd p = { .fd = fd, .events = events };
	long left = deadline - vn_now_ms();
	int r;

	if (left <= 0)
		return fail(e, VN_PROXY_ETIMEDOUT);
	r = vn_poll(&p, 1, (int)left);
	if (r < 0) {
		e->sys = errno;
		return fail(e, VN_PROXY_ESYS);
	}
	return r == 0 ? fail(e, VN_PROXY_ETIMEDOUT) : 0;
}

/* The target's address when this side resolves it: the first of family (for
 * SOCKS4: the first IPv4 one) into *ss. */
static int
resolve_target(const char *host, int family, int v4only, struct sockaddr_storage *ss,
               struct vn_proxy_err *e)
{
	struct addrinfo *res, *ai;

	if (vn_resolve(host, 0, v4only ? AF_INET | (family & VN_AF_NUMERIC) : family,
	               SOCK_STREAM, 0, &res, &e->net) < 0) {
		if (v4only && (e->net.code == VN_EFAMILY || e->net.code == VN_ENOHOST)) {
			struct addrinfo *any;

			if (vn_resolve(host, 0, family, SOCK_STREAM, 0, &any, NULL) == 0) {
				freeaddrinfo(any);
				return fail(e, VN_PROXY_ENOV4);
			}
		}
		return fail(e, VN_PROXY_ERESOLVE);
	}
	for (ai = res; ai && v4only && ai->ai_family != AF_INET; ai = ai->ai_next)
		;
	if (!ai) {
		freeaddrinfo(res);
		return fail(e, VN_PROXY_ENOV4);
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* Whether host is an IPv4 or IPv6 literal: its family and bytes in addr. */
static int
literal(const char *host, unsigned char addr[16])
{
	if (inet_pton(AF_INET, host, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, host, addr) == 1)
		return AF_INET6;
	return 0;
}

static int
remote_dns(const struct vn_proxy *p)
{
	if (p->dns == VN_PROXY_DNS_DEFAULT)
		return p->type != VN_PROXY_SOCKS4;
	return p->dns == VN_PROXY_DNS_REMOTE;
}

static size_t
base64(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		out[o++] = digits[v >> 18];
		out[o++] = digits[(v >> 12) & 63];
		out[o++] = digits[(v >> 6) & 63];
		out[o++] = digits[v & 63];
	}
	if (i < n) {
		unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);

		out[o++] = digits[v >> 18];
		out[o++] = digits[(v >> 12) & 63];
		out[o++] = i + 1 < n ? digits[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* --- the handshake, one step at a time ------------------------------------ */

enum { HS_SOCKS4, HS_SOCKS5_METHOD, HS_SOCKS5_LOGIN, HS_SOCKS5_REPLY,
       HS_SOCKS5_BOUND, HS_HTTP };

/* Next, send out[0..n) and then receive want bytes into h->buf. */
static void
exchange(struct vn_proxy_hs *h, const void *out, size_t n, size_t want)
{
	h->out = out;
	h->outlen = n;
	h->sent = 0;
	h->want = want;
	h->got = 0;
}

static int
socks4_start(struct vn_proxy_hs *h, const char *host, int port, int family,
             struct vn_proxy_err *e)
{
	const struct vn_proxy *p = h->p;
	unsigned char *req = h->buf, addr[16];
	const char *user = p->user ? p->user : "";
	size_t n = 8, ulen = strlen(user), hlen = strlen(host);
	int a = literal(host, addr), by_name = 0;

	if (ulen > 255)
		return fail(e, VN_PROXY_EAUTHLEN);
	req[0] = 4;
	req[1] = 1;   /* CONNECT */
	req[2] = (unsigned char)(port >> 8);
	req[3] = (unsigned char)port;
	if (a == AF_INET) {
		memcpy(req + 4, addr, 4);
	} else if (p->type == VN_PROXY_SOCKS4A && remote_dns(p) && a == 0) {
		if (hlen > 255)
			return fail(e, VN_PROXY_ENAMELEN);
		memcpy(req + 4, "\0\0\0\1", 4);   /* 0.0.0.x: the name follows */
		by_name = 1;
	} else if (a == AF_INET6) {
		return fail(e, VN_PROXY_ENOV4);
	} else {
		struct sockaddr_storage ss;

		if (resolve_target(host, family, 1, &ss, e) < 0)
			return -1;
		memcpy(req + 4, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	}
	memcpy(req + n, user, ulen + 1);
	n += ulen + 1;
	if (by_name) {
		memcpy(req + n, host, hlen + 1);
		n += hlen + 1;
	}
	h->phase = HS_SOCKS4;
	exchange(h, req, n, 8);
	return 0;
}

/* SOCKS5: the methods offered now; the CONNECT request, made now too, goes
 * out once a method is agreed (and, for RFC 1929, the login accepted). */
static int
socks5_start(struct vn_proxy_hs *h, const char *host, int port, int family,
             struct vn_proxy_err *e)
{
	const struct vn_proxy *p = h->p;
	unsigned char *req = h->req, addr[16];
	size_t n;
	int a = literal(host, addr);

	if (p->user && (strlen(p->user) > 255 || (p->pass && strlen(p->pass) > 255)))
		return fail(e, VN_PROXY_EAUTHLEN);
	req[0] = 5;
	req[1] = 1;   /* CONNECT */
	req[2] = 0;
	if (a == 0 && remote_dns(p)) {
		size_t hlen = strlen(host);

		if (hlen > 255)
			return fail(e, VN_PROXY_ENAMELEN);
		req[3] = 3;
		req[4] = (unsigned char)hlen;
		memcpy(req + 5, host, hlen);
		n = 5 + hlen;
	} else {
		struct sockaddr_storage ss;

		if (a == 0) {
			if (resolve_target(host, family, 0, &ss, e) < 0)
				return -1;
			a = ss.ss_family;
			if (a == AF_INET)
				memcpy(addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
			else
				memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		}
		req[3] = a == AF_INET ? 1 : 4;
		memcpy(req + 4, addr, a == AF_INET ? 4 : 16);
		n = 4 + (a == AF_INET ? 4 : 16);
	}
	req[n++] = (unsigned char)(port >> 8);
	req[n++] = (unsigned char)port;
	h->reqlen = n;

	h->buf[0] = 5;
	h->buf[1] = p->user ? 2 : 1;
	h->buf[2] = 0;   /* no authentication */
	h->buf[3] = 2;   /* username/password */
	h->phase = HS_SOCKS5_METHOD;
	exchange(h, h->buf, 3 + (p->user != NULL), 2);
	return 0;
}

static int
http_start(struct vn_proxy_hs *h, const char *host, int port, int family,
           struct vn_proxy_err *e)
{
	const struct vn_proxy *p = h->p;
	char target[VN_HOSTPORTLEN], *auth = NULL;
	unsigned char addr[16];
	size_t n, ulen = 0, plen = 0;

	if (!remote_dns(p) && !literal(host, addr)) {
		struct sockaddr_storage ss;

		if (resolve_target(host, family, 0, &ss, e) < 0)
			return -1;
		vn_addr_format((struct sockaddr *)&ss, target);
		/* vn_addr_format gives the port 0; put ours in its place */
		*strrchr(target, ':') = '\0';
		snprintf(target + strlen(target), sizeof target - strlen(target), ":%d", port);
	} else {
		vn_hostport(target, host, port);
	}
	if (p->user) {
		unsigned char *cred;

		ulen = strlen(p->user);
		plen = p->pass ? strlen(p->pass) : 0;
		cred = malloc(ulen + 1 + plen);
		auth = malloc((ulen + 1 + plen + 2) / 3 * 4 + 1);
		if (!cred || !auth) {
			free(cred);
			free(auth);
			e->sys = ENOMEM;
			return fail(e, VN_PROXY_ESYS);
		}
		memcpy(cred, p->user, ulen);
		cred[ulen] = ':';
		if (plen)
			memcpy(cred + ulen + 1, p->pass, plen);
		base64(auth, cred, ulen + 1 + plen);
		free(cred);
	}
	n = 2 * strlen(target) + (auth ? strlen(auth) : 0) + 80;
	if (!(h->http = malloc(n))) {
		free(auth);
		e->sys = ENOMEM;
		return fail(e, VN_PROXY_ESYS);
	}
	n = (size_t)snprintf(h->http, n, "CONNECT %s HTTP/1.0\r\nHost: %s\r\n%s%s%s\r\n",
	                     target, target, auth ? "Proxy-Authorization: Basic " : "",
	                     auth ? auth : "", auth ? "\r\n" : "");
	free(auth);
	h->phase = HS_HTTP;
	exchange(h, h->http, n, 0);
	return 0;
}

int
vn_proxy_hs_start(struct vn_proxy_hs *h, const struct vn_proxy *p, const char *host,
                  int port, int family, struct vn_proxy_err *e)
{
	memset(e, 0, sizeof *e);
	e->type = p->type;
	h->p = p;
	h->http = NULL;
	if ((e->code = vn_proxy_check(p)) != VN_PROXY_OK)
		return -1;
	switch (p->type) {
	case VN_PROXY_SOCKS4:
	case VN_PROXY_SOCKS4A:
		return socks4_start(h, host, port, family, e);
	case VN_PROXY_SOCKS5:
		return socks5_start(h, host, port, family, e);
	case VN_PROXY_HTTP:
		break;
	}
	return http_start(h, host, port, family, e);
}

void
vn_proxy_hs_end(struct vn_proxy_hs *h)
{
	free(h->http);
	h->http = NULL;
}

/* A send or recv that moved nothing (r <= 0): the proxy closed (0), the
 * call would block (wait for ev), or the failure. */
static int
stalled(ssize_t r, short ev, struct vn_proxy_err *e)
{
	if (r == 0)
		return fail(e, VN_PROXY_ECLOSED);
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return ev;
	e->sys = errno;
	return fail(e, VN_PROXY_ESYS);
}

/* An HTTP reply's head, up to and with the blank line, and nothing after:
 * each round peeks at what arrived and takes it, up to the end of the head
 * when it is there. 0 once it is all in h->buf[0..h->got), POLLIN, or -1. */
static int
http_head(struct vn_proxy_hs *h, int fd, struct vn_proxy_err *e)
{
	unsigned char *buf = h->buf;

	for (;;) {
		size_t i = h->got > 3 ? h->got - 3 : 0, end = 0, total;
		ssize_t r = recv(fd, buf + h->got, VN_PROXY_HEADMAX - h->got,
		                 MSG_PEEK | MSG_DONTWAIT);

		if (r <= 0)
			return stalled(r, POLLIN, e);
		total = h->got + (size_t)r;
		for (; i < total && !end; i++) {
			if (total - i >= 4 && !memcmp(buf + i, "\r\n\r\n", 4))
				end = i + 4;
			else if (total - i >= 2 && !memcmp(buf + i, "\n\n", 2))
				end = i + 2;
		}
		/* take what was peeked, up to the head's end */
		r = recv(fd, buf + h->got, (end ? end : total) - h->got, MSG_DONTWAIT);
		if (r <= 0)
			return stalled(r, POLLIN, e);
		h->got += (size_t)r;
		if (end && h->got == end)
			return 0;
		if (h->got == VN_PROXY_HEADMAX)
			return fail(e, VN_PROXY_ETOOLONG);
	}
}

static int
http_done(struct vn_proxy_hs *h, struct vn_proxy_err *e)
{
	char *head = (char *)h->buf, *eol;
	int major, minor, status;
	size_t i, n;

	head[h->got] = '\0';
	if (sscanf(head, "HTTP/%d.%d %3d", &major, &minor, &status) != 3 ||
	    head[5] < '0' || head[5] > '9')
		return fail(e, VN_PROXY_EGARBAGE);
	if (status >= 200 && status < 300)
		return 0;
	eol = head + strcspn(head, "\r\n");
	n = (size_t)(eol - head) < sizeof e->status - 1 ? (size_t)(eol - head) :
	    sizeof e->status - 1;
	for (i = 0; i < n; i++)
		e->status[i] = head[i] >= 0x20 && head[i] < 0x7f ? head[i] : '?';
	e->status[n] = '\0';
	return fail(e, VN_PROXY_EHTTP);
}

/* The reply of the phase is in h->buf: 0 when the handshake is done, 1 when
 * the next exchange is set, or -1. */
static int
advance(struct vn_proxy_hs *h, struct vn_proxy_err *e)
{
	const struct vn_proxy *p = h->p;
	unsigned char *rep = h->buf;

	switch (h->phase) {
	case HS_SOCKS4:
		if ((rep[0] != 0 && rep[0] != 4) || rep[1] < 90 || rep[1] > 93)
			return fail(e, VN_PROXY_EGARBAGE);
		if (rep[1] != 90) {
			e->reply = rep[1];
			return fail(e, VN_PROXY_EREFUSED);
		}
		return 0;
	case HS_SOCKS5_METHOD:
		if (rep[0] != 5)
			return fail(e, VN_PROXY_EGARBAGE);
		if (rep[1] == 0xff)
			return fail(e, VN_PROXY_ENOMETHOD);
		if (rep[1] != 0 && !(rep[1] == 2 && p->user))
			return fail(e, VN_PROXY_EGARBAGE);   /* a method not offered */
		if (rep[1] == 2) {
			/* RFC 1929: one sub-negotiation, status 0 is success */
			const char *pass = p->pass ? p->pass : "";
			size_t ulen = strlen(p->user), plen = strlen(pass);

			rep[0] = 1;
			rep[1] = (unsigned char)ulen;
			memcpy(rep + 2, p->user, ulen);
			rep[2 + ulen] = (unsigned char)plen;
			memcpy(rep + 3 + ulen, pass, plen);
			h->phase = HS_SOCKS5_LOGIN;
			exchange(h, rep, 3 + ulen + plen, 2);
			return 1;
		}
		h->phase = HS_SOCKS5_REPLY;
		exchange(h, h->req, h->reqlen, 5);
		return 1;
	case HS_SOCKS5_LOGIN:
		if (rep[0] != 1)
			return fail(e, VN_PROXY_EGARBAGE);
		if (rep[1] != 0)
			return fail(e, VN_PROXY_EAUTH);
		h->phase = HS_SOCKS5_REPLY;
		exchange(h, h->req, h->reqlen, 5);
		return 1;
	case HS_SOCKS5_REPLY:
		if (rep[0] != 5 || rep[2] != 0)
			return fail(e, VN_PROXY_EGARBAGE);
		if (rep[1] != 0) {
			e->reply = rep[1];
			return fail(e, VN_PROXY_EREFUSED);
		}
		/* The bound address: 5 bytes are in, the rest is its length and a port. */
		switch (rep[3]) {
		case 1: h->want = 5 + 4 - 1 + 2; break;
		case 3: h->want = 5 + rep[4] + 2; break;
		case 4: h->want = 5 + 16 - 1 + 2; break;
		default: return fail(e, VN_PROXY_EGARBAGE);
		}
		h->phase = HS_SOCKS5_BOUND;
		return 1;
	case HS_SOCKS5_BOUND:
		return 0;
	}
	return http_done(h, e);
}

int
vn_proxy_hs_step(struct vn_proxy_hs *h, int fd, struct vn_proxy_err *e)
{
	for (;;) {
		ssize_t r;

		if (h->sent < h->outlen) {
			r = send(fd, h->out + h->sent, h->outlen - h->sent,
			         MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r <= 0)
				return stalled(r, POLLOUT, e);
			h->sent += (size_t)r;
			continue;
		}
		if (h->phase == HS_HTTP) {
			if ((r = http_head(h, fd, e)) != 0)
				return (int)r;
		} else if (h->got < h->want) {
			r = recv(fd, h->buf + h->got, h->want - h->got, MSG_DONTWAIT);
			if (r <= 0)
				return stalled(r, POLLIN, e);
			h->got += (size_t)r;
			continue;
		}
		if ((r = advance(h, e)) <= 0)
			return (int)r;
	}
}

int
vn_proxy_handshake(int fd, const struct vn_proxy *p, const char *host, int port,
                   int family, long deadline, struct vn_proxy_err *e)
{
	struct vn_proxy_hs h;
	int r = vn_proxy_hs_start(&h, p, host, port, family, e);

	while (r == 0 && (r = vn_proxy_hs_step(&h, fd, e)) > 0)
		if (wait_fd(fd, (short)r, deadline, e) == 0)
			r = 0;
	vn_proxy_hs_end(&h);
	return r == 0 ? 0 : -1;   /* r > 0: the wait failed, *e says why */
}

int
vn_proxy_connect(const struct vn_proxy *p, const char *host, int port, int family,
                 const struct vn_source *src, int timeout_ms, struct vn_proxy_err *e)
{
	long start = vn_now_ms(), deadline;
	int fd, err;

	memset(e, 0, sizeof *e);
	e->type = p->type;
	if ((e->code = vn_proxy_check(p)) != VN_PROXY_OK)
		return -1;
	fd = vn_connect_tcp_from(p->host, p->port, family, src, timeout_ms, &e->net);
	if (fd < 0)
		return fail(e, VN_PROXY_EREACH);
	deadline = timeout_ms >= 0 ? start + timeout_ms : vn_now_ms() + VN_PROXY_HANDSHAKE_MS;
	if (vn_proxy_handshake(fd, p, host, port, family, deadline, e) == 0)
		return fd;
	err = e->code == VN_PROXY_ESYS ? e->sys : e->code == VN_PROXY_ETIMEDOUT ?
	      ETIMEDOUT : EPROTO;
	close(fd);
	errno = err;
	return -1;
}
