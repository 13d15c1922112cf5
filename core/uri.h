/* core/uri.h: percent-encoding and file URIs with the rules of VLC 3's
 * vlc.strings helpers (decode_uri, encode_uri_component, make_uri,
 * make_path). No Lua. Inputs are n bytes, NULs included; each function
 * returns 0 and a result in *out (release with free(out->p)), or -1 with
 * errno set and nothing in *out. */
#ifndef VN_URI_H
#define VN_URI_H

#include "str.h"

/* The value of the hex digit c, or -1 when c is not one. */
int vn_hexval(int c);

/* Decodes every %XX. EINVAL: a '%' not followed by two hex digits. */
int vn_uri_decode(const char *s, size_t n, struct vn_str *out);

/* Encodes every byte but the RFC 3986 unreserved ones (A-Z a-z 0-9 - . _ ~)
 * as %XX, upper-case hex. Only ENOMEM. */
int vn_uri_encode(const char *s, size_t n, struct vn_str *out);

/* The URI of a local path: SCHEME:// (default "file") and the path's
 * components, each encoded; a relative path is taken from the working
 * directory; "-" without a scheme is "fd://0" (standard input). EINVAL: an
 * empty path; getcwd's errors. */
int vn_uri_from_path(const char *path, size_t n, const char *scheme,
    struct vn_str *out);

/* The local path a file:// or fd:// URI names, decoded, without its ?query
 * and #fragment: "file:///a%20b" is "/a b", "file://localhost/x" is "/x",
 * "fd://0", "fd://1", "fd://2" are /dev/stdin, /dev/stdout, /dev/stderr and
 * "fd://N" /dev/fd/N. EINVAL: any other URI, a bad escape, a NUL byte. */
int vn_uri_to_path(const char *uri, size_t n, struct vn_str *out);

#endif
