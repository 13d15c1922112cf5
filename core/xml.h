/* core/xml.h: XML character references and entities, with the rules of VLC
 * 3's vlc.strings.resolve_xml_special_chars and convert_xml_special_chars.
 * No Lua. Inputs are n bytes, NULs included; each function returns 0 and a
 * result in *out (release with free(out->p)), or -1 with errno set. */
#ifndef VN_XML_H
#define VN_XML_H

#include "str.h"

/* Replaces &#DDD; and &#xHHH; by the code point in UTF-8 (&#0; and code
 * points above 0x1FFFFF by nothing), and the HTML entities VLC knows (&lt;
 * &gt; &amp; &quot; &apos;, the Latin-1 ones such as &eacute;, and a few
 * more such as &euro; and &hellip;) by their UTF-8 text. Anything else, an
 * '&' without a known name and ';' included, stays as it is. Only ENOMEM. */
int vn_xml_decode(const char *s, size_t n, struct vn_str *out);

/* Escapes UTF-8 text for XML: " & ' < > become &quot; &amp; &#39; &lt; &gt;,
 * C0 controls other than tab, LF and CR are dropped (NUL included), C1
 * controls other than U+0085 become &#N;. EILSEQ: s is not valid UTF-8. */
int vn_xml_encode(const char *s, size_t n, struct vn_str *out);

#endif
