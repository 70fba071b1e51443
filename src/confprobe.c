/* confprobe.c: the values of the probe keys: wait = targets, http_status =, */
/* health = and its timings. */
#include <stdio.h>
#include <stdlib.h>

#include "config_int.h"
#include "http.h"
#include "parse.h"
#include "probe.h"

/*
 * wait = TARGET...: split like exec, so that a target with blanks is
 * quoted: wait = tcp:db:5432 'exec:pg_isready -h db'.
 */
static int
set_wait(struct hook *h, const char *v, char *err, size_t len)
{
	struct probe_target *t;
	char **words, e[400];
	int n, i;

	if (parse_argv(v, &words, &n, err, len) == -1)
		return -1;
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL) {
		argv_free(words);
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (probe_parse(words[i], &t[i], e, sizeof(e)) == -1) {
			snprintf(err, len, "%s", e);
			probe_targets_free(t, (size_t)i);
			argv_free(words);
			return -1;
		}
	argv_free(words);
	probe_targets_free(h->wait, h->nwait);
	h->wait = t;
	h->nwait = (size_t)n;
	return 0;
}

/* A duration that must not be 0. */
static int
set_period(const char *v, int64_t *ms, char *err, size_t len)
{
	int64_t d;

	if (parse_duration(v, &d, err, len) == -1)
		return -1;
	if (d == 0) {
		snprintf(err, len, "must be more than 0");
		return -1;
	}
	*ms = d;
	return 0;
}

int
conf_probe_set(struct sect *s, enum key k, const char *v, char *err,
    size_t len)
{
	struct app *a = s->app;
	int r = 0;

	switch (k) {
	case K_WAIT:
		return set_wait(s->hook, v, err, len);
	case K_HTTP_STATUS:
		return http_codes_parse(v, s->hook != NULL ? &s->hook->http_ok :
		    &a->http_ok, err, len);
	case K_HEALTH:
		probe_target_free(&a->health);
		return probe_parse(v, &a->health, err, len);
	case K_HEALTH_INTERVAL:
		return set_period(v, &a->health_interval_ms, err, len);
	case K_HEALTH_TIMEOUT:
		return set_period(v, &a->health_timeout_ms, err, len);
	case K_HEALTH_START_PERIOD:
		return parse_duration(v, &a->health_start_period_ms, err, len);
	case K_HEALTH_RETRIES:
		if ((r = parse_uint(v, 1000000, &a->health_retries, err,
		    len)) == 0 && a->health_retries == 0) {
			snprintf(err, len, "must be 1 or more");
			r = -1;
		}
		return r;
	default:
		snprintf(err, len, "not a probe key");
		return -1;
	}
}
