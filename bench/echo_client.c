/* bench/echo_client.c: the load generator of bench/echo.sh. Opens N
 * connections to an echo server, keeps one MSG-byte message in flight on each
 * (send, wait for all of it to come back, send again) and prints the round
 * trips per second over SECS seconds, after WARMUP seconds that do not count.
 * One thread over poll(2), so that it costs the machine less than the server
 * it measures.
 *
 *   echo_client HOST PORT N SECS [MSG [WARMUP]]    (64 bytes, 0.5 s)
 *
 * Prints one number. Exits 1 if a connection fails or the server closes one. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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

static int
dial(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		perror("echo_client: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void
send_msg(int fd, const char *msg, size_t n)
{
	if (send(fd, msg, n, MSG_NOSIGNAL) != (ssize_t)n) {
		perror("echo_client: send");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct addrinfo hints = { 0 }, *ai;
	struct pollfd *p;
	size_t *got, msglen;
	char msg[65536], buf[65536];
	long n, i, trips = 0;
	double secs, warmup, start, end, t;
	int counting = 0, e;

	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: echo_client HOST PORT N SECS [MSG [WARMUP]]\n");
		return 2;
	}
	n = atol(argv[3]);
	secs = atof(argv[4]);
	msglen = argc >= 6 ? (size_t)atol(argv[5]) : 64;
	warmup = argc >= 7 ? atof(argv[6]) : 0.5;
	if (n < 1 || !(secs > 0) || !(warmup >= 0) || msglen < 1 || msglen > sizeof msg) {
		fprintf(stderr, "echo_client: bad arguments\n");
		return 2;
	}
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(argv[1], argv[2], &hints, &ai)) != 0) {
		fprintf(stderr, "echo_client: %s\n", gai_strerror(e));
		return 1;
	}
	memset(msg, 'x', msglen);
	p = calloc((size_t)n, sizeof *p);
	got = calloc((size_t)n, sizeof *got);
	if (!p || !got)
		return 1;
	for (i = 0; i < n; i++) {
		p[i].fd = dial(ai);
		p[i].events = POLLIN;
	}
	for (i = 0; i < n; i++)
		send_msg(p[i].fd, msg, msglen);
	start = now() + warmup;
	end = start + secs;
	for (;;) {
		int r = poll(p, (nfds_t)n, 100);

		if (r < 0 && errno != EINTR) {
			perror("echo_client: poll");
			return 1;
		}
		t = now();
		if (!counting && t >= start) {
			counting = 1;
			trips = 0;
			start = t;
		}
		if (t >= end)
			break;
		for (i = 0; r > 0 && i < n; i++) {
			ssize_t k;

			if (!p[i].revents)
				continue;
			r--;
			k = recv(p[i].fd, buf, sizeof buf, 0);
			if (k <= 0) {
				fprintf(stderr, "echo_client: the server closed a connection\n");
				return 1;
			}
			got[i] += (size_t)k;
			if (got[i] >= msglen) {
				got[i] -= msglen;
				trips++;
				send_msg(p[i].fd, msg, msglen);
			}
		}
	}
	printf("%.0f\n", trips / (t - start));
	return 0;
}
