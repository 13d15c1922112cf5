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
	switch (key) {
	case VN_OPT_TLS: t->on = 1; return 1;
	case VN_OPT_TLS_CA: t->o.ca_file = arg; break;
	case VN_OPT_TLS_SERVERNAME: t->o.servername = arg; break;
	case VN_OPT_TLS_INSECURE: t->o.insecure = 1; break;
	case VN_OPT_TLS_CERT: t->o.cert_file = arg; break;
	case VN_OPT_TLS_KEY: t->o.key_file = arg; break;
	case VN_OPT_TLS_VERIFY_CLIENT: t->o.verify_client = 1; break;
	case VN_OPT_TLS_ALPN: t->o.alpn = arg; break;
	default: return 0;
	}
	t->any = 1;
	return 1;
}

int
vn_tls_cli_check(const struct vn_tls_cli *t, int server, struct vn_cli_err *e)
{
	struct vn_tls_err te;

	if (!t->on && t->any)
		return vn_cli_fail(e, "the --tls-* options need --tls");
	if (!t->on)
		return 0;
	if (!!t->o.cert_file != !!t->o.key_file)
		return vn_cli_fail(e, "%s needs %s",
		                   t->o.cert_file ? "--tls-cert" : "--tls-key",
		                   t->o.cert_file ? "--tls-key" : "--tls-cert");
	if (server && !t->o.cert_file)
		return vn_cli_fail(e, "--tls needs --tls-cert and --tls-key");
	if (server && t->o.verify_client && !t->o.ca_file)
		return vn_cli_fail(e, "--tls-verify-client needs --tls-ca");
	if (server && t->o.ca_file && !t->o.verify_client)
		return vn_cli_fail(e, "--tls-ca applies to --tls-verify-client");
	if (t->o.alpn && vn_tls_alpn_check(t->o.alpn, &te) != VN_TLS_OK)
		return vn_cli_fail(e, "invalid --tls-alpn '%s': %s", t->o.alpn, te.msg);
	return 0;
}

int
vn_tls_cli_ctx(const struct vn_tls_cli *t, int server, struct vn_tls_ctx **c,
               struct vn_cli_err *e)
{
	const char *what = "--tls-cert";
	struct vn_tls_err te;

	*c = NULL;
	if (!t->on || (*c = vn_tls_ctx_new(&t->o, server, &te)))
		return 0;
	/* libtls says only that it failed to load the key */
	if (te.code == VN_TLS_KEY && t->o.cert_file)
		snprintf(te.msg + strlen(te.msg), sizeof te.msg - strlen(te.msg),
		         " (not a key, or not the key of --tls-cert)");
	if (te.code == VN_TLS_CA)
		what = "--tls-ca";
	else if (te.code == VN_TLS_KEY)
		what = "--tls-key";
	else if (te.code == VN_TLS_ALPN)
		what = "--tls-alpn";
	else if (te.code == VN_TLS_NOMEM || te.code == VN_TLS_CONFIG)
		what = "TLS";
	snprintf(e->msg, sizeof e->msg, "%s: %s", what, te.msg);
	e->status = te.code == VN_TLS_NOMEM ? 1 : 2;
	e->hint = 0;
	return -1;
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
