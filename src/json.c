/* json.c: strings as JSON string bodies, escaped and always valid UTF-8: */
/* a hook or a lock command may print any bytes, and every log line must parse. */
#include <stdio.h>
#include <string.h>

#include "json.h"

size_t
json_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* The escaped form of the character at s into out; its byte count in *used. */
static size_t
escape_one(const unsigned char *s, size_t n, char out[8], size_t *used)
{
	size_t len;

	*used = 1;
	switch (s[0]) {
	case '"':
		return (size_t)snprintf(out, 8, "\\\"");
	case '\\':
		return (size_t)snprintf(out, 8, "\\\\");
	case '\n':
		return (size_t)snprintf(out, 8, "\\n");
	case '\t':
		return (size_t)snprintf(out, 8, "\\t");
	}
	if (s[0] < 0x20 || s[0] == 0x7f)
		return (size_t)snprintf(out, 8, "\\u%04x", s[0]);
	if ((len = json_utf8_len(s, n)) == 0)
		return (size_t)snprintf(out, 8, "\\ufffd");
	memcpy(out, s, len);
	*used = len;
	return len;
}

size_t
json_escape(char *buf, size_t len, size_t off, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k, used;
	char e[8];

	if (len == 0)
		return 0;
	if (off >= len)
		off = len - 1;
	while (n > 0) {
		k = escape_one(p, n, e, &used);
		if (off + k >= len)
			break;
		memcpy(buf + off, e, k);
		off += k;
		p += used;
		n -= used;
	}
	buf[off] = '\0';
	return off;
}

void
json_fputs(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k, used;
	char e[8];

	fputc('"', out);
	while (n > 0) {
		k = escape_one(p, n, e, &used);
		fwrite(e, 1, k, out);
		p += used;
		n -= used;
	}
	fputc('"', out);
}
