/* core/acl.c: --allow/--deny networks, parsed once at start and matched
 * against each client's address. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

/* The 16-byte IPv6 form of an AF_INET or AF_INET6 address (IPv4 mapped, as
 * ::ffff:a.b.c.d). Returns 0, or -1 for another family. */
static int
to_v6(const struct sockaddr *sa, unsigned char a[16])
{
	if (sa->sa_family == AF_INET) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

/* Whether the first net->bits bits of a are those of the network. */
static int
in_net(const struct vn_acl_net *net, const unsigned char a[16])
{
	int full = net->bits / 8, rest = net->bits % 8;
	unsigned char mask;

	if (memcmp(net->addr, a, (size_t)full))
		return 0;
	if (!rest)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return ((net->addr[full] ^ a[full]) & mask) == 0;
}

static int
in_list(const struct vn_acl_list *l, const unsigned char a[16])
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (in_net(&l->net[i], a))
			return 1;
	return 0;
}

/* Append the network a/bits to l, its host bits cleared. */
static int
push(struct vn_acl_list *l, const unsigned char a[16], int bits, struct vn_err *e)
{
	struct vn_acl_net *net;
	int i;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4;

		net = realloc(l->net, cap * sizeof *net);
		if (!net)
			return vn_err_fail(e, ENOMEM);
		l->net = net;
		l->cap = cap;
	}
	net = &l->net[l->n++];
	memcpy(net->addr, a, 16);
	net->bits = bits;
	for (i = bits; i < 128; i++)
		net->addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	return 0;
}

/* A /PREFIX: 1 to 3 decimal digits. Returns its value, or -1. */
static int
parse_prefix(const char *s)
{
	int v = 0, n;

	for (n = 0; s[n]; n++) {
		if (n == 3 || s[n] < '0' || s[n] > '9')
			return -1;
		v = v * 10 + (s[n] - '0');
	}
	return n ? v : -1;
}

/* Whether s was meant as an address rather than a host name: it has a colon,
 * or only digits, dots, slashes, dashes and stars (ncat's ranges and
 * wildcards, which are not taken here). Such a word is never looked up. */
static int
looks_numeric(const char *s)
{
	return strchr(s, ':') || !s[strspn(s, "0123456789./-*")];
}

/* Add every address NAME resolves to, each as a whole address. */
static int
add_name(struct vn_acl_list *l, const char *name, struct vn_err *e)
{
	struct addrinfo *res, *ai;
	unsigned char a[16];
	int r = 0;

	if (vn_resolve(name, 0, AF_UNSPEC, SOCK_STREAM, 0, &res, e) < 0)
		return -1;
	for (ai = res; ai && r == 0; ai = ai->ai_next)
		if (to_v6(ai->ai_addr, a) == 0)
			r = push(l, a, 128, e);
	freeaddrinfo(res);
	return r;
}

/* Add one item, ADDR[/PREFIX] or a host name; item is modified. */
static int
add_item(struct vn_acl_list *l, char *item, struct vn_err *e)
{
	char *slash = strrchr(item, '/');
	struct in6_addr in6;
	struct in_addr in4;
	unsigned char a[16];
	int bits = -1;

	if (slash) {
		*slash = '\0';
		if ((bits = parse_prefix(slash + 1)) < 0)
			return vn_err_fail(e, VN_EBADPREFIX);
	}
	if (inet_pton(AF_INET, item, &in4) == 1) {
		if (bits > 32)
			return vn_err_fail(e, VN_EBADPREFIX);
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &in4, 4);
		return push(l, a, bits < 0 ? 128 : 96 + bits, e);
	}
	if (inet_pton(AF_INET6, item, &in6) == 1) {
		if (bits > 128)
			return vn_err_fail(e, VN_EBADPREFIX);
		return push(l, in6.s6_addr, bits < 0 ? 128 : bits, e);
	}
	if (!*item || looks_numeric(item))
		return vn_err_fail(e, VN_EBADADDR);
	if (slash)
		return vn_err_fail(e, VN_ENAMEPREFIX);
	return add_name(l, item, e);
}

int
vn_acl_add(struct vn_acl *acl, enum vn_acl_rule rule, const char *spec,
           struct vn_err *e)
{
	struct vn_acl_list *l = rule == VN_ACL_ALLOW ? &acl->allow : &acl->deny;
	char *copy = strdup(spec), *item, *comma;
	int r = 0;

	if (!copy)
		return vn_err_fail(e, ENOMEM);
	for (item = copy; r == 0; item = comma + 1) {
		comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		r = add_item(l, item, e);
		if (!comma)
			break;
	}
	free(copy);
	return r;
}

int
vn_acl_add_file(struct vn_acl *acl, enum vn_acl_rule rule, const char *path,
                unsigned long *line, struct vn_err *e)
{
	struct vn_acl_list *l = rule == VN_ACL_ALLOW ? &acl->allow : &acl->deny;
	FILE *f = fopen(path, "re");
	char *text = NULL, *item, *end;
	size_t cap = 0;
	ssize_t len;
	int r = 0, err;

	*line = 0;
	if (!f)
		return vn_err_fail(e, errno);
	if (rule == VN_ACL_ALLOW)
		acl->allow_file = 1;
	while (r == 0 && (len = getline(&text, &cap, f)) >= 0) {
		++*line;
		if (strlen(text) != (size_t)len) {
			r = vn_err_fail(e, VN_EBADADDR);
			break;
		}
		text[strcspn(text, "#")] = '\0';
		item = text + strspn(text, " \t\r\n");
		end = item + strcspn(item, " \t\r\n");
		if (end == item)
			continue;
		/* a second word, or a list: one item a line */
		if (end[strspn(end, " \t\r\n")] || memchr(item, ',', (size_t)(end - item))) {
			r = vn_err_fail(e, VN_EBADADDR);
			break;
		}
		*end = '\0';
		r = add_item(l, item, e);
	}
	/* a read error (EISDIR for a directory) */
	if (r == 0 && ferror(f)) {
		err = errno;
		*line = 0;
		r = vn_err_fail(e, err);
	}
	free(text);
	fclose(f);
	return r;
}

int
vn_acl_active(const struct vn_acl *acl)
{
	return acl->allow.n > 0 || acl->deny.n > 0 || acl->allow_file;
}

enum vn_acl_verdict
vn_acl_check(const struct vn_acl *acl, const struct sockaddr *sa)
{
	unsigned char a[16];

	if (!vn_acl_active(acl))
		return VN_ACL_SERVE;
	if (to_v6(sa, a) < 0 || in_list(&acl->deny, a))
		return VN_ACL_REFUSE;
	if ((acl->allow.n > 0 || acl->allow_file) && !in_list(&acl->allow, a))
		return VN_ACL_REFUSE;
	return VN_ACL_SERVE;
}

void
vn_acl_free(struct vn_acl *acl)
{
	free(acl->allow.net);
	free(acl->deny.net);
	memset(acl, 0, sizeof *acl);
}
