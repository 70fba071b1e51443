/* probeparse.c: a probe's text into a struct probe_target: tcp:, http://, unix:, exec:. Pure. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "parse.h"
#include "probe.h"

#define HOST_MAX	253
#define PATH_MAX_HTTP	1024
#define QUOTE_MAX	60

static int
host_ok(const char *h, size_t n)
{
	size_t i;

	if (n == 0 || n > HOST_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) &&
		    strchr(".-_:%", h[i]) == NULL)
			return 0;
	return 1;
}

/* "1".."65535", digits only. */
static int
port_parse(const char *s, size_t n, int *port, const char *what, char *err,
    size_t len)
{
	long v = 0;
	size_t i;

	if (n == 0) {
		snprintf(err, len, "%s: missing port after ':'", what);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i])) {
			snprintf(err, len, "%s: port '%.*s' is not a number",
			    what, (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
			return -1;
		}
		if (v <= 65535)
			v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535) {
		snprintf(err, len, "%s: port %.*s is out of range (1 to 65535)",
		    what, (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
		return -1;
	}
	*port = (int)v;
	return 0;
}

/*
 * HOST:PORT, [HOST]:PORT, or without ":PORT" when defport > 0. A bare IPv6
 * address is taken for tcp: (bare_v6), where the last ':' ends it.
 */
static int
hostport_parse(const char *s, size_t n, int defport, int bare_v6,
    struct probe_target *t, const char *what, char *err, size_t len)
{
	const char *h = s, *colon = NULL, *e = s + n;
	size_t hn;

	if (n > 0 && s[0] == '[') {
		if ((colon = memchr(s, ']', n)) == NULL) {
			snprintf(err, len, "%s: missing ']' after the IPv6 "
			    "address", what);
			return -1;
		}
		h = s + 1;
		hn = (size_t)(colon - h);
		colon++;
		if (colon != e && *colon != ':') {
			snprintf(err, len, "%s: expected ':PORT' after ']'",
			    what);
			return -1;
		}
		if (colon == e)
			colon = NULL;
	} else {
		colon = bare_v6 ? memrchr(s, ':', n) : memchr(s, ':', n);
		hn = colon != NULL ? (size_t)(colon - s) : n;
		if (!bare_v6 && colon != NULL &&
		    memchr(colon + 1, ':', (size_t)(e - colon - 1)) != NULL) {
			snprintf(err, len, "%s: an IPv6 address goes in "
			    "brackets: [::1]", what);
			return -1;
		}
	}
	if (hn == 0) {
		snprintf(err, len, "%s: missing host", what);
		return -1;
	}
	if (!host_ok(h, hn)) {
		snprintf(err, len, "%s: bad host '%.*s'", what,
		    (int)(hn > QUOTE_MAX ? QUOTE_MAX : hn), h);
		return -1;
	}
	if (colon != NULL) {
		if (port_parse(colon + 1, (size_t)(e - colon - 1), &t->port,
		    what, err, len) == -1)
			return -1;
	} else if (defport > 0)
		t->port = defport;
	else {
		snprintf(err, len, "%s: missing ':PORT'", what);
		return -1;
	}
	if ((t->host = strndup(h, hn)) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	return 0;
}

/* http://HOST[:PORT][/PATH][?QUERY][#FRAGMENT, dropped] */
static int
http_parse(const char *s, struct probe_target *t, char *err, size_t len)
{
	const char *auth = s + strlen("http://"), *p;
	size_t an = strcspn(auth, "/?#"), pn, i;

	if (memchr(auth, '@', an) != NULL) {
		snprintf(err, len, "http://: a user or password in the URL "
		    "is not supported");
		return -1;
	}
	if (hostport_parse(auth, an, 80, 0, t, "http://HOST:PORT/PATH", err,
	    len) == -1)
		return -1;
	p = auth + an;
	pn = strcspn(p, "#");
	for (i = 0; i < pn; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f) {
			snprintf(err, len, "http://HOST:PORT/PATH: the path "
			    "has a blank or control character (percent-"
			    "encode it)");
			return -1;
		}
	if (pn > PATH_MAX_HTTP) {
		snprintf(err, len, "http://HOST:PORT/PATH: the path is longer "
		    "than %d bytes", PATH_MAX_HTTP);
		return -1;
	}
	if (asprintf(&t->path, "%s%.*s", pn == 0 || p[0] == '?' ? "/" : "",
	    (int)pn, p) == -1) {
		t->path = NULL;
		snprintf(err, len, "out of memory");
		return -1;
	}
	return 0;
}

static int
unix_parse(const char *arg, struct probe_target *t, char *err, size_t len)
{
	struct sockaddr_un sa;

	if (arg[0] != '/' && arg[0] != '@') {
		snprintf(err, len, "unix:PATH needs an absolute path (or "
		    "@NAME for an abstract socket)");
		return -1;
	}
	if (arg[1] == '\0' || strlen(arg) >= sizeof(sa.sun_path)) {
		snprintf(err, len, "unix:PATH: the path must have 1 to %zu "
		    "bytes", sizeof(sa.sun_path) - 1);
		return -1;
	}
	if ((t->path = strdup(arg)) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	return 0;
}

int
probe_parse(const char *s, struct probe_target *t, char *err, size_t len)
{
	const char *colon;
	int argc, r;

	memset(t, 0, sizeof(*t));
	if (strncmp(s, "tcp:", 4) == 0) {
		t->kind = PROBE_TCP;
		r = hostport_parse(s + 4, strlen(s + 4), 0, 1, t,
		    "tcp:HOST:PORT", err, len);
	} else if (strncmp(s, "http://", 7) == 0) {
		t->kind = PROBE_HTTP;
		r = http_parse(s, t, err, len);
	} else if (strncmp(s, "unix:", 5) == 0) {
		t->kind = PROBE_UNIX;
		r = unix_parse(s + 5, t, err, len);
	} else if (strncmp(s, "exec:", 5) == 0) {
		t->kind = PROBE_EXEC;
		r = parse_argv(s + 5, &t->argv, &argc, err, len);
	} else if (strncmp(s, "https://", 8) == 0) {
		snprintf(err, len, "https:// is not supported (hookrun has "
		    "no TLS): use tcp:HOST:PORT, or exec: with curl");
		return -1;
	} else {
		colon = strchr(s, ':');
		snprintf(err, len, "unknown probe '%.*s%s' (use " PROBE_KINDS
		    ")", colon != NULL && colon - s < QUOTE_MAX ?
		    (int)(colon - s + 1) : QUOTE_MAX, s,
		    colon == NULL && strlen(s) > QUOTE_MAX ? "..." : "");
		return -1;
	}
	if (r == 0 && (t->text = strdup(s)) == NULL) {
		snprintf(err, len, "out of memory");
		r = -1;
	}
	if (r == -1)
		probe_target_free(t);
	return r;
}

void
probe_target_free(struct probe_target *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->host);
	free(t->path);
	argv_free(t->argv);
	memset(t, 0, sizeof(*t));
}

void
probe_targets_free(struct probe_target *t, size_t n)
{
	size_t i;

	for (i = 0; t != NULL && i < n; i++)
		probe_target_free(&t[i]);
	free(t);
}

int
probe_has_name(const struct probe_target *t)
{
	const char *h = t->host;

	if (h == NULL)
		return 0;
	/* An IPv6 address has a ':'; an IPv4 one only digits and dots. */
	return strchr(h, ':') == NULL && strspn(h, "0123456789.") != strlen(h);
}
