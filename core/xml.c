/*
 * core/xml.c: XML character references and entities as VLC 3's
 * vlc.strings.resolve_xml_special_chars and convert_xml_special_chars
 * handle them (see core/xml.h). No Lua.
 *
 * Where vlcnet differs from VLC, on purpose: a NUL byte is a byte like any
 * other (VLC stops at it); the digits of &#...; must follow "&#" or "&#x"
 * directly and there must be at least one (VLC's strtoul also takes blanks
 * and a sign, and drops "&#;"); a code point above 0x1FFFFF is dropped (VLC
 * leaves a stray byte).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

/* The HTML entities for U+00A0 to U+00FF, in code point order. */
static const char *const latin1[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
	"uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
	"deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
	"Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil",
	"Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
	"ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
	"Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig",
	"agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
	"egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
	"eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
	"oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

/* The other entities VLC resolves. */
static const struct {
	const char *name;
	uint32_t cp;
} others[] = {
	{ "quot", 0x22 }, { "amp", 0x26 }, { "apos", 0x27 }, { "lt", 0x3C },
	{ "gt", 0x3E }, { "OElig", 0x152 }, { "oelig", 0x153 },
	{ "Scaron", 0x160 }, { "scaron", 0x161 }, { "Yuml", 0x178 },
	{ "circ", 0x2C6 }, { "tilde", 0x2DC }, { "ndash", 0x2013 },
	{ "mdash", 0x2014 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "sbquo", 0x201A }, { "ldquo", 0x201C }, { "rdquo", 0x201D },
	{ "bdquo", 0x201E }, { "dagger", 0x2020 }, { "Dagger", 0x2021 },
	{ "hellip", 0x2026 }, { "permil", 0x2030 }, { "lsaquo", 0x2039 },
	{ "rsaquo", 0x203A }, { "euro", 0x20AC }, { "trade", 0x2122 },
};

enum { NAME_MAX_LEN = 6 };	/* the longest name above */

/* The code point of entity name (n bytes), or 0 when VLC does not know it. */
static uint32_t
entity(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof latin1 / sizeof *latin1; i++)
		if (strlen(latin1[i]) == n && !memcmp(latin1[i], name, n))
			return 0xA0 + (uint32_t)i;
	for (i = 0; i < sizeof others / sizeof *others; i++)
		if (strlen(others[i].name) == n && !memcmp(others[i].name, name, n))
			return others[i].cp;
	return 0;
}

/* Writes cp (at most 0x1FFFFF) as UTF-8 at p; returns the byte count. */
static size_t
put_utf8(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xE0 | cp >> 12);
		p[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | cp >> 18);
	p[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	p[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	p[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Returns the value of digit c in base 10 or 16, or -1. */
static int
digit(int c, int base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads the reference at s[0] == '&' (n bytes). Returns its length and its
 * code point in *cp (UINT32_MAX for one to drop), or 0 when it is not one.
 */
static size_t
reference(const char *s, size_t n, uint32_t *cp)
{
	size_t i = 1, start;
	int base = 10, d;
	uint32_t v = 0;

	if (n > 1 && s[1] == '#') {
		i = 2;
		if (n > 2 && s[2] == 'x') {	/* lower case only, as VLC */
			base = 16;
			i = 3;
		}
		for (start = i; i < n && (d = digit((unsigned char)s[i], base)) >= 0; i++)
			v = v > 0x1FFFFF ? v : v * (uint32_t)base + (uint32_t)d;
		if (i == start || i == n || s[i] != ';')
			return 0;
		*cp = v == 0 || v > 0x1FFFFF ? UINT32_MAX : v;
		return i + 1;
	}
	while (i < n && i <= NAME_MAX_LEN && s[i] != ';')
		i++;
	if (i == n || s[i] != ';' || !(v = entity(s + 1, i - 1)))
		return 0;
	*cp = v;
	return i + 1;
}

int
vn_xml_decode(const char *s, size_t n, struct vn_str *out)
{
	size_t i, len;
	uint32_t cp;

	/* No reference is shorter than its UTF-8 text. */
	if (n == SIZE_MAX || !(out->p = malloc(n + 1))) {
		errno = ENOMEM;
		return -1;
	}
	out->n = 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '&' && (len = reference(s + i, n - i, &cp)) > 0) {
			if (cp != UINT32_MAX)
				out->n += put_utf8(out->p + out->n, cp);
			i += len - 1;
		} else {
			out->p[out->n++] = s[i];
		}
	}
	out->p[out->n] = '\0';
	return 0;
}

/* Decodes the UTF-8 sequence at s (n > 0 bytes) into *cp; returns its length,
 * or 0 when it is not well-formed (RFC 3629: no overlong forms, surrogates or
 * code points above U+10FFFF). */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		*cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		*cp = s[0] & 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		*cp = s[0] & 0x07;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
		*cp = *cp << 6 | (s[i] & 0x3F);
	}
	return len;
}

int
vn_xml_encode(const char *s, size_t n, struct vn_str *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, len;
	uint32_t cp;
	const char *rep;

	/* The longest output per input byte is "&quot;". */
	if (n > (SIZE_MAX - 1) / 6 || !(out->p = malloc(6 * n + 1))) {
		errno = ENOMEM;
		return -1;
	}
	out->n = 0;
	for (i = 0; i < n; i += len) {
		if (!(len = utf8_next(u + i, n - i, &cp))) {
			free(out->p);
			out->p = NULL;
			errno = EILSEQ;
			return -1;
		}
		switch (cp) {
		case '"': rep = "&quot;"; break;
		case '&': rep = "&amp;"; break;
		case '\'': rep = "&#39;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		default: rep = NULL; break;
		}
		if (rep) {
			memcpy(out->p + out->n, rep, strlen(rep));
			out->n += strlen(rep);
		} else if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') {
			/* not allowed in XML */
		} else if (cp >= 0x80 && cp < 0xA0 && cp != 0x85) {
			out->n += (size_t)sprintf(out->p + out->n, "&#%u;", (unsigned)cp);
		} else {
			memcpy(out->p + out->n, s + i, len);
			out->n += len;
		}
	}
	out->p[out->n] = '\0';
	return 0;
}
