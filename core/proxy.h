/* core/proxy.h: connecting through a SOCKS4, SOCKS4a, SOCKS5 or HTTP CONNECT
 * proxy (the client's side of the handshake). No Lua here. */
#ifndef VN_PROXY_H
#define VN_PROXY_H

#include "net.h"

enum vn_proxy_type { VN_PROXY_HTTP, VN_PROXY_SOCKS4, VN_PROXY_SOCKS4A, VN_PROXY_SOCKS5 };

/* Who resolves the target's name: the default of the type (local for socks4,
 * remote for the others), this process, or the proxy. */
enum vn_proxy_dns { VN_PROXY_DNS_DEFAULT, VN_PROXY_DNS_LOCAL, VN_PROXY_DNS_REMOTE };

/* How long a handshake may take when the caller gives no timeout. */
#define VN_PROXY_HANDSHAKE_MS 10000

/* A proxy. The strings belong to the caller. user/pass NULL: no
 * authentication (SOCKS4 and 4a send user as the user ID and take no pass). */
struct vn_proxy {
	enum vn_proxy_type type;
	const char *host;
	int port;
	const char *user, *pass;
	enum vn_proxy_dns dns;
};

/* Why a proxied connection failed. */
enum vn_proxy_code {
	VN_PROXY_OK = 0,
	VN_PROXY_EREACH,      /* the proxy itself could not be reached: see net */
	VN_PROXY_ERESOLVE,    /* the target's name failed locally: see net */
	VN_PROXY_ESYS,        /* a system call failed during the handshake: sys */
	VN_PROXY_ETIMEDOUT,   /* the handshake took longer than allowed */
	VN_PROXY_ECLOSED,     /* the proxy closed the connection mid-handshake */
	VN_PROXY_EGARBAGE,    /* the reply is not the protocol's */
	VN_PROXY_ETOOLONG,    /* the HTTP reply's head exceeds VN_PROXY_HEADMAX */
	VN_PROXY_EREFUSED,    /* a SOCKS refusal: reply holds its code */
	VN_PROXY_EHTTP,       /* a status other than 2xx: status holds its line */
	VN_PROXY_ENOMETHOD,   /* SOCKS5: none of the offered methods accepted */
	VN_PROXY_EAUTH,       /* SOCKS5: the username/password was rejected */
	VN_PROXY_ENOV4,       /* SOCKS4: the target has no IPv4 address */
	VN_PROXY_ENAMELEN,    /* SOCKS5: a host name longer than 255 bytes */
	VN_PROXY_EAUTHLEN,    /* SOCKS5: a user or password longer than 255 bytes */
	VN_PROXY_EPASS,       /* SOCKS4/4a: a password, which they cannot send */
	VN_PROXY_EUSERNUL,    /* a user name a proxy cannot take (a NUL, a ':' for HTTP) */
	VN_PROXY_EURL,        /* a proxy URL that is not one: why holds the reason */
	VN_PROXY_ESCHEME,     /* a proxy URL with another scheme than the four */
};

#define VN_PROXY_HEADMAX 8192   /* bytes of an HTTP reply's status and headers */
#define VN_PROXY_STATUSLEN 128  /* bytes of a status line kept for the message */

struct vn_proxy_err {
	enum vn_proxy_code code;
	enum vn_proxy_type type;
	int sys;                   /* ESYS: the errno */
	int reply;                 /* EREFUSED: the SOCKS reply code */
	struct vn_err net;         /* EREACH, ERESOLVE */
	const char *why;           /* EURL: a static message */
	char status[VN_PROXY_STATUSLEN];  /* EHTTP: the status line, printable */
};

/* The message for e, ready to follow "…: " (buf holds it when needed). */
#define VN_PROXY_ERRLEN 256
const char *vn_proxy_err_str(const struct vn_proxy_err *e, char buf[VN_PROXY_ERRLEN]);

/* "socks4", "socks4a", "socks5", "http": the type, or -1. */
int vn_proxy_type_parse(const char *s);
/* The port a proxy of type t listens on by convention (1080, 3128). */
int vn_proxy_default_port(enum vn_proxy_type t);
/* Whether the credentials suit the type: VN_PROXY_OK or the code. */
enum vn_proxy_code vn_proxy_check(const struct vn_proxy *p);

/* Split "HOST:PORT", "[V6]:PORT" or "HOST" (the type's default port) into
 * host (a copy in buf) and port. Returns 0, or -1 when it is not one. */
int vn_proxy_parse_addr(const char *s, char *buf, size_t size, const char **host,
                        int *port, enum vn_proxy_type t);

/* Fill *p from a URL "socks5://user:pass@host:port" (socks4, socks4a,
 * socks5, http), parsed into *u, which owns the strings: release it with
 * vn_url_free after use (on failure there is nothing to free). */
struct vn_url;
enum vn_proxy_code vn_proxy_from_url(const char *url, struct vn_proxy *p,
                                     struct vn_url *u, const char **why);

/* Connect to HOST:PORT through p: connect to the proxy (from src when not
 * NULL; family, with VN_AF_NUMERIC, applies to every name resolved here) and
 * do the handshake, all within timeout_ms (-1: the kernel's connect timeout,
 * then VN_PROXY_HANDSHAKE_MS). Returns a blocking descriptor that carries the
 * tunnel, or -1 with *e set (errno EINTR when SIGINT/SIGTERM arrived). */
int vn_proxy_connect(const struct vn_proxy *p, const char *host, int port, int family,
                     const struct vn_source *src, int timeout_ms,
                     struct vn_proxy_err *e);

/* The handshake over a connected socket one step at a time, for a caller
 * that waits on its own event loop. vn_proxy_hs_start makes the first
 * request (resolving the target here when the proxy does not); then each
 * vn_proxy_hs_step sends and receives what it can without blocking and
 * returns 0 when the tunnel is up, POLLIN or POLLOUT to be called again when
 * fd has that event, or -1 with *e set. Both return -1 on failure; call
 * vn_proxy_hs_end after a vn_proxy_hs_start, whatever happened. p (and its
 * strings) must last until then; host is needed only by vn_proxy_hs_start. */
struct vn_proxy_hs {
	const struct vn_proxy *p;
	int phase;
	char *http;                       /* HTTP: the request (malloc) */
	const unsigned char *out;         /* what goes out next: out[0..outlen) */
	size_t outlen, sent;
	size_t want, got;                 /* then the reply: buf[0..want) */
	unsigned char req[4 + 1 + 255 + 2];   /* SOCKS5: the CONNECT request */
	size_t reqlen;
	unsigned char buf[VN_PROXY_HEADMAX + 1];
};
int vn_proxy_hs_start(struct vn_proxy_hs *h, const struct vn_proxy *p, const char *host,
                      int port, int family, struct vn_proxy_err *e);
int vn_proxy_hs_step(struct vn_proxy_hs *h, int fd, struct vn_proxy_err *e);
void vn_proxy_hs_end(struct vn_proxy_hs *h);

/* The handshake alone over fd, a connected stream socket, by deadline (a
 * vn_now_ms time). Reads nothing past the proxy's reply. Returns 0, or -1
 * with *e set. */
int vn_proxy_handshake(int fd, const struct vn_proxy *p, const char *host, int port,
                       int family, long deadline, struct vn_proxy_err *e);

#endif
