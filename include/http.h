/* http.h: the little of HTTP/1.1 a probe needs: its request, the status line, http_status lists. Pure. */
#ifndef HOOKRUN_HTTP_H
#define HOOKRUN_HTTP_H

#include <stddef.h>

#include "target.h"

/*
 * "200 204, 401": statuses 100 to 599, separated by blanks or commas, added
 * to c (left untouched on error). -1 with a reason in err.
 */
int	 http_codes_parse(const char *s, struct http_codes *c, char *err,
	    size_t len);
/* 1 when code is in c. */
int	 http_codes_has(const struct http_codes *c, int code);
/* 1 when the status means the target is up: 2xx, 3xx, or one in c. */
int	 http_status_ok(const struct http_codes *c, int code);

/*
 * The start of an answer, buf[0..len): 1 once "HTTP/x.y NNN" and the byte
 * after it are there (*code set), 0 while it may still become one, -1 when
 * it cannot (not HTTP).
 */
int	 http_status_line(const char *buf, size_t len, int *code);

/*
 * A GET of t->path on t->host:t->port, closing the connection after the
 * answer. Returns its length, or -1 when it does not fit in len.
 */
int	 http_request(const struct probe_target *t, char *buf, size_t len);

#endif
