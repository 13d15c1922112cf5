/* bench/xform.c: the CPU cost of the relay's stream transforms (core/xform.c)
 * over MB megabytes of text with an LF every 40 bytes or so, in 64 KiB chunks
 * as a relay hands them over, the logs written to /dev/null. bench/xform.sh
 * builds and runs it.
 *
 *   xform [MB]      prints "NAME MB/s" per transform, per second of CPU time */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/xform.h"

enum { CHUNK = 65536 };

static double
cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void
report(const char *name, double mb, double secs)
{
	printf("%-8s %8.0f MB/s\n", name, secs > 0 ? mb / secs : 0);
}

/* The log of format f over n chunks, both directions in turn. */
static double
log_run(enum vn_log_format f, const char *in, size_t n)
{
	struct vn_log *log = vn_log_open("/dev/null", f, 0);
	double t = cpu();
	size_t i;

	if (!log) {
		perror("xform: /dev/null");
		exit(1);
	}
	for (i = 0; i < n; i++)
		if (vn_log_tap(log, (int)(i & 1), in, CHUNK) < 0) {
			perror("xform: log");
			exit(1);
		}
	vn_log_close(log);
	return cpu() - t;
}

int
main(int argc, char **argv)
{
	double mb = argc > 1 ? atof(argv[1]) : 256, t;
	size_t n = (size_t)(mb * 1e6 / CHUNK) + 1, i;
	char *in = malloc(CHUNK), *out = malloc(2 * CHUNK);
	struct vn_crlf c = { 0 };
	volatile size_t sink = 0;

	if (!in || !out)
		return 1;
	mb = (double)n * CHUNK / 1e6;
	srand(1);
	for (i = 0; i < CHUNK; i++)
		in[i] = rand() % 40 == 0 ? '\n' : (char)('a' + rand() % 26);
	t = cpu();
	for (i = 0; i < n; i++) {
		memcpy(out, in, CHUNK);
		sink += (size_t)out[i % CHUNK];
	}
	report("memcpy", mb, cpu() - t);
	t = cpu();
	for (i = 0; i < n; i++)
		sink += vn_crlf(&c, in, CHUNK, out);
	report("crlf", mb, cpu() - t);
	report("raw-log", mb, log_run(VN_LOG_RAW, in, n));
	report("hex-log", mb, log_run(VN_LOG_HEX, in, n));
	free(in);
	free(out);
	return sink == 1;   /* never: keeps the loops */
}
