/* test/fuzz/proxy_fuzz.c: a proxy's side of the handshake (core/proxy.c) on
 * arbitrary bytes. The first byte picks the proxy (socks4, socks4a, socks5,
 * socks5 with a login, http with Basic) and how many bytes the proxy sends
 * at a time (1 to 16); the rest is what it sends, in those chunks, over a
 * socket pair, each chunk followed by vn_proxy_hs_step until it wants more,
 * then the end of its stream. The target is never resolved here (an address
 * for socks4, the proxy's DNS for the others): nothing leaves the process.
 * A handshake must end in success or in a failure with its reason, never
 * wanting to send (the requests are small) or hanging. */
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/proxy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vn_proxy_type types[] = { VN_PROXY_SOCKS4, VN_PROXY_SOCKS4A,
		VN_PROXY_SOCKS5, VN_PROXY_SOCKS5, VN_PROXY_HTTP };
	struct vn_proxy p = { VN_PROXY_SOCKS5, "proxy", 1080, NULL, NULL, VN_PROXY_DNS_DEFAULT };
	struct vn_proxy_hs *h;
	struct vn_proxy_err e;
	char msg[VN_PROXY_ERRLEN];
	size_t chunk, n, off = 1;
	int sv[2], r, kind;

	if (size < 1 || size > 12000)
		return 0;
	kind = data[0] % 5;
	chunk = (size_t)(data[0] / 5 % 16) + 1;
	p.type = types[kind];
	if (kind >= 3) {
		p.user = "user";
		p.pass = "secret";
	}
	if (!(h = malloc(sizeof *h)))
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) {
		free(h);
		return 0;
	}
	r = vn_proxy_hs_start(h, &p, kind == 0 ? "127.0.0.1" : "target", 80, 0, &e);
	while (r == 0) {
		r = vn_proxy_hs_step(h, sv[0], &e);
		if (r != POLLIN)
			break;
		if (off >= size) {
			shutdown(sv[1], SHUT_WR);   /* the proxy is done: the end */
			r = vn_proxy_hs_step(h, sv[0], &e);
			break;
		}
		n = size - off < chunk ? size - off : chunk;
		if (write(sv[1], data + off, n) != (ssize_t)n)
			abort();
		off += n;
		r = 0;
	}
	vn_proxy_hs_end(h);
	if (r > 0 || (r == 0) != (e.code == VN_PROXY_OK) || !vn_proxy_err_str(&e, msg)[0])
		abort();
	close(sv[0]);
	close(sv[1]);
	free(h);
	return 0;
}
