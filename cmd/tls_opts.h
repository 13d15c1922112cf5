/* cmd/tls_opts.h: the --tls-* options of vlcnet-listen and vlcnet-connect. */
#ifndef VN_TLS_OPTS_H
#define VN_TLS_OPTS_H

#include "../core/conn.h"
#include "../core/tls.h"

/* Keys of the long options, clear of the tools' own (256 up), acl's (320 up)
 * and the exec options' (0x300 up). */
enum {
	OPT_TLS = 0x400, OPT_TLS_CA, OPT_TLS_SERVERNAME, OPT_TLS_INSECURE,
	OPT_TLS_CERT, OPT_TLS_KEY, OPT_TLS_VERIFY_CLIENT, OPT_TLS_ALPN
};

/* How long a client may take over its handshake when no -w says. */
#define VN_TLS_HANDSHAKE_MS 10000

/* The rows of each tool's option table. */
#define VN_TLS_CONNECT_OPTIONS \
	{ "tls", OPT_TLS, NULL, "speak TLS; verify the server's certificate and name" }, \
	{ "tls-ca", OPT_TLS_CA, "FILE", "with --tls, trust the CAs in FILE instead of the system's" }, \
	{ "tls-servername", OPT_TLS_SERVERNAME, "NAME", "with --tls, verify and send NAME instead of HOST" }, \
	{ "tls-insecure", OPT_TLS_INSECURE, NULL, "with --tls, do not verify the server (said under -v)" }, \
	{ "tls-cert", OPT_TLS_CERT, "FILE", "with --tls, present the client certificate in FILE" }, \
	{ "tls-key", OPT_TLS_KEY, "FILE", "with --tls, the private key of --tls-cert" }, \
	{ "tls-alpn", OPT_TLS_ALPN, "LIST", "with --tls, offer the ALPN protocols of LIST (comma-separated)" }
#define VN_TLS_LISTEN_OPTIONS \
	{ "tls", OPT_TLS, NULL, "serve TLS (needs --tls-cert and --tls-key)" }, \
	{ "tls-cert", OPT_TLS_CERT, "FILE", "with --tls, the server certificate (PEM, chain after it)" }, \
	{ "tls-key", OPT_TLS_KEY, "FILE", "with --tls, the private key of --tls-cert" }, \
	{ "tls-verify-client", OPT_TLS_VERIFY_CLIENT, NULL, "with --tls, require a client certificate" }, \
	{ "tls-ca", OPT_TLS_CA, "FILE", "with --tls, trust the CAs in FILE for client certificates" }, \
	{ "tls-alpn", OPT_TLS_ALPN, "LIST", "with --tls, choose the first ALPN protocol of LIST (comma-separated) the client offers" }

struct vn_tls_cli {
	int on;                  /* --tls */
	int any;                 /* some --tls-* option was given */
	struct vn_tls_opts o;
};

/* Take key/arg if it is one of the options above: 1, else 0. */
int vn_tls_cli_option(struct vn_tls_cli *t, int key, const char *arg);
/* Check the options against each other and the mode (exit 2 on a mismatch)
 * and, with --tls, make the context: every file is read now, and a file that
 * cannot be used is a usage error (one line, exit 2). NULL without --tls. */
struct vn_tls_ctx *vn_tls_cli_ctx(const struct vn_tls_cli *t, int server, int udp,
                                  int scan);
/* Make conn a TLS connection of c and do the handshake within timeout_ms; -v
 * says what was negotiated. Returns 0, or -1 after "TLS handshake with PEER:
 * REASON" (conn then refuses data). */
int vn_tls_cli_handshake(struct vn_tls_ctx *c, struct vn_conn *conn, const char *host,
                         const char *peer, int timeout_ms, int verbose);

#endif
