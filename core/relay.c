/* core/relay.c: the relay of both directions between stdio and a socket. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "relay.h"

#define CHUNK 65536

int
vn_relay(int in_fd, int out_fd, int sock, const struct vn_relay_opts *o)
{
	char buf[CHUNK];
	int in_open = 1, net_open = 1;

	while (in_open || net_open) {
		struct pollfd p[2];
		ssize_t n;
		int r;

		p[0].fd = in_open ? in_fd : -1;
		p[0].events = POLLIN;
		p[1].fd = net_open ? sock : -1;
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		r = vn_poll(p, 2, o ? o->idle_timeout_ms : -1);
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (p[0].revents) {
			n = vn_read(in_fd, buf, sizeof buf);
			if (n < 0)
				return -1;
			if (n == 0) {
				in_open = 0;
				shutdown(sock, SHUT_WR);
			} else if (vn_write_all(sock, buf, (size_t)n) < 0) {
				return -1;
			}
		}
		if (p[1].revents) {
			n = vn_recv(sock, buf, sizeof buf);
			if (n < 0)
				return -1;
			if (n == 0)
				net_open = 0;
			else if (vn_write_all(out_fd, buf, (size_t)n) < 0)
				return errno == EPIPE ? 0 : -1;
		}
	}
	return 0;
}
