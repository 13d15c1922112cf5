/* core/str.h: a byte string the callee allocated, for results that may hold
 * any byte (NULs included). No Lua. */
#ifndef VN_STR_H
#define VN_STR_H

#include <stddef.h>

struct vn_str {
	char *p;	/* n bytes and a NUL after them; free(p) releases */
	size_t n;
};

#endif
