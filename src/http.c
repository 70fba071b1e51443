/* http.c: the little of HTTP/1.1 a probe needs: its GET request, the answer's status line, http_status lists. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

#define QUOTE_MAX	40

static void
http_codes_add(struct http_codes *c, int code)
{
	if (code >= HTTP_CODE_MIN && code <= HTTP_CODE_MAX)
		c->bits[code / 64] |= (uint64_t)1 << (code % 64);
}

int
http_codes_has(const struct http_codes *c, int code)
{
	if (code < HTTP_CODE_MIN || code > HTTP_CODE_MAX)
		return 0;
	return (c->bits[code / 64] >> (code % 64)) & 1;
}

int
http_status_ok(const struct http_codes *c, int code)
{
	return (code >= 200 && code <= 399) || http_codes_has(c, code);
}

int
http_codes_parse(const char *s, struct http_codes *c, char *err, size_t len)
{
	struct http_codes got;
	const char *p = s, *w;
	int n, need = 0, any = 0;

	memset(&got, 0, sizeof(got));
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p == ',')
			goto bad;
		n = 0;
		for (w = p; *p != '\0' && *p != ',' && *p != ' ' && *p != '\t';
		    p++)
			n = isdigit((unsigned char)*p) && n < 1000 ?
			    n * 10 + (*p - '0') : 1000;
		if (n < HTTP_CODE_MIN || n > HTTP_CODE_MAX) {
			snprintf(err, len, "'%.*s' is not an HTTP status "
			    "(use 100 to 599)", (int)(p - w > QUOTE_MAX ?
			    QUOTE_MAX : p - w), w);
			return -1;
		}
		http_codes_add(&got, n);
		any = 1;
		need = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',') {
			p++;
			need = 1;
		}
	}
	if (need || !any)
		goto bad;
	for (n = 0; n < (int)(sizeof(got.bits) / sizeof(got.bits[0])); n++)
		c->bits[n] |= got.bits[n];
	return 0;
bad:
	snprintf(err, len, "expected HTTP statuses separated by blanks or "
	    "commas, such as '200 401'");
	return -1;
}

/*
 * "HTTP/" DIGIT ["." DIGIT] " " 3DIGIT, then a blank or the end of the line.
 * Checked a byte at a time, so that an answer that is not HTTP (an SSH or
 * SMTP banner) is known as soon as it differs.
 */
int
http_status_line(const char *buf, size_t len, int *code)
{
	static const char proto[] = "HTTP/";
	size_t i = 0, k;
	int c = 0;

	for (k = 0; proto[k] != '\0'; k++, i++) {
		if (i == len)
			return 0;
		if (buf[i] != proto[k])
			return -1;
	}
	if (i == len)
		return 0;
	if (!isdigit((unsigned char)buf[i++]))
		return -1;
	if (i == len)
		return 0;
	if (buf[i] == '.') {
		if (++i == len)
			return 0;
		if (!isdigit((unsigned char)buf[i++]))
			return -1;
		if (i == len)
			return 0;
	}
	if (buf[i++] != ' ')
		return -1;
	for (k = 0; k < 3; k++, i++) {
		if (i == len)
			return 0;
		if (!isdigit((unsigned char)buf[i]))
			return -1;
		c = c * 10 + (buf[i] - '0');
	}
	if (i == len)
		return 0;
	if (buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
		return -1;
	if (c < HTTP_CODE_MIN)
		return -1;
	*code = c;
	return 1;
}

int
http_request(const struct probe_target *t, char *buf, size_t len)
{
	char port[16] = "";
	const char *lb = "", *rb = "";
	int n;

	if (strchr(t->host, ':') != NULL) {
		lb = "[";
		rb = "]";
	}
	if (t->port != 80)
		snprintf(port, sizeof(port), ":%d", t->port);
	n = snprintf(buf, len, "GET %s HTTP/1.1\r\n"
	    "Host: %s%s%s%s\r\n"
	    "User-Agent: hookrun/" HOOKRUN_VERSION "\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n"
	    "\r\n", t->path, lb, t->host, rb, port);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}
