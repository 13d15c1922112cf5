/* core/tls.h: TLS sessions over descriptors we already hold, with libtls. */
#ifndef VN_TLS_H
#define VN_TLS_H

#include <stddef.h>
#include <sys/types.h>

/* What a TLS call failed at. */
enum vn_tls_code {
	VN_TLS_OK = 0,
	VN_TLS_NOMEM,      /* out of memory */
	VN_TLS_CERT,       /* the certificate file: missing, unreadable, not PEM */
	VN_TLS_KEY,        /* the key file, or a key that does not match the cert */
	VN_TLS_CA,         /* the CA file */
	VN_TLS_CONFIG,     /* libtls refused the rest of the configuration */
	VN_TLS_HANDSHAKE,  /* the handshake or the peer's verification failed */
	VN_TLS_TIMEOUT,    /* the handshake took longer than allowed */
	VN_TLS_INTR,       /* SIGINT/SIGTERM arrived during the handshake */
	VN_TLS_IO,         /* a read or write of the session failed */
	VN_TLS_ALPN        /* an ALPN list that is not one (vn_tls_alpn_check) */
};

#define VN_TLS_MSGLEN 256

/* A code and the text libtls (or the system) gave for it. */
struct vn_tls_err {
	enum vn_tls_code code;
	char msg[VN_TLS_MSGLEN];
};

/* What both ends configure; NULL / 0 where not given. */
struct vn_tls_opts {
	const char *ca_file;     /* trust these CAs instead of the system's */
	const char *servername;  /* client: the name to verify and send (SNI) */
	const char *cert_file;   /* our certificate (a server's, or a client's) */
	const char *key_file;    /* its private key */
	int insecure;            /* client: verify neither the chain nor the name */
	int verify_client;       /* server: require a client certificate */
	const char *alpn;        /* ALPN protocols, comma-separated, in order of
	                            preference (a server picks the first of its
	                            own that the client offers) */
};

/* Whether list is an ALPN list: one or more protocol names separated by
 * commas, each 1 to 255 bytes. Returns VN_TLS_OK, or VN_TLS_ALPN with *e
 * saying what is wrong ("empty protocol name", "protocol name longer than
 * 255 bytes"). */
enum vn_tls_code vn_tls_alpn_check(const char *list, struct vn_tls_err *e);

/* A configured client or server context, shared by its sessions. */
struct vn_tls_ctx;
/* One session over one descriptor. */
struct vn_tls;

/* A client context (server 0) or a server one (which needs cert and key).
 * Every file is read now, and a key that does not match its certificate is
 * refused now. Returns NULL with *e set. */
struct vn_tls_ctx *vn_tls_ctx_new(const struct vn_tls_opts *o, int server,
                                  struct vn_tls_err *e);
void vn_tls_ctx_free(struct vn_tls_ctx *c);

/* A session over fd (a connected stream socket, which stays the caller's: the
 * session never closes it). A client sends servername (from the options, or
 * host when they name none) and verifies it. The handshake is not done yet:
 * vn_tls_handshake, or the first read/write, does it. NULL with *e set. */
struct vn_tls *vn_tls_start(struct vn_tls_ctx *c, int fd, const char *host,
                            struct vn_tls_err *e);
/* Free the session (without a close_notify: see vn_tls_close_notify). */
void vn_tls_free(struct vn_tls *t);
/* The descriptor under the session. */
int vn_tls_fd(const struct vn_tls *t);

/* Do the handshake within timeout_ms (-1: no limit), whether fd is blocking
 * or not (it is left as it was). Returns 0, or -1 with *e set: VN_TLS_HANDSHAKE
 * with libtls's reason, VN_TLS_TIMEOUT, VN_TLS_INTR. */
int vn_tls_handshake(struct vn_tls *t, int timeout_ms, struct vn_tls_err *e);

/* One step of the handshake on a non-blocking fd, for a loop that serves
 * many sessions: 0 when it is done, -1 with errno EAGAIN when it must wait
 * (vn_tls_want says for which event), -1 with errno EIO and *e set when it
 * failed. */
int vn_tls_handshake_step(struct vn_tls *t, struct vn_tls_err *e);
/* One read or write of the session's plaintext, as read(2)/write(2) on fd
 * would behave: on a non-blocking fd, -1 with errno EAGAIN when the session
 * must wait (vn_tls_want says for which event). read returns 0 at the peer's
 * end (close_notify, or the connection's end). Other failures: -1 with errno
 * EIO (or EPIPE/ECONNRESET) and vn_tls_error saying why. A write that waited
 * must be retried with the same bytes (they may be encrypted already). */
ssize_t vn_tls_read(struct vn_tls *t, void *buf, size_t n);
ssize_t vn_tls_write(struct vn_tls *t, const void *buf, size_t n);
/* POLLIN or POLLOUT: what the last call that returned EAGAIN waits for. */
short vn_tls_want(const struct vn_tls *t);
/* Decrypted bytes held for the next read: poll(2) cannot see them. */
size_t vn_tls_pending(const struct vn_tls *t);
/* After poll(2) said POLLIN: 1 when the next read has data, the end or a
 * failure to give; 0 when what came was only records without data (a TLS
 * 1.3 session ticket, a key update), consumed now, and a read would wait.
 * Never waits, even on a blocking socket. */
int vn_tls_readable(struct vn_tls *t);
/* Whether a read met the peer's close_notify. */
int vn_tls_notified(const struct vn_tls *t);
/* Send close_notify (our end of the session; reading goes on). 0, or -1 with
 * errno (EAGAIN: call again when vn_tls_want's event comes). */
int vn_tls_close_notify(struct vn_tls *t);
/* End the session before its socket is closed: a close_notify if the socket
 * takes it now, then what the peer has sent already is read and dropped. A
 * socket closed with unread data resets the connection, and the reset can
 * destroy what the peer has not read yet (our last bytes): a peer that sent
 * its own close_notify early (at the end of its input) would lose them. */
void vn_tls_end(struct vn_tls *t);
/* libtls's message about the session's last failure. */
const char *vn_tls_error(const struct vn_tls *t);

/* What a session negotiated; NULL (and peer_cert 0) for what is not known
 * yet, before the handshake. The strings live as long as the session. */
struct vn_tls_info {
	const char *version;     /* "TLSv1.3" */
	const char *cipher;      /* "TLS_AES_256_GCM_SHA384" */
	const char *alpn;        /* the protocol ALPN chose, or NULL for none */
	const char *servername;  /* server: the name the client sent (SNI) */
	int peer_cert;           /* the peer presented a certificate: */
	const char *peer_subject, *peer_issuer;
	long long peer_expires;  /* its notAfter, seconds since the epoch */
};
void vn_tls_info(struct vn_tls *t, struct vn_tls_info *i);

/* "TLSv1.3, TLS_AES_256_GCM_SHA384, ALPN h2, peer SUBJECT issued by ISSUER,
 * expires YYYY-MM-DD HH:MM:SS UTC" (the ALPN part only when one was chosen;
 * "no peer certificate" where there is none), for -v. Returns buf. */
#define VN_TLS_DESCLEN 768
const char *vn_tls_describe(struct vn_tls *t, char buf[VN_TLS_DESCLEN]);

#endif
