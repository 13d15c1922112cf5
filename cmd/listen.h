/* cmd/listen.h: vlcnet-listen's command line, read by cmd/listen_cli.c (which
 * the CLI fuzzer links) for cmd/listen.c's main. */
#ifndef VN_LISTEN_H
#define VN_LISTEN_H

#include "../core/acl.h"
#include "cli.h"
#include "exec.h"
#include "mode.h"
#include "stream_opts.h"
#include "tls_opts.h"

struct listen_conf {
	enum vn_mode mode;
	int keep;        /* -k */
	int chat;        /* --chat (the mode is then VN_MODE_BROKER) */
	int family;      /* -4/-6 */
	int numeric;     /* -n: HOST is an address, no resolver */
	int max_conns;   /* -m */
	int max_set;     /* -m was given */
	int timeout_ms;  /* -w, -1 for none */
	int quit_ms;     /* -q, -1 for none */
	const char *port_file;  /* --port-file */
	int udp;         /* -u */
	int unix_path;   /* -U: the operand is a PATH */
	const char *host;       /* the HOST operand, or NULL */
	const char *port;       /* the PORT operand or -p's (-U: the PATH) */
	const char *port_opt;   /* -p PORT: an operand left is HOST */
	int portnum;            /* PORT as a number (not with -U) */
	const char *where;      /* -U: the PATH, in messages and as `peer` */
	struct vn_acl acl;      /* --allow, --deny, --allowfile, --denyfile */
	struct vn_exec exec;    /* --lua-exec, --sh-exec, --exec */
	struct vn_tls_cli tls;  /* --tls, --tls-* */
	struct vn_tls_ctx *tc;  /* with --tls: the server context (made by main) */
	struct vn_stream_cli stream;  /* -C, --send-only, --recv-only, -o, -x */
};

/* Read and check vlcnet-listen's command line into *cli and *c: 0, or -1 with
 * *e saying why the tool ends now. What it allocated (the ACL) is freed by
 * vn_listen_conf_free, either way. */
int vn_listen_args(struct vn_cli *cli, struct listen_conf *c, int argc, char **argv,
                   struct vn_cli_err *e);
void vn_listen_conf_free(struct listen_conf *c);

#endif
