/* cmd/stream_opts.h: the stream options of vlcnet-listen and vlcnet-connect:
 * -C (CRLF), --send-only, --recv-only, -o/--append-output/-x (session logs)
 * and connect's -i. They set the relay engine's transforms, tap and policy
 * (core/relay.h); the bytes are handled in core/xform.c. */
#ifndef VN_STREAM_OPTS_H
#define VN_STREAM_OPTS_H

#include "../core/relay.h"
#include "../core/xform.h"
#include "cli.h"

/* The rows of both tools' option tables (connect adds VN_STREAM_INTERVAL). */
#define VN_STREAM_OPTIONS \
	{ .name = "crlf", .key = 'C', \
	  .help = "send each LF from standard input as CRLF (a CRLF stays as it is)" }, \
	{ .name = "send-only", .key = VN_OPT_SEND_ONLY, \
	  .help = "only send: end when input ends; the peer's data is dropped" }, \
	{ .name = "recv-only", .key = VN_OPT_RECV_ONLY, \
	  .help = "only receive: never read standard input, never end our side" }, \
	{ .name = "output", .key = 'o', .arg = "FILE", \
	  .help = "log the session's data, both directions, to FILE" }, \
	{ .name = "hex-dump", .key = 'x', .arg = "FILE", \
	  .help = "log the session as a hex dump ('>' sent, '<' received) to FILE" }, \
	{ .name = "append-output", .key = VN_OPT_APPEND_OUTPUT, \
	  .help = "append to the -o and -x files instead of truncating them" }
#define VN_STREAM_INTERVAL \
	{ .name = "interval", .key = 'i', .arg = "SECS", \
	  .help = "wait SECS between the lines sent from standard input" }

struct vn_stream_cli {
	int crlf;                 /* -C */
	int send_only, recv_only; /* --send-only, --recv-only */
	const char *output;       /* -o FILE */
	const char *hex_dump;     /* -x FILE */
	int append;               /* --append-output */
	int interval_ms;          /* -i SECS, 0 for none */
	struct vn_log *log[2];    /* the open -o and -x logs */
	struct vn_crlf crlf_state;
	struct vn_conn_tap tap;   /* over the logs */
	int failed;               /* 1 + the index of the log that failed */
	int said;                 /* and a relay's message named it */
	char where[4096 + 32];
};

/* Take key/arg if it is one of the options above: 1, else 0; -1 with *e set
 * for a bad argument. */
int vn_stream_cli_option(struct vn_stream_cli *s, int key, const char *arg,
                         struct vn_cli_err *e);

/* Whether any of the options was given. */
int vn_stream_cli_any(const struct vn_stream_cli *s);

/* The options against each other and the mode: 0, or -1 with the usage
 * error in *e for --send-only with --recv-only, -C or -i with --recv-only,
 * --append-output alone; with scan or udp, for any of them; with exec (the
 * name of the exec option, or NULL) or scripted, for -C, --send-only,
 * --recv-only and -i, which are the relay's (the logs record an exec child's
 * and a script's traffic too). */
int vn_stream_cli_check(const struct vn_stream_cli *s, int udp, int scan,
                        const char *exec, int scripted, struct vn_cli_err *e);

/* Open the -o and -x files (once for all connections). A file that cannot be
 * opened is -1 with "--output 'FILE': REASON" in *e (status 2), before
 * anything listens or connects. */
int vn_stream_cli_open(struct vn_stream_cli *s, struct vn_cli_err *e);

/* Set the relay options of a connection: the transform and the policy. Each
 * connection starts its CRLF state afresh. */
void vn_stream_cli_apply(struct vn_stream_cli *s, struct vn_relay_opts *o);

/* The tap that writes the logs, for every connection (the relay's, an exec
 * child's, a script's: core/conn.h), or NULL without -o and -x. The logs go
 * on from one connection to the next. */
const struct vn_conn_tap *vn_stream_cli_tap(struct vn_stream_cli *s);

/* After a relay failed with VN_RELAY_TAP: what failed, "--output 'FILE'"
 * (in s), for the relay's message (closing does not say it again). */
const char *vn_stream_cli_where(struct vn_stream_cli *s);

/* Close the logs. Returns 0, or -1 after saying which failed and why. */
int vn_stream_cli_close(struct vn_stream_cli *s);

#endif
