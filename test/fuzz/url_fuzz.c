/* test/fuzz/url_fuzz.c: vn_url_parse and vn_url_free on arbitrary bytes. The
 * input is copied and NUL-terminated (an embedded NUL ends the URL early, as
 * it does for a Lua string passed through luaL_checkstring). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/url.h"

/* Every field the parser returns must be a string inside u->buf (it may be
 * empty: a part the URL has but leaves empty is "", as in VLC). */
static void
check_field(const struct vn_url *u, const char *s)
{
	if (s && s < u->buf)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct vn_url u;
	const char *why = NULL;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (vn_url_parse(s, &u, &why) == 0) {
		check_field(&u, u.protocol);
		check_field(&u, u.username);
		check_field(&u, u.password);
		check_field(&u, u.host);
		check_field(&u, u.path);
		check_field(&u, u.option);
		if (u.port > 65535)
			abort();
		vn_url_free(&u);
	} else if (!why || u.buf || u.host) {
		abort();
	}
	free(s);
	return 0;
}
