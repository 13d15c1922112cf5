/* core/acl.h: --allow and --deny, which clients a listener serves, decided on
 * the client's address alone, right after accept. No Lua here.
 *
 * Every address is kept in IPv6 form, an IPv4 one as ::ffff:a.b.c.d with its
 * prefix counted from there (a.b.c.d/24 is ::ffff:a.b.c.d/120), as ncat does:
 * so an IPv4 rule matches an IPv4 client and an IPv4-mapped IPv6 one alike,
 * and ::/0 matches every client. */
#ifndef VN_ACL_H
#define VN_ACL_H

#include <stddef.h>
#include <sys/socket.h>

#include "net.h"

/* One network: an address and how many of its leading bits a client's
 * address must share with it. */
struct vn_acl_net {
	unsigned char addr[16];   /* IPv6 form, the bits past `bits` cleared */
	int bits;                 /* 0..128 */
};

struct vn_acl_list {
	struct vn_acl_net *net;
	size_t n, cap;
};

/* The rules of one listener; all zero (`{0}`) is the empty set, which serves
 * every client. */
struct vn_acl {
	struct vn_acl_list allow, deny;
	int allow_file;   /* an --allowfile was read: an allow list, if empty */
};

enum vn_acl_rule { VN_ACL_ALLOW, VN_ACL_DENY };

/* What a listener does with a client. */
enum vn_acl_verdict {
	VN_ACL_SERVE,
	VN_ACL_REFUSE
};

/* Add the networks SPEC names to RULE's list. SPEC is one or more items
 * separated by commas (as ncat takes them), each an IPv4 or IPv6 address with
 * an optional /PREFIX (0-32 for IPv4, 0-128 for IPv6; host bits past it are
 * ignored), or a host name, which stands for every address it resolves to
 * (and takes no /PREFIX). Returns 0, or -1 with *e set: VN_EBADADDR (empty,
 * or numeric-looking but not an address: "127.1", "10.0.0.*", "::1::"),
 * VN_EBADPREFIX, VN_ENAMEPREFIX, a resolver code (VN_ENOHOST…), or ENOMEM.
 * On failure the items before the bad one stay added. */
int vn_acl_add(struct vn_acl *acl, enum vn_acl_rule rule, const char *spec,
               struct vn_err *e);

/* Add the networks the file PATH lists to RULE's list: one item per line as
 * vn_acl_add takes them, but one only (no commas), blanks around it ignored,
 * from a '#' to the end of the line a comment, blank lines skipped. An allow
 * file makes an allow list even when it lists nothing: then no client is
 * served (as ncat's --allowfile). Returns 0, or -1 with *e set and *line the
 * number of the bad line (from 1; VN_EBADADDR for a line of two items or with
 * a NUL byte), or *line 0 when the file could not be read (e->code the errno:
 * ENOENT, EACCES, EISDIR…). The lines before a bad one stay added. */
int vn_acl_add_file(struct vn_acl *acl, enum vn_acl_rule rule, const char *path,
                    unsigned long *line, struct vn_err *e);

/* Whether any rule was added. */
int vn_acl_active(const struct vn_acl *acl);

/* The verdict for a client at SA (AF_INET or AF_INET6): refused when it is in
 * a --deny network (deny wins), or when there is an allow list (any --allow
 * network, or an --allowfile) and it is in none of its networks; served
 * otherwise. A client of another family is served
 * only when there are no rules at all. */
enum vn_acl_verdict vn_acl_check(const struct vn_acl *acl, const struct sockaddr *sa);

/* Free the lists; *acl is then the empty set again. */
void vn_acl_free(struct vn_acl *acl);

#endif
