/* cmd/stream_opts.c: the stream options of both network tools
 * (cmd/stream_opts.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stream_opts.h"

int
vn_stream_cli_option(struct vn_stream_cli *s, int key, const char *arg,
                     struct vn_cli_err *e)
{
	switch (key) {
	case 'C': s->crlf = 1; return 1;
	case VN_OPT_SEND_ONLY: s->send_only = 1; return 1;
	case VN_OPT_RECV_ONLY: s->recv_only = 1; return 1;
	case 'o': s->output = arg; return 1;
	case 'x': s->hex_dump = arg; return 1;
	case VN_OPT_APPEND_OUTPUT: s->append = 1; return 1;
	case 'i': return (s->interval_ms = vn_cli_secs(arg, 0, e)) < 0 ? -1 : 1;
	}
	return 0;
}

int
vn_stream_cli_any(const struct vn_stream_cli *s)
{
	return s->crlf || s->send_only || s->recv_only || s->output || s->hex_dump ||
	       s->append || s->interval_ms;
}

/* The first of the options given, for a message. */
static const char *
first_given(const struct vn_stream_cli *s)
{
	return s->crlf ? "--crlf" : s->send_only ? "--send-only" :
	       s->recv_only ? "--recv-only" : s->output ? "--output" :
	       s->hex_dump ? "--hex-dump" : s->append ? "--append-output" : "--interval";
}

int
vn_stream_cli_check(const struct vn_stream_cli *s, int udp, int scan,
                    const char *exec, int scripted, struct vn_cli_err *e)
{
	int relay = 0;

	if (s->send_only && s->recv_only)
		return vn_cli_fail(e, "--send-only and --recv-only do not go together");
	if (s->append && !s->output && !s->hex_dump)
		return vn_cli_fail(e, "--append-output needs --output or --hex-dump");
	if (s->recv_only && s->interval_ms)
		return vn_cli_fail(e, "--interval paces what is sent: not with --recv-only");
	if (s->recv_only && s->crlf)
		return vn_cli_fail(e, "--crlf changes what is sent: not with --recv-only");
	if (s->crlf || s->send_only || s->recv_only || s->interval_ms)
		relay = 1;   /* the logs go with exec options and scripts too */
	else if (!vn_stream_cli_any(s))
		return 0;
	if (scan)
		return vn_cli_fail(e, "--scan sends nothing: not with %s", first_given(s));
	if (udp)
		return vn_cli_fail(e, "%s applies to streams, not to --udp", first_given(s));
	if (exec && relay)
		return vn_cli_fail(e, "%s applies to the relay, not to %s", first_given(s), exec);
	if (scripted && relay)
		return vn_cli_fail(e, "%s applies to the relay, not to a script", first_given(s));
	return 0;
}

static int
open_log(struct vn_stream_cli *s, int i, const char *opt, const char *path,
         enum vn_log_format format, struct vn_cli_err *e)
{
	if (!path || (s->log[i] = vn_log_open(path, format, s->append)))
		return 0;
	vn_cli_fail(e, "%s '%s': %s", opt, path, strerror(errno));
	e->hint = 0;   /* a file to mend, not a usage to learn */
	return -1;
}

int
vn_stream_cli_open(struct vn_stream_cli *s, struct vn_cli_err *e)
{
	if (open_log(s, 0, "--output", s->output, VN_LOG_RAW, e) < 0 ||
	    open_log(s, 1, "--hex-dump", s->hex_dump, VN_LOG_HEX, e) < 0) {
		vn_stream_cli_close(s);
		return -1;
	}
	return 0;
}

/* The connections' tap: each log sees each chunk. */
static int
tap(void *ctx, int dir, const char *buf, size_t n)
{
	struct vn_stream_cli *s = ctx;
	int i;

	for (i = 0; i < 2; i++)
		if (s->log[i] && vn_log_tap(s->log[i], dir == VN_CONN_SENT ?
		                            VN_LOG_SENT : VN_LOG_RECEIVED, buf, n) < 0) {
			s->failed = i + 1;
			return -1;
		}
	return 0;
}

static int
tap_flush(void *ctx)
{
	struct vn_stream_cli *s = ctx;
	int i;

	for (i = 0; i < 2; i++)
		if (s->log[i] && vn_log_flush(s->log[i]) < 0) {
			s->failed = i + 1;
			return -1;
		}
	return 0;
}

void
vn_stream_cli_apply(struct vn_stream_cli *s, struct vn_relay_opts *o)
{
	o->send_only = s->send_only;
	o->recv_only = s->recv_only;
	o->interval_ms = s->interval_ms;
	memset(&s->crlf_state, 0, sizeof s->crlf_state);
	o->xform[VN_RELAY_SEND] = s->crlf ? vn_crlf : NULL;
	o->xform_ctx[VN_RELAY_SEND] = &s->crlf_state;
	o->xform[VN_RELAY_RECV] = NULL;
}

const struct vn_conn_tap *
vn_stream_cli_tap(struct vn_stream_cli *s)
{
	if (!s->log[0] && !s->log[1])
		return NULL;
	s->tap.log = tap;
	s->tap.flush = tap_flush;
	s->tap.ctx = s;
	return &s->tap;
}

static const char *const log_opt[2] = { "--output", "--hex-dump" };

const char *
vn_stream_cli_where(struct vn_stream_cli *s)
{
	int i = s->failed ? s->failed - 1 : 0;

	s->said = 1;
	snprintf(s->where, sizeof s->where, "%s '%s'", log_opt[i],
	         i ? s->hex_dump : s->output);
	return s->where;
}

int
vn_stream_cli_close(struct vn_stream_cli *s)
{
	int i, r = 0;

	for (i = 0; i < 2; i++) {
		/* a failure the relay met was said then; a script's was not */
		if (vn_log_close(s->log[i]) < 0) {
			if (!s->said || s->failed != i + 1)
				vn_warn("%s '%s': %s", log_opt[i],
				        i ? s->hex_dump : s->output, strerror(errno));
			r = -1;
		}
		s->log[i] = NULL;
	}
	return r;
}
