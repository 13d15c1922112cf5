/* cmd/tls_opts.c: the --tls-* options shared by vlcnet-listen and
 * vlcnet-connect, their checks, and the handshake with its messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/proc.h"
#include "cli.h"
#include "tls_opts.h"

int
vn_tls_cli_option(struct vn_tls_cli *t, int key, const char *arg)
{
	struct vn_tls_err e;

	switch (key) {
	case OPT_TLS: t->on = 1; return 1;
	case OPT_TLS_CA: t->o.ca_file = arg; break;
	case OPT_TLS_SERVERNAME: t->o.servername = arg; break;
	case OPT_TLS_INSECURE: t->o.insecure = 1; break;
	case OPT_TLS_CERT: t->o.cert_file = arg; break;
	case OPT_TLS_KEY: t->o.key_file = arg; break;
	case OPT_TLS_VERIFY_CLIENT: t->o.verify_client = 1; break;
	case OPT_TLS_ALPN:
		if (vn_tls_alpn_check(arg, &e) != VN_TLS_OK)
			vn_usage_error("invalid --tls-alpn '%s': %s", arg, e.msg);
		t->o.alpn = arg;
		break;
	default: return 0;
	}
	t->any = 1;
	return 1;
}

struct vn_tls_ctx *
vn_tls_cli_ctx(const struct vn_tls_cli *t, int server, int udp, int scan)
{
	const char *what = "--tls-cert";
	struct vn_tls_ctx *c;
	struct vn_tls_err e;

	if (!t->on && t->any)
		vn_usage_error("the --tls-* options need --tls");
	if (!t->on)
		return NULL;
	if (udp)
		vn_usage_error("--tls works over TCP and Unix stream sockets: not with --udp");
	if (scan)
		vn_usage_error("--scan sends nothing: not with --tls");
	if (!!t->o.cert_file != !!t->o.key_file)
		vn_usage_error("%s needs %s", t->o.cert_file ? "--tls-cert" : "--tls-key",
		               t->o.cert_file ? "--tls-key" : "--tls-cert");
	if (server && !t->o.cert_file)
		vn_usage_error("--tls needs --tls-cert and --tls-key");
	if (server && t->o.verify_client && !t->o.ca_file)
		vn_usage_error("--tls-verify-client needs --tls-ca");
	if (server && t->o.ca_file && !t->o.verify_client)
		vn_usage_error("--tls-ca applies to --tls-verify-client");
	if (!(c = vn_tls_ctx_new(&t->o, server, &e))) {
		/* libtls says only that it failed to load the key */
		if (e.code == VN_TLS_KEY && t->o.cert_file)
			snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg),
			         " (not a key, or not the key of --tls-cert)");
		if (e.code == VN_TLS_CA)
			what = "--tls-ca";
		else if (e.code == VN_TLS_KEY)
			what = "--tls-key";
		else if (e.code == VN_TLS_ALPN)
			what = "--tls-alpn";
		else if (e.code == VN_TLS_NOMEM || e.code == VN_TLS_CONFIG)
			what = "TLS";
		vn_warn("%s: %s", what, e.msg);
		exit(e.code == VN_TLS_NOMEM ? 1 : 2);
	}
	return c;
}

int
vn_tls_cli_handshake(struct vn_tls_ctx *c, struct vn_conn *conn, const char *host,
                     const char *peer, int timeout_ms, int verbose)
{
	char desc[VN_TLS_DESCLEN];
	struct vn_tls_err e;

	if (vn_conn_start_tls(conn, c, host, 1, timeout_ms, &e) < 0) {
		if (e.code != VN_TLS_INTR)
			vn_warn("TLS handshake with %s: %s", peer, e.msg);
		return -1;
	}
	if (verbose)
		vn_warn("TLS: %s", vn_tls_describe(conn->tls, desc));
	return 0;
}
