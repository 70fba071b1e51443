/* confval.c: sets one key's value into the config, hook or app it belongs */
/* to, checking it: durations, words, ready =, env =, paths. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "parse.h"
#include "trust.h"
#include "probe.h"

#define ECHO_MAX	80	/* longest value quoted in a message */
#define ONCE_KEY_MAX	256	/* bytes */

/* A value short enough to quote in a message. */
static const char *
echo(const char *v, char *buf, size_t len)
{
	if (strlen(v) <= ECHO_MAX)
		return v;
	snprintf(buf, len, "%.*s...", ECHO_MAX, v);
	return buf;
}

static int
strv_push(char ***v, size_t *n, char *s)
{
	char **nv;

	if ((nv = realloc(*v, (*n + 2) * sizeof(*nv))) == NULL)
		return -1;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* Relative paths in the file are relative to the file's directory. */
static char *
rel_path(struct loader *ld, const char *p)
{
	char *s;

	if (p[0] == '/' || ld->dir == NULL)
		return strdup(p);
	if (asprintf(&s, "%s/%s", strcmp(ld->dir, "/") == 0 ? "" : ld->dir,
	    p) == -1)
		return NULL;
	return s;
}

/* One of words (NULL-terminated); *out is its index. */
static int
set_word(const char *v, const char *const *words, int *out, char *err,
    size_t len)
{
	const char *close;
	char eb[ECHO_MAX + 4];
	size_t off;
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(v, words[i]) == 0) {
			*out = i;
			return 0;
		}
	off = (size_t)snprintf(err, len, "'%s' is not",
	    echo(v, eb, sizeof(eb)));
	for (i = 0; words[i] != NULL && off < len; i++)
		off += (size_t)snprintf(err + off, len - off, "%s %s",
		    i == 0 ? "" : words[i + 1] == NULL ? " or" : ",", words[i]);
	if ((close = parse_closest(v, words)) != NULL && off < len)
		snprintf(err + off, len - off, " (did you mean '%s'?)", close);
	return -1;
}

/* ready = none | notify | fd:N | delay:D | a probe (tcp:, http://, unix:, exec:) */
static int
set_ready(struct app *a, const char *v, char *err, size_t len)
{
	static const char *const words[] = {	/* in enum ready_kind order */
		"none", "notify", "fd:", "tcp:", "exec:", "delay:", "http://",
		"unix:", NULL
	};
	const char *arg = NULL;
	char *end, eb[ECHO_MAX + 4];
	long n;
	int i;

	for (i = 0; words[i] != NULL; i++) {
		size_t wl = strlen(words[i]);

		if (words[i][wl - 1] == ':' || words[i][wl - 1] == '/' ?
		    strncmp(v, words[i], wl) == 0 : strcmp(v, words[i]) == 0) {
			arg = v + wl;
			break;
		}
	}
	if (words[i] == NULL) {
		snprintf(err, len, "'%s' is not none, notify, fd:N, "
		    "delay:DURATION or a probe (" PROBE_KINDS ")",
		    echo(v, eb, sizeof(eb)));
		return -1;
	}
	free(a->ready_arg);
	a->ready_arg = NULL;
	probe_target_free(&a->ready_probe);
	a->ready = (enum ready_kind)i;
	if (i >= READY_FD && (a->ready_arg = strdup(arg)) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	switch (a->ready) {
	case READY_FD:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (!isdigit((unsigned char)*arg) || *end != '\0' || errno ||
		    n < 3 || n > INT_MAX) {
			snprintf(err, len, "fd:N needs a descriptor number of "
			    "3 or more");
			return -1;
		}
		a->ready_fd = (int)n;
		break;
	case READY_TCP:
	case READY_EXEC:
	case READY_HTTP:
	case READY_UNIX:
		return probe_parse(v, &a->ready_probe, err, len);
	case READY_DELAY:
		return parse_duration(arg, &a->ready_delay_ms, err, len);
	default:
		break;
	}
	return 0;
}

static int
set_env(struct proc *pr, char *v, char *err, size_t len)
{
	char *eq = strchr(v, '=');

	if (eq == NULL || !parse_env_name(v, (size_t)(eq - v))) {
		snprintf(err, len, "expected NAME=VALUE with a valid "
		    "variable name");
		return -1;
	}
	return strv_push(&pr->env, &pr->nenv, v);
}

/*
 * A once key goes into a line of the records, or a lock service's table:
 * one line, printable, of a bounded size. A control character (a newline
 * in ${RELEASE} would record two keys) is an error, not a key.
 */
static int
once_key_ok(const char *v, char *err, size_t len)
{
	const unsigned char *p;

	if (strlen(v) > ONCE_KEY_MAX) {
		snprintf(err, len, "the key is %zu bytes long, more than %d",
		    strlen(v), ONCE_KEY_MAX);
		return -1;
	}
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, len, "the key has a control character "
			    "(0x%02x) at byte %zu", *p,
			    (size_t)(p - (const unsigned char *)v) + 1);
			return -1;
		}
	return 0;
}

/* exports = KEY...: names, by blanks or commas; hookrun's own are refused. */
static int
set_exports(struct hook *h, const char *v, char *err, size_t len)
{
	const char *p = v;
	size_t n;
	char *name;

	while (*p != '\0') {
		if (*p == ' ' || *p == '\t' || *p == ',') {
			p++;
			continue;
		}
		n = strcspn(p, " \t,");
		if (!parse_env_name(p, n) || parse_env_reserved(p, n)) {
			snprintf(err, len, "'%.*s' %s", (int)(n > 64 ? 64 : n),
			    p, parse_env_reserved(p, n) ? "is set by hookrun "
			    "itself: no hook may export it" :
			    "is not a variable name");
			return -1;
		}
		if ((name = strndup(p, n)) == NULL ||
		    strv_push(&h->exports, &h->nexports, name) == -1) {
			free(name);
			snprintf(err, len, "out of memory");
			return -1;
		}
		p += n;
	}
	if (h->nexports == 0) {
		snprintf(err, len, "no variable name");
		return -1;
	}
	return 0;
}

/* As root, an env_file others can change is refused (when it exists yet). */
static int
env_file_trusted(struct loader *ld, const char *path, char *err, size_t len)
{
	char why[PATH_MAX + 64];

	if (trust_path(path, TRUST_MISSING_OK, why, sizeof(why)) != -1)
		return 0;
	snprintf(err, len, "%s: %s%s", path, why, TRUST_HINT);
	ld->untrusted++;
	return -1;
}

/* Takes v: frees it or keeps it. */
int
value_set(struct loader *ld, struct sect *s, enum key k, char *v, char *err,
    size_t len)
{
	static const char *const restarts[] = {
		"no", "on-failure", "always", NULL
	};
	static const char *const failures[] = { "abort", "ignore", NULL };
	static const char *const formats[] = { "text", "json", NULL };
	static const char *const unhealthy[] = {	/* enum on_unhealthy */
		"restart", "stop", "ignore", NULL
	};
	struct config *c = s->cfg;
	struct hook *h = s->hook;
	struct proc *pr = h != NULL ? &h->proc : s->app != NULL ?
	    &s->app->proc : NULL;
	char **slot = NULL, *p, eb[ECHO_MAX + 4];
	int r = 0, w, argc;

	if (*v == '\0' && k == K_WAIT) {
		snprintf(err, len, "no target (use one or more of "
		    PROBE_KINDS ")");
		free(v);
		return -1;
	}
	if (*v == '\0' && k != K_HOOKS_DIR && k != K_STATUS_FILE) {
		snprintf(err, len, "empty value");
		free(v);
		return -1;
	}
	switch (k) {
	case K_HOOKS_DIR:
		free(c->hooks_dir);
		c->hooks_dir = *v == '\0' ? NULL : rel_path(ld, v);
		c->hooks_dir_set = 1;
		if (*v != '\0' && c->hooks_dir == NULL)
			goto nomem;
		break;
	case K_TIMEOUT:
		r = parse_duration(v, h != NULL ? &h->timeout_ms :
		    c != NULL ? &c->timeout_ms : &s->phase->timeout_ms,
		    err, len);
		break;
	case K_KILL_TIMEOUT:
		r = parse_duration(v, &c->kill_timeout_ms, err, len);
		break;
	case K_STOP_TIMEOUT:
		r = parse_duration(v, &c->stop_timeout_ms, err, len);
		break;
	case K_RESTART_DELAY:
		r = parse_duration(v, &c->restart_delay_ms, err, len);
		break;
	case K_RESTART_DELAY_MAX:
		r = parse_duration(v, &c->restart_delay_max_ms, err, len);
		break;
	case K_RESTART:
		if ((r = set_word(v, restarts, &w, err, len)) == 0)
			c->restart = (enum restart_policy)w;
		break;
	case K_RESTART_LIMIT:
		r = parse_rate(v, &c->restart_limit, &c->restart_window_ms,
		    err, len);
		break;
	case K_LOG_FORMAT:
		if ((r = set_word(v, formats, &c->log_json, err, len)) == 0)
			c->log_json_set = 1;
		break;
	case K_DEADLINE:
		r = parse_duration(v, &s->phase->deadline_ms, err, len);
		break;
	case K_ON_FAILURE:
		if ((r = set_word(v, failures, &w, err, len)) == 0 &&
		    h != NULL)
			h->on_failure = (enum on_failure)w;
		else if (r == 0)
			s->phase->on_failure = (enum on_failure)w;
		break;
	case K_SHELL:
		r = parse_bool(v, &pr->shell, err, len);
		break;
	case K_SIGNAL_GROUP:
		r = parse_bool(v, &s->app->signal_group, err, len);
		break;
	case K_RETRIES:
		r = parse_uint(v, 1000000, &h->retries, err, len);
		break;
	case K_RETRY_DELAY:
		r = parse_duration(v, &h->retry_delay_ms, err, len);
		break;
	case K_LOCK_TIMEOUT:
		r = parse_duration(v, &h->lock_timeout_ms, err, len);
		break;
	case K_READY_TIMEOUT:
		r = parse_duration(v, &s->app->ready_timeout_ms, err, len);
		break;
	case K_READY:
		r = set_ready(s->app, v, err, len);
		break;
	case K_STOP_SIGNAL:
		if ((s->app->stop_signal = parse_signal(v)) <= 0) {
			snprintf(err, len, "unknown signal '%s'", v);
			r = -1;
		}
		break;
	case K_SUCCESS_STATUS:
		r = parse_status_list(v, s->app->success_status, err, len);
		break;
	case K_LOCK:
		if (strncmp(v, "exec:", 5) == 0) {
			argv_free(h->lock_argv);
			h->lock_argv = NULL;
			if ((r = parse_argv(v + 5, &h->lock_argv, &argc, err,
			    len)) == 0)
				slot = &h->lock;
			break;
		}
		p = rel_path(ld, v);
		free(v);
		if ((v = p) == NULL)
			goto nomem;
		slot = &h->lock;
		break;
	case K_ENV_FILE:
		if ((p = rel_path(ld, v)) == NULL ||
		    strv_push(&pr->env_files, &pr->nenv_files, p) == -1) {
			free(p);
			goto nomem;
		}
		r = env_file_trusted(ld, p, err, len);
		break;
	case K_EXPORTS:
		r = set_exports(h, v, err, len);
		break;
	case K_ENV:
		if ((r = set_env(pr, v, err, len)) == 0)
			return 0;
		break;
	case K_EXEC:
		slot = &pr->exec;
		break;
	case K_WAIT:
	case K_HTTP_STATUS:
	case K_HEALTH:
	case K_HEALTH_INTERVAL:
	case K_HEALTH_TIMEOUT:
	case K_HEALTH_START_PERIOD:
	case K_HEALTH_RETRIES:
		r = conf_probe_set(s, k, v, err, len);
		break;
	case K_ON_UNHEALTHY:
		if ((r = set_word(v, unhealthy, &w, err, len)) == 0)
			s->app->on_unhealthy = (enum on_unhealthy)w;
		break;
	case K_STATUS_FILE:
		free(c->status_file);
		c->status_file = NULL;
		c->status_file_set = 1;
		if (*v != '\0' && (v[0] != '/' || v[strlen(v) - 1] == '/')) {
			snprintf(err, len, "'%s' is not an absolute path to a "
			    "file", echo(v, eb, sizeof(eb)));
			r = -1;
			break;
		}
		if (*v != '\0')
			slot = &c->status_file;
		break;
	case K_ONCE:
		if ((r = once_key_ok(v, err, len)) == 0)
			slot = &h->once;
		break;
	case K_USER:
		slot = &pr->user;
		break;
	case K_GROUP:
		slot = &pr->group;
		break;
	case K_WORKDIR:
		slot = &pr->workdir;
		break;
	default:
		break;
	}
	if (slot != NULL) {
		free(*slot);
		*slot = v;
	} else
		free(v);
	return r;
nomem:
	free(v);
	snprintf(err, len, "out of memory");
	return -1;
}
