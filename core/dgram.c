/* core/dgram.c: the datagram endpoint of the one relay engine (-u). What is
 * a datagram's own lives here: one recvfrom is one datagram, a listener waits
 * for its first peer, connects to it (unless any_peer) or answers whoever sent
 * last, and names each new peer once. The loop, the deadlines, the outcome and
 * the counters are core/relay.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "dgram.h"
#include "net.h"
#include "relay.h"
#include "udp.h"
#include "unix.h"

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

#define SEEN_MAX 64   /* the peers remembered, so each is announced once */

/* The state of one datagram endpoint. */
struct dg {
	int sock, connected;
	const struct vn_dgram_opts *o;
	struct sockaddr_storage peer;   /* whom we answer */
	socklen_t peer_len;
	struct sockaddr_storage seen[SEEN_MAX];
	socklen_t seen_len[SEEN_MAX];
	int nseen, seen_next;
};

/* A sender not seen before: announce it (once per peer) and answer it from
 * now on; unless any_peer, it becomes the only one (as nc -u -l does). */
static void
new_sender(struct dg *d, const struct sockaddr_storage *from, socklen_t len)
{
	char addr[VN_DGRAM_ADDRLEN];
	int i, seen = 0;

	for (i = 0; i < d->nseen && !seen; i++)
		seen = same_addr(&d->seen[i], d->seen_len[i], from, len);
	if (!seen) {
		d->seen[d->seen_next] = *from;
		d->seen_len[d->seen_next] = len;
		d->seen_next = (d->seen_next + 1) % SEEN_MAX;
		if (d->nseen < SEEN_MAX)
			d->nseen++;
		vn_dgram_addr((const struct sockaddr *)from, len, addr);
		if (d->o->on_peer)
			d->o->on_peer(addr, d->o->ctx);
	}
	d->peer = *from;
	d->peer_len = len;
	if (!d->o->any_peer && connect(d->sock, (struct sockaddr *)&d->peer, len) == 0)
		d->connected = 1;
}

static int
dg_ready(void *ctx)
{
	struct dg *d = ctx;

	return d->connected || d->peer_len > 0;
}

static ssize_t
dg_recv(void *ctx, void *buf, size_t n)
{
	struct dg *d = ctx;
	struct sockaddr_storage from;
	socklen_t from_len = sizeof from;
	ssize_t got = vn_recvfrom(d->sock, buf, n, &from, &from_len);

	if (got >= 0 && !d->connected && from_len > sizeof(sa_family_t) &&
	    !same_addr(&from, from_len, &d->peer, d->peer_len))
		new_sender(d, &from, from_len);
	return got;
}

static ssize_t
dg_send(void *ctx, const void *buf, size_t n)
{
	struct dg *d = ctx;

	if (d->connected)
		return vn_send(d->sock, buf, n);
	return vn_sendto(d->sock, buf, n, (struct sockaddr *)&d->peer, d->peer_len);
}

int
vn_dgram_relay(int sock, int in_fd, int out_fd, const struct vn_dgram_opts *o,
               struct vn_relay_opts *ro)
{
	struct dg *d = calloc(1, sizeof *d);
	struct vn_relay_dgram ep = { .ctx = d, .max = VN_UDP_MAX, .ready = dg_ready,
	                             .recv = dg_recv, .send = dg_send };
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct vn_conn c;
	int r, err;

	if (!d) {
		ro->failed = 0;
		return -1;
	}
	d->sock = sock;
	d->o = o;
	/* A connected socket has a peer: getpeername says so. */
	d->connected = getpeername(sock, (struct sockaddr *)&ss, &len) == 0;
	vn_conn_plain(&c, sock);
	ro->dgram = &ep;
	r = vn_relay(&c, in_fd, out_fd, ro);
	err = errno;
	ro->dgram = NULL;
	vn_conn_release(&c);
	free(d);
	errno = err;
	return r;
}
