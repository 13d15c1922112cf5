/* core/charset.h: text from another character set to UTF-8 (iconv), as VLC
 * 3's vlc.strings.from_charset. No Lua. */
#ifndef VN_CHARSET_H
#define VN_CHARSET_H

#include "str.h"

/* Converts the n bytes at s from charset (any name iconv_open knows) to
 * UTF-8 into *out (release with free(out->p)). Returns 0, or -1 with errno:
 * EINVAL an unknown charset or input that ends inside a character, EILSEQ
 * input that is not in that charset, ENOMEM. */
int vn_charset_to_utf8(const char *charset, const char *s, size_t n,
    struct vn_str *out);

#endif
