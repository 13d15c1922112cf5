/* cmd/connect.h: vlcnet-connect's command line, read by cmd/connect_cli.c
 * (which the CLI fuzzer links) for cmd/connect.c's main. */
#ifndef VN_CONNECT_H
#define VN_CONNECT_H

#include "cli.h"
#include "exec.h"
#include "mode.h"
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
};

/* Read and check vlcnet-connect's command line into *cli and *c: 0, or -1
 * with *e saying why the tool ends now. */
int vn_connect_args(struct vn_cli *cli, struct connect_conf *c, int argc, char **argv,
                    struct vn_cli_err *e);

#endif
