/* bench/c_echo.c: the reference for bench/echo.sh, a single-threaded echo
 * server over poll(2) written the way examples/echo.lua is: one pollfd per
 * client, recv what is ready, send it back.
 *
 *   cc -O2 -o c_echo bench/c_echo.c && ./c_echo PORT
 *
 * Listens on 127.0.0.1:PORT (0 picks one) and prints "port N" once listening. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ 65536

static struct pollfd *pfd;
static size_t npfd, cap;

static void
add(int fd)
{
	if (npfd == cap) {
		cap = cap ? 2 * cap : 64;
		pfd = realloc(pfd, cap * sizeof *pfd);
		if (!pfd) {
			perror("c_echo: realloc");
			exit(1);
		}
	}
	pfd[npfd].fd = fd;
	pfd[npfd].events = POLLIN;
	pfd[npfd].revents = 0;
	npfd++;
}

/* Send all of buf; the client waits for its reply before sending again, so a
 * blocking send never waits long. */
static int
send_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	static char buf[BUFSZ];
	int ls, one = 1;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: c_echo PORT\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1024) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &len) < 0) {
		perror("c_echo: listen");
		return 1;
	}
	printf("port %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	add(ls);
	for (;;) {
		if (poll(pfd, npfd, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("c_echo: poll");
			return 1;
		}
		for (i = 1; i < npfd; i++) {
			ssize_t r;

			if (!pfd[i].revents)
				continue;
			r = recv(pfd[i].fd, buf, sizeof buf, 0);
			if (r <= 0 || send_all(pfd[i].fd, buf, (size_t)r) < 0) {
				close(pfd[i].fd);
				pfd[i--] = pfd[--npfd];
			}
		}
		if (pfd[0].revents) {
			int fd = accept(ls, NULL, NULL);

			if (fd >= 0)
				add(fd);
		}
	}
}
