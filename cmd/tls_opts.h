/* cmd/tls_opts.h: the --tls-* options of vlcnet-listen and vlcnet-connect. */
#ifndef VN_TLS_OPTS_H
#define VN_TLS_OPTS_H

#include "../core/conn.h"
#include "../core/tls.h"
#include "cli.h"

/* How long a client may take over its handshake when no -w says. */
#define VN_TLS_HANDSHAKE_MS 10000

/* The rows of each tool's option table. */
#define VN_TLS_CONNECT_OPTIONS \
	{ .name = "tls", .key = VN_OPT_TLS, \
	  .help = "speak TLS; verify the server's certificate and name" }, \
	{ .name = "tls-ca", .key = VN_OPT_TLS_CA, .arg = "FILE", \
	  .help = "with --tls, trust the CAs in FILE instead of the system's" }, \
	{ .name = "tls-servername", .key = VN_OPT_TLS_SERVERNAME, .arg = "NAME", \
	  .help = "with --tls, verify and send NAME instead of HOST" }, \
	{ .name = "tls-insecure", .key = VN_OPT_TLS_INSECURE, \
	  .help = "with --tls, do not verify the server (said under -v)" }, \
	{ .name = "tls-cert", .key = VN_OPT_TLS_CERT, .arg = "FILE", \
	  .help = "with --tls, present the client certificate in FILE" }, \
	{ .name = "tls-key", .key = VN_OPT_TLS_KEY, .arg = "FILE", \
	  .help = "with --tls, the private key of --tls-cert" }, \
	{ .name = "tls-alpn", .key = VN_OPT_TLS_ALPN, .arg = "LIST", \
	  .help = "with --tls, offer the ALPN protocols of LIST (comma-separated)" }
#define VN_TLS_LISTEN_OPTIONS \
	{ .name = "tls", .key = VN_OPT_TLS, \
	  .help = "serve TLS (needs --tls-cert and --tls-key)" }, \
	{ .name = "tls-cert", .key = VN_OPT_TLS_CERT, .arg = "FILE", \
	  .help = "with --tls, the server certificate (PEM, chain after it)" }, \
	{ .name = "tls-key", .key = VN_OPT_TLS_KEY, .arg = "FILE", \
	  .help = "with --tls, the private key of --tls-cert" }, \
	{ .name = "tls-verify-client", .key = VN_OPT_TLS_VERIFY_CLIENT, \
	  .help = "with --tls, require a client certificate" }, \
	{ .name = "tls-ca", .key = VN_OPT_TLS_CA, .arg = "FILE", \
	  .help = "with --tls, trust the CAs in FILE for client certificates" }, \
	{ .name = "tls-alpn", .key = VN_OPT_TLS_ALPN, .arg = "LIST", \
	  .help = "with --tls, choose the first ALPN protocol of LIST (comma-separated) the client offers" }

struct vn_tls_cli {
	int on;                  /* --tls */
	int any;                 /* some --tls-* option was given */
	struct vn_tls_opts o;
};

/* Take key/arg if it is one of the options above: 1, else 0. */
int vn_tls_cli_option(struct vn_tls_cli *t, int key, const char *arg);
/* Check the options against each other: 0, or -1 with the usage error in *e.
 * (Which modes --tls goes with is cmd/mode.c's.) */
int vn_tls_cli_check(const struct vn_tls_cli *t, int server, struct vn_cli_err *e);
/* With --tls, make the context in *c: every file is read now, and a file that
 * cannot be used is a usage error (one line, status 2). *c is NULL without
 * --tls. Returns 0, or -1 with *e set. */
int vn_tls_cli_ctx(const struct vn_tls_cli *t, int server, struct vn_tls_ctx **c,
                   struct vn_cli_err *e);
/* Make conn a TLS connection of c and do the handshake within timeout_ms; -v
 * says what was negotiated. Returns 0, or -1 after "TLS handshake with PEER:
 * REASON" (conn then refuses data). */
int vn_tls_cli_handshake(struct vn_tls_ctx *c, struct vn_conn *conn, const char *host,
                         const char *peer, int timeout_ms, int verbose);

#endif
