/* confread.c: reads the file line by line for inih: counts lines, finds */
/* section headers, comments and key lines, and hands each key line on. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"

/*
 * Debian's inih splits long lines in silence, ends values at " ;", joins
 * indented lines to the previous value, merges repeated sections and gives
 * the handler no line number. So the reader below reads whole lines itself,
 * counts them, handles section headers (repeats are errors), blank lines and
 * comments, and hands inih only "key=value" (or just "key=" when that would
 * not fit inih's buffer); the handler takes the key and value from the
 * reader's own copy. An indented line is an ordinary line: there are no
 * continuation lines.
 */

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Copies text and a newline into inih's buffer when they fit. */
static int
feed(char *str, int num, const char *text)
{
	size_t n = strlen(text);

	if (num < 2 || n + 2 > (size_t)num)
		return 0;
	memcpy(str, text, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return 1;
}

/* inih's line reader: see the comment at the top. */
char *
config_reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	char *p, *sep, *e;
	size_t len = 0, klen, vlen;
	int c, nul = 0, toolong = 0;

	if (ld->stopped || num < 3)
		return NULL;
	if (ld->pending)
		ld_err(ld, ld->lineno, "line not parsed");	/* cannot be */
	ld->pending = 0;
	while ((c = getc(ld->fp)) != EOF && c != '\n') {
		if (len < sizeof(ld->buf) - 1)
			ld->buf[len++] = (char)c;
		else
			toolong = 1;
		nul |= c == '\0';
	}
	if (c == EOF && len == 0) {
		if (ferror(ld->fp))
			ld_err(ld, 0, "read: %s", strerror(errno));
		return NULL;
	}
	if (len > 0 && ld->buf[len - 1] == '\r')
		len--;		/* CRLF line endings */
	ld->buf[len] = '\0';
	ld->lineno++;
	if (toolong || len > LINE_MAX_BYTES) {
		ld_err(ld, ld->lineno, "line longer than %d bytes",
		    LINE_MAX_BYTES);
		ld->stopped = 1;
		return NULL;
	}
	p = ld->buf;
	if (ld->lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* a UTF-8 byte order mark */
	p = trim(p);
	if (nul) {
		ld_err(ld, ld->lineno, "line contains a NUL byte");
		p = "";
	}
	if (*p == '\0' || *p == ';' || *p == '#') {
		feed(str, num, "");
		return str;
	}
	if (*p == '[') {
		e = p + strlen(p) - 1;
		if (*e != ']' || e == p) {
			ld_err(ld, ld->lineno, "malformed section header: "
			    "expected [NAME]");
			ld->cur = &ld->bad;	/* its keys are not checked */
			p = "";
		} else {
			*e = '\0';
			section_begin(ld, p + 1);
			*e = ']';
		}
		if (!feed(str, num, p))	/* inih's section is not used */
			feed(str, num, "");
		return str;
	}
	/* inih splits at the first '=' or ':': so do we */
	if ((sep = strpbrk(p, "=:")) == NULL || sep == p) {
		if (sep == NULL)
			ld_err(ld, ld->lineno, "expected 'key = value', "
			    "'[section]' or a comment");
		else
			ld_err(ld, ld->lineno, "missing key before '%c'", *sep);
		feed(str, num, "");
		return str;
	}
	*sep = '\0';
	ld->key = trim(p);
	ld->value = trim(sep + 1);
	ld->pending = 1;
	klen = strlen(ld->key);
	vlen = strlen(ld->value);
	if (klen + 3 > (size_t)num)
		klen = (size_t)num - 3;
	if (klen + vlen + 3 > (size_t)num)
		vlen = 0;
	memcpy(str, ld->key, klen);
	str[klen] = '=';
	memcpy(str + klen + 1, ld->value, vlen);
	memcpy(str + klen + 1 + vlen, "\n", 2);
	return str;
}

int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct loader *ld = user;
	struct sect *s = ld->cur;

	(void)section;	/* ours: inih's is cut at 50 bytes and merges repeats */
	(void)name;	/* ours: inih's may be cut to fit its buffer */
	(void)value;	/* ours: inih's is cut at 200 bytes */
	if (!ld->pending)
		return 1;
	ld->pending = 0;
	/* after a bad header, its error says it all */
	if (s == NULL)
		ld_err(ld, ld->lineno, "key '%s' outside any section", ld->key);
	else if (s->kind != S_BAD)
		key_apply(ld, s);
	return 1;
}
