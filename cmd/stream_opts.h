/* cmd/stream_opts.h: the stream options of vlcnet-listen and vlcnet-connect:
 * -C (CRLF), --send-only, --recv-only, -o/--append-output/-x (session logs)
 * and connect's -i. They set the relay engine's transforms, tap and policy
 * (core/relay.h); the bytes are handled in core/xform.c. */
#ifndef VN_STREAM_OPTS_H
#define VN_STREAM_OPTS_H

#include "../core/relay.h"
#include "../core/xform.h"

/* Keys of the long options, clear of the tools' (256 up), acl's (320 up), the
 * exec options' (0x300 up) and the TLS options' (0x400 up). */
enum {
	OPT_SEND_ONLY = 0x500, OPT_RECV_ONLY, OPT_APPEND_OUTPUT
};

/* The rows of both tools' option tables (connect adds VN_STREAM_INTERVAL). */
#define VN_STREAM_OPTIONS \
	{ "crlf", 'C', NULL, "send each LF from standard input as CRLF (a CRLF stays as it is)" }, \
	{ "send-only", OPT_SEND_ONLY, NULL, "only send: end when input ends; the peer's data is dropped" }, \
	{ "recv-only", OPT_RECV_ONLY, NULL, "only receive: never read standard input, never end our side" }, \
	{ "output", 'o', "FILE", "log the session's data, both directions, to FILE" }, \
	{ "hex-dump", 'x', "FILE", "log the session as a hex dump ('>' sent, '<' received) to FILE" }, \
	{ "append-output", OPT_APPEND_OUTPUT, NULL, "append to the -o and -x files instead of truncating them" }
#define VN_STREAM_INTERVAL \
	{ "interval", 'i', "SECS", "wait SECS between the lines sent from standard input" }

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
	char where[4096 + 32];
};

/* Take key/arg if it is one of the options above: 1, else 0. */
int vn_stream_cli_option(struct vn_stream_cli *s, int key, const char *arg);

/* Whether any of the options was given. */
int vn_stream_cli_any(const struct vn_stream_cli *s);

/* The options against each other and the mode: exit 2, one line, for
 * --send-only with --recv-only, -C or -i with --recv-only, --append-output
 * alone; with scan or udp, for any of them; with exec (the name of the exec
 * option, or NULL) or scripted, for -C, --send-only, --recv-only and -i,
 * which are the relay's (the logs record an exec child's and a script's
 * traffic too). */
void vn_stream_cli_check(const struct vn_stream_cli *s, int udp, int scan,
                         const char *exec, int scripted);

/* Open the -o and -x files (once for all connections). A file that cannot be
 * opened is one line, "--output 'FILE': REASON", and exit 2, before anything
 * listens or connects. */
void vn_stream_cli_open(struct vn_stream_cli *s);

/* Set the relay options of a connection: the transform and the policy. Each
 * connection starts its CRLF state afresh. */
void vn_stream_cli_apply(struct vn_stream_cli *s, struct vn_relay_opts *o);

/* The tap that writes the logs, for every connection (the relay's, an exec
 * child's, a script's: core/conn.h), or NULL without -o and -x. The logs go
 * on from one connection to the next. */
const struct vn_conn_tap *vn_stream_cli_tap(struct vn_stream_cli *s);

/* After a relay failed with VN_RELAY_TAP: what failed, "--output 'FILE'"
 * (in s). */
const char *vn_stream_cli_where(struct vn_stream_cli *s);

/* Close the logs. Returns 0, or -1 after saying which failed and why. */
int vn_stream_cli_close(struct vn_stream_cli *s);

#endif
