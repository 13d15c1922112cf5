/* bench/conn_client.c: the client of bench/exec.sh. Connects to HOST PORT,
 * reads the answer to its end and closes, one connection after another, for
 * SECS seconds after WARMUP seconds that do not count; never half-closes (ncat
 * before 7.96 drops an exec child's answer when the client does). Prints the
 * connections per second. Exits 1 if a connection fails or an answer is not
 * EXPECT.
 *
 *   conn_client HOST PORT SECS EXPECT [WARMUP]    (0.3 s) */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One connection: 0 when the whole answer was expect, else -1. */
static int
one(const struct addrinfo *ai, const char *expect)
{
	char buf[256];
	size_t got = 0, want = strlen(expect);
	ssize_t r;
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		perror("conn_client: connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((r = read(fd, buf + got, sizeof buf - got)) > 0 && got < sizeof buf)
		got += (size_t)r;
	close(fd);
	if (got != want || memcmp(buf, expect, want)) {
		fprintf(stderr, "conn_client: unexpected answer (%zu bytes)\n", got);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints = { 0 }, *ai;
	double secs, warm, start, end;
	char expect[256];
	long n = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: conn_client HOST PORT SECS EXPECT [WARMUP]\n");
		return 2;
	}
	secs = atof(argv[3]);
	warm = argc > 5 ? atof(argv[5]) : 0.3;
	snprintf(expect, sizeof expect, "%s\n", argv[4]);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0) {
		fprintf(stderr, "conn_client: cannot resolve %s\n", argv[1]);
		return 1;
	}
	start = now();
	while (now() < start + warm)
		if (one(ai, expect) < 0)
			return 1;
	start = now();
	end = start + secs;
	while (now() < end) {
		if (one(ai, expect) < 0)
			return 1;
		n++;
	}
	printf("%.0f\n", n / (now() - start));
	freeaddrinfo(ai);
	return 0;
}
