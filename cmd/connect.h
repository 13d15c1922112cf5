/* cmd/connect.h: vlcnet-connect's command line, read by cmd/connect_cli.c
 * (which the CLI fuzzer links) for cmd/connect.c's main. */
#ifndef VN_CONNECT_H
#define VN_CONNECT_H

#include "../core/net.h"
#include "../core/proxy.h"
#include "cli.h"
#include "exec.h"
#include "mode.h"
#include "stream_opts.h"
#include "tls_opts.h"

struct connect_conf {
	enum vn_mode mode;
	int timeout_ms;   /* -w, -1 for none */
	int quit_ms;      /* -q, -1 for none */
	int family;       /* -4/-6 */
	int udp;          /* -u */
	int unix_path;    /* -U: the operand is a PATH */
	const char *host; /* the HOST (-U: PATH) operand, or NULL for a script alone */
	int port;         /* the PORT operand, -1 without one (-U) */
	int first, last;  /* -z: the range of ports */
	struct vn_tls_cli tls;  /* --tls, --tls-* */
	struct vn_exec exec;  /* --lua-exec, --sh-exec, --exec */
	struct vn_stream_cli stream;  /* -C, --send-only, --recv-only, -o, -x, -i */
	int numeric;      /* -n */
	struct vn_source src;   /* --source, --source-port */
	const char *proxy_addr; /* --proxy HOST:PORT as given, NULL: none */
	int proxy_type;   /* --proxy-type, -1: not given (http) */
	const char *proxy_auth, *proxy_dns;   /* --proxy-auth, --proxy-dns */
	struct vn_proxy proxy;  /* made of the four once parsed */
	char proxy_host[VN_HOSTPORTLEN], *proxy_user;
};

/* Read and check vlcnet-connect's command line into *cli and *c: 0, or -1
 * with *e saying why the tool ends now. */
int vn_connect_args(struct vn_cli *cli, struct connect_conf *c, int argc, char **argv,
                    struct vn_cli_err *e);
/* Free what vn_connect_args allocated (the --proxy-auth copy), either way. */
void vn_connect_conf_free(struct connect_conf *c);

#endif
