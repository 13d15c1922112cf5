/* test/unit/xform_test.c: core/xform.c, the relay's stream transforms: CRLF
 * line ends over any split of a stream (a table, then a randomized check
 * against the whole), and the session logs (raw and hex, chunk boundaries,
 * direction changes, flush, append, write errors). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/xform.h"
#include "unit.h"

/* vn_crlf over in, cut into chunks at the offsets cuts[0..ncuts-1] (ascending),
 * into out (room for 2 * n); returns the output's length. */
static size_t
crlf_split(const char *in, size_t n, const size_t *cuts, int ncuts, char *out)
{
	struct vn_crlf c = { 0 };
	size_t at = 0, len = 0;
	int i;

	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;

		len += vn_crlf(&c, in + at, end - at, out + len);
		at = end;
	}
	return len;
}

static void
crlf_table(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "a\nb\n", "a\r\nb\r\n" },
		{ "a\r\nb", "a\r\nb" },         /* a CRLF already there is kept */
		{ "\n\n", "\r\n\r\n" },
		{ "\r\r\n", "\r\r\n" },
		{ "\r", "\r" },                 /* a lone CR stays lone */
		{ "\rx\n", "\rx\r\n" },
	};
	char out[64];
	size_t i, len;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct vn_crlf c = { 0 };

		len = vn_crlf(&c, t[i].in, strlen(t[i].in), out);
		out[len] = '\0';
		CHECK_STR(out, t[i].want);
	}
}

/* A CR that ends one chunk and the LF that starts the next are one CRLF, and
 * an LF that starts a chunk after a chunk without a final CR gets its CR. */
static void
crlf_chunks(void)
{
	struct vn_crlf c = { 0 };
	char out[16];
	size_t len;

	len = vn_crlf(&c, "a\r", 2, out);
	len += vn_crlf(&c, "\nb", 2, out + len);
	CHECK(len == 4 && !memcmp(out, "a\r\nb", 4));
	len = vn_crlf(&c, "\n", 1, out);
	CHECK(len == 2 && !memcmp(out, "\r\n", 2));
	len = vn_crlf(&c, "", 0, out);
	CHECK(len == 0);
	len = vn_crlf(&c, "\r", 1, out);
	len += vn_crlf(&c, "", 0, out + len);      /* an empty chunk keeps the CR */
	len += vn_crlf(&c, "\n", 1, out + len);
	CHECK(len == 2 && !memcmp(out, "\r\n", 2));
}

/* Random streams over { a, CR, LF } with random splits: the output is the
 * output over the whole, it has no LF without its CR, and without the CRs
 * that were added it is the input. */
static void
crlf_random(void)
{
	enum { N = 200, ROUNDS = 2000 };
	static const char alphabet[] = "a\r\n";
	char in[N], whole[2 * N], split[2 * N];
	size_t cuts[N], n, wlen, slen, i, j;
	int r, ncuts, bad = 0;

	srand(21);
	for (r = 0; r < ROUNDS && !bad; r++) {
		n = (size_t)rand() % N;
		for (i = 0; i < n; i++)
			in[i] = alphabet[rand() % 3];
		ncuts = n ? rand() % 8 : 0;
		for (i = 0; i < (size_t)ncuts; i++)
			cuts[i] = (size_t)rand() % (n + 1);
		/* ascending, duplicates (empty chunks) allowed */
		for (i = 1; i < (size_t)ncuts; i++)
			for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t tmp = cuts[j];
				cuts[j] = cuts[j - 1];
				cuts[j - 1] = tmp;
			}
		wlen = crlf_split(in, n, NULL, 0, whole);
		slen = crlf_split(in, n, cuts, ncuts, split);
		if (slen != wlen || memcmp(whole, split, wlen))
			bad = 1;
		for (i = 0, j = 0; i < wlen && !bad; i++) {
			if (whole[i] == '\n' && (i == 0 || whole[i - 1] != '\r'))
				bad = 2;
			/* a CR followed by an LF the input did not have after a CR */
			if (whole[i] == '\r' && i + 1 < wlen && whole[i + 1] == '\n' &&
			    (j >= n || in[j] != '\r'))
				continue;
			if (j >= n || whole[i] != in[j])
				bad = 3;
			j++;
		}
		if (!bad && j != n)
			bad = 4;
	}
	if (!CHECK(bad == 0))
		fprintf(stderr, "round %d: failure kind %d\n", r - 1, bad);
}

static char dir_path[] = "/tmp/xform_test.XXXXXX";

/* The whole file at path, NUL-terminated (static, 64 KiB at most). */
static const char *
slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static const char *
file(const char *name)
{
	static char path[256];

	snprintf(path, sizeof path, "%s/%s", dir_path, name);
	return path;
}

static void
log_raw(void)
{
	struct vn_log *log;
	static char big[40000];

	log = vn_log_open(file("raw"), VN_LOG_RAW, 0);
	CHECK(log != NULL);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "hello ", 6) == 0);
	CHECK(vn_log_tap(log, VN_LOG_RECEIVED, "world\n", 6) == 0);
	CHECK(vn_log_close(log) == 0);
	CHECK_STR(slurp(file("raw")), "hello world\n");

	/* truncated when opened again, appended to with append */
	log = vn_log_open(file("raw"), VN_LOG_RAW, 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "one\n", 4) == 0);
	CHECK(vn_log_close(log) == 0);
	log = vn_log_open(file("raw"), VN_LOG_RAW, 1);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "two\n", 4) == 0);
	CHECK(vn_log_close(log) == 0);
	CHECK_STR(slurp(file("raw")), "one\ntwo\n");

	/* chunks bigger than the buffer keep their order */
	memset(big, 'b', sizeof big - 1);
	log = vn_log_open(file("big"), VN_LOG_RAW, 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "a", 1) == 0);
	CHECK(vn_log_tap(log, VN_LOG_RECEIVED, big, sizeof big - 1) == 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "c", 1) == 0);
	CHECK(vn_log_close(log) == 0);
	{
		const char *got = slurp(file("big"));
		CHECK(strlen(got) == sizeof big + 1 && got[0] == 'a' &&
		      got[1] == 'b' && got[sizeof big - 1] == 'b' && got[sizeof big] == 'c');
	}
}

static void
log_hex(void)
{
	struct vn_log *log;
	const char *twenty = "hello from the server";   /* 21 bytes */

	/* a line of 16, then a short one, per direction; the other direction's
	 * bytes write the short line out */
	log = vn_log_open(file("hex"), VN_LOG_HEX, 0);
	CHECK(vn_log_tap(log, VN_LOG_RECEIVED, twenty, 21) == 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "hi\001\377 \n", 6) == 0);
	CHECK(vn_log_close(log) == 0);
	CHECK_STR(slurp(file("hex")),
"< 0000   68 65 6c 6c 6f 20 66 72  6f 6d 20 74 68 65 20 73  hello.from.the.s\n"
"< 0010   65 72 76 65 72                                    erver\n"
"> 0000   68 69 01 ff 20 0a                                 hi....\n");

	/* a line split over chunks of one direction is one line, and the next
	 * line goes on from its offset */
	log = vn_log_open(file("split"), VN_LOG_HEX, 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "0123456789", 10) == 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "abcdefghij", 10) == 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "ABCDEFGHIJKLM", 13) == 0);
	CHECK(vn_log_close(log) == 0);
	CHECK_STR(slurp(file("split")),
"> 0000   30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  0123456789abcdef\n"
"> 0010   67 68 69 6a 41 42 43 44  45 46 47 48 49 4a 4b 4c  ghijABCDEFGHIJKL\n"
"> 0020   4d                                                M\n");

	/* flush writes the short line; the next bytes start a line at the
	 * offset after it; each direction counts its own offsets */
	log = vn_log_open(file("flush"), VN_LOG_HEX, 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "abcde", 5) == 0);
	CHECK(vn_log_flush(log) == 0);
	CHECK_STR(slurp(file("flush")),
"> 0000   61 62 63 64 65                                    abcde\n");
	CHECK(vn_log_tap(log, VN_LOG_SENT, "fg", 2) == 0);
	CHECK(vn_log_tap(log, VN_LOG_RECEIVED, "x", 1) == 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "h", 1) == 0);
	CHECK(vn_log_close(log) == 0);
	CHECK_STR(slurp(file("flush")),
"> 0000   61 62 63 64 65                                    abcde\n"
"> 0005   66 67                                             fg\n"
"< 0000   78                                                x\n"
"> 0007   68                                                h\n");
}

/* The hex log of one direction's stream is the same over any split of it
 * into chunks (short lines are finished by the next chunk); random bytes,
 * random cuts. */
static void
log_hex_random(void)
{
	enum { N = 300, ROUNDS = 300 };
	static char whole[65536];
	unsigned char in[N];
	size_t n, at, cut, i;
	struct vn_log *log;
	int r, bad = 0;

	srand(7);
	for (r = 0; r < ROUNDS && !bad; r++) {
		n = (size_t)rand() % N;
		for (i = 0; i < n; i++)
			in[i] = (unsigned char)rand();
		log = vn_log_open(file("whole"), VN_LOG_HEX, 0);
		vn_log_tap(log, VN_LOG_RECEIVED, (const char *)in, n);
		if (vn_log_close(log) < 0)
			bad = 1;
		snprintf(whole, sizeof whole, "%s", slurp(file("whole")));
		log = vn_log_open(file("split"), VN_LOG_HEX, 0);
		for (at = 0; at < n; at += cut) {
			cut = (size_t)rand() % 40;
			if (cut > n - at)
				cut = n - at;
			vn_log_tap(log, VN_LOG_RECEIVED, (const char *)in + at, cut);
		}
		if (vn_log_close(log) < 0 || strcmp(whole, slurp(file("split"))))
			bad = 2;
		/* one line per 16 bytes, the last one short */
		for (i = 0, at = 0; whole[i]; i++)
			at += whole[i] == '\n';
		if (at != (n + 15) / 16)
			bad = 3;
	}
	if (!CHECK(bad == 0))
		fprintf(stderr, "round %d: failure kind %d\n", r - 1, bad);
}

/* A hex log on /dev/full holding LINES whole lines and then the short line
 * "xyz", all in direction DIR, none written yet; errno is 0. */
static struct vn_log *
hex_log_filled(int lines, enum vn_log_dir dir)
{
	struct vn_log *log = vn_log_open("/dev/full", VN_LOG_HEX, 0);
	int i;

	for (i = 0; i < lines; i++)
		vn_log_tap(log, dir, "0123456789abcdef", 16);
	CHECK(vn_log_tap(log, dir, "xyz", 3) == 0);
	errno = 0;
	return log;
}

/* A hex log on a full disk finds out when its buffer fills, whichever call
 * fills it: a line of the same direction, a short line of the other one
 * that the next bytes write out, the short line of its own direction that
 * the next bytes finish, or a flush. */
static void
log_errors_hex(void)
{
	struct vn_log *log;
	int lines, r = 0;

	/* how many whole lines the buffer takes before it must be written */
	log = vn_log_open("/dev/full", VN_LOG_HEX, 0);
	if (!CHECK(log != NULL))
		return;
	for (lines = 0; lines < 10000 && (r = vn_log_tap(log, VN_LOG_SENT, "0123456789abcdef", 16)) == 0;
	     lines++)
		;
	CHECK(r == -1 && errno == ENOSPC && lines > 0);
	vn_log_close(log);

	/* those lines and a short one fit; the other direction's first byte
	 * writes the short line out, and the write fails */
	log = hex_log_filled(lines, VN_LOG_SENT);
	CHECK(vn_log_tap(log, VN_LOG_RECEIVED, "<", 1) == -1 && errno == ENOSPC);
	vn_log_close(log);

	/* the same short line, finished by its own direction's next bytes */
	log = hex_log_filled(lines, VN_LOG_SENT);
	CHECK(vn_log_tap(log, VN_LOG_SENT, "0123456789abc", 13) == -1 && errno == ENOSPC);
	vn_log_close(log);

	/* the same short line at a flush */
	log = hex_log_filled(lines, VN_LOG_RECEIVED);
	CHECK(vn_log_flush(log) == -1 && errno == ENOSPC);
	vn_log_close(log);
}

static void
log_errors(void)
{
	struct vn_log *log;
	char buf[20000];

	errno = 0;
	CHECK(vn_log_open(file("no/such/dir"), VN_LOG_RAW, 0) == NULL && errno == ENOENT);

	/* a full disk: the write fails with ENOSPC, and so does every later call */
	log = vn_log_open("/dev/full", VN_LOG_HEX, 0);
	if (!CHECK(log != NULL))
		return;
	CHECK(vn_log_tap(log, VN_LOG_SENT, "abc", 3) == 0);
	errno = 0;
	CHECK(vn_log_flush(log) == -1 && errno == ENOSPC);
	errno = 0;
	CHECK(vn_log_tap(log, VN_LOG_SENT, "d", 1) == -1 && errno == ENOSPC);
	errno = 0;
	CHECK(vn_log_close(log) == -1 && errno == ENOSPC);

	/* the buffer filling up is where a raw log finds out */
	memset(buf, 'z', sizeof buf);
	log = vn_log_open("/dev/full", VN_LOG_RAW, 0);
	CHECK(vn_log_tap(log, VN_LOG_SENT, buf, 10000) == 0);
	errno = 0;
	CHECK(vn_log_tap(log, VN_LOG_SENT, buf, 10000) == -1 && errno == ENOSPC);
	CHECK(vn_log_close(log) == -1);
	CHECK(vn_log_close(NULL) == 0);

	/* a raw chunk larger than the buffer goes straight to the file */
	{
		static char huge[100000];

		log = vn_log_open("/dev/full", VN_LOG_RAW, 0);
		errno = 0;
		CHECK(vn_log_tap(log, VN_LOG_SENT, huge, sizeof huge) == -1 && errno == ENOSPC);
		CHECK(vn_log_close(log) == -1);
	}
	log_errors_hex();
}

int
main(void)
{
	crlf_table();
	crlf_chunks();
	crlf_random();
	if (!CHECK(mkdtemp(dir_path) != NULL))
		return UNIT_DONE("xform");
	log_raw();
	log_hex();
	log_hex_random();
	log_errors();
	{
		static const char *const names[] = { "raw", "big", "hex", "split", "flush", "whole" };
		size_t i;

		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			unlink(file(names[i]));
		rmdir(dir_path);
	}
	return UNIT_DONE("xform");
}
