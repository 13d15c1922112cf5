/* core/dgram.c: the datagram relay (-u). One poll loop over in_fd and the
 * socket; a datagram is one read of in_fd or one recvfrom of the socket, never
 * split or joined. Waits end at SIGINT/SIGTERM as core/relay.c's do. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "dgram.h"
#include "relay.h"
#include "udp.h"
#include "unix.h"

/* Room for the largest datagram a Unix socket takes by default (its send
 * buffer, 208 KiB); a UDP one is at most 64 KiB. */
#define RECV_MAX (256 * 1024)

void
vn_dgram_addr(const struct sockaddr *sa, socklen_t len, char buf[VN_DGRAM_ADDRLEN])
{
	if (sa->sa_family == AF_UNIX) {
		vn_unix_format((const struct sockaddr_un *)sa, len, buf, VN_DGRAM_ADDRLEN);
		if (!buf[0])
			snprintf(buf, VN_DGRAM_ADDRLEN, "unnamed");
	} else {
		vn_addr_format(sa, buf);
	}
}

/* Whether two sender addresses are the same. */
static int
same_addr(const struct sockaddr_storage *a, socklen_t alen,
          const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

/* Fail with errno as it is, naming the side. */
static int
fail(struct vn_dgram_opts *o, int side)
{
	o->failed = side;
	return -1;
}

int
vn_dgram_relay(int in_fd, int out_fd, int sock, struct vn_dgram_opts *o)
{
	struct sockaddr_storage peer, from;
	socklen_t peer_len = 0, from_len;
	int connected, in_open = in_fd >= 0, r, err = 0, status = 0;
	long last = vn_now_ms(), in_end = -1;
	char *buf = malloc(RECV_MAX);

	o->failed = o->out_closed = 0;
	o->sent = o->received = 0;
	if (!buf) {
		errno = ENOMEM;
		return fail(o, 0);
	}
	/* A connected socket has a peer: getpeername says so. */
	from_len = sizeof from;
	connected = getpeername(sock, (struct sockaddr *)&from, &from_len) == 0;
	for (;;) {
		struct pollfd p[2] = { { sock, POLLIN, 0 }, { in_fd, POLLIN, 0 } };
		int n = 1, wait = -1;
		long now = vn_now_ms();

		if (in_open && (connected || peer_len > 0))
			n = 2;
		if (o->idle_timeout_ms >= 0)
			wait = (int)(last + o->idle_timeout_ms - now);
		if (in_end >= 0 && (wait < 0 || in_end - now < wait))
			wait = (int)(in_end - now);
		if (in_end >= 0 && now >= in_end)
			break;
		if (wait < 0 && (o->idle_timeout_ms >= 0 || in_end >= 0))
			wait = 0;
		r = vn_poll(p, (nfds_t)n, wait);
		if (r < 0) {
			err = errno;
			status = fail(o, 0);
			break;
		}
		if (r == 0) {
			if (in_end >= 0 && vn_now_ms() >= in_end)
				break;
			err = ETIMEDOUT;
			status = fail(o, 0);
			break;
		}
		if (p[0].revents) {
			ssize_t got;

			from_len = sizeof from;
			got = vn_recvfrom(sock, buf, RECV_MAX, &from, &from_len);
			if (got < 0) {
				err = errno;
				status = fail(o, VN_RELAY_NET);
				break;
			}
			last = vn_now_ms();
			if (!connected && from_len > sizeof(sa_family_t) &&
			    !same_addr(&from, from_len, &peer, peer_len)) {
				char addr[VN_DGRAM_ADDRLEN];

				vn_dgram_addr((struct sockaddr *)&from, from_len, addr);
				if (o->on_peer)
					o->on_peer(addr, o->ctx);
				peer = from;
				peer_len = from_len;
				/* nc -u -l: the first peer becomes the only one. */
				if (!o->any_peer &&
				    connect(sock, (struct sockaddr *)&peer, peer_len) == 0)
					connected = 1;
			}
			o->received++;
			if (got > 0 && vn_write_all(out_fd, buf, (size_t)got) < 0) {
				err = errno;
				if (err == EPIPE) {
					o->out_closed = 1;
					break;
				}
				status = fail(o, VN_RELAY_OUT);
				break;
			}
		}
		if (n == 2 && p[1].revents) {
			ssize_t got = vn_read(in_fd, buf, VN_UDP_MAX), sent;

			if (got < 0) {
				err = errno;
				status = fail(o, err == EINTR ? 0 : VN_RELAY_IN);
				break;
			}
			if (got == 0) {
				in_open = 0;
				if (o->in_end_ms >= 0)
					in_end = vn_now_ms() + o->in_end_ms;
				continue;
			}
			last = vn_now_ms();
			if (connected)
				sent = vn_send(sock, buf, (size_t)got);
			else
				sent = vn_sendto(sock, buf, (size_t)got,
				                 (struct sockaddr *)&peer, peer_len);
			if (sent < 0) {
				err = errno;
				status = fail(o, err == EINTR ? 0 : VN_RELAY_NET);
				break;
			}
			o->sent++;
		}
	}
	free(buf);
	errno = err;
	return status;
}
