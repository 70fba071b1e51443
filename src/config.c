/* config.c: reads the INI file through inih into struct config and validates it. */
/* Never exits and never starts a process: every error is logged with FILE:LINE and counted. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hookdir.h"
#include "log.h"
#include "parse.h"

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
#define LINE_MAX_BYTES	65536
#define ECHO_MAX	80	/* longest value quoted in a message */

enum key {
	K_HOOKS_DIR, K_TIMEOUT, K_KILL_TIMEOUT, K_STOP_TIMEOUT, K_RESTART,
	K_RESTART_DELAY, K_RESTART_DELAY_MAX, K_RESTART_LIMIT, K_LOG_FORMAT,
	K_STRICT_PERMISSIONS, K_DEADLINE, K_ON_FAILURE, K_EXEC, K_SHELL,
	K_RETRIES, K_RETRY_DELAY, K_LOCK, K_ONCE, K_LOCK_TIMEOUT, K_READY,
	K_READY_TIMEOUT, K_STOP_SIGNAL, K_SUCCESS_STATUS, K_SIGNAL_GROUP,
	K_USER, K_GROUP, K_WORKDIR, K_ENV, K_ENV_FILE, K_COUNT
};

enum kind { S_BAD, S_HOOKRUN, S_PHASE, S_HOOK, S_START };
#define G	(1 << S_HOOKRUN)
#define P	(1 << S_PHASE)
#define H	(1 << S_HOOK)
#define A	(1 << S_START)

static const struct {
	const char	*name;
	unsigned	 where;
} keys[K_COUNT] = {
	[K_HOOKS_DIR] = { "hooks_dir", G },
	[K_TIMEOUT] = { "timeout", G | P | H },
	[K_KILL_TIMEOUT] = { "kill_timeout", G },
	[K_STOP_TIMEOUT] = { "stop_timeout", G },
	[K_RESTART] = { "restart", G },
	[K_RESTART_DELAY] = { "restart_delay", G },
	[K_RESTART_DELAY_MAX] = { "restart_delay_max", G },
	[K_RESTART_LIMIT] = { "restart_limit", G },
	[K_LOG_FORMAT] = { "log_format", G },
	[K_STRICT_PERMISSIONS] = { "strict_permissions", G },
	[K_DEADLINE] = { "deadline", P },
	[K_ON_FAILURE] = { "on_failure", P | H },
	[K_EXEC] = { "exec", H | A },
	[K_SHELL] = { "shell", H | A },
	[K_RETRIES] = { "retries", H },
	[K_RETRY_DELAY] = { "retry_delay", H },
	[K_LOCK] = { "lock", H },
	[K_ONCE] = { "once", H },
	[K_LOCK_TIMEOUT] = { "lock_timeout", H },
	[K_READY] = { "ready", A },
	[K_READY_TIMEOUT] = { "ready_timeout", A },
	[K_STOP_SIGNAL] = { "stop_signal", A },
	[K_SUCCESS_STATUS] = { "success_status", A },
	[K_SIGNAL_GROUP] = { "signal_group", A },
	[K_USER] = { "user", H | A },
	[K_GROUP] = { "group", H | A },
	[K_WORKDIR] = { "workdir", H | A },
	[K_ENV] = { "env", H | A },
	[K_ENV_FILE] = { "env_file", H | A },
};

static const char *const phase_names[PHASE_COUNT] = {
	"pre_start", "start", "post_start", "pre_stop", "post_stop"
};
static const char *const section_names[] = {
	"hookrun", "pre_start", "start", "post_start", "pre_stop", "post_stop",
	NULL
};
static const char *const hook_phase_names[] = {
	"pre_start", "post_start", "pre_stop", "post_stop", NULL
};

/* One section header as read. A repeat is parsed into scratch and dropped. */
struct sect {
	struct sect	*next;
	char		*name;
	int		 line;
	enum kind	 kind;
	int		 dup;
	struct config	*cfg;		/* S_HOOKRUN */
	struct phase	*phase;		/* S_PHASE, S_HOOK */
	struct hook	*hook;		/* S_HOOK */
	struct app	*app;		/* S_START */
	int		 keyline[K_COUNT];
};

struct msg {
	int		 line;
	size_t		 seq;
	char		*text;
};

struct loader {
	struct config	*cfg;
	FILE		*fp;
	const char	*file;
	char		*dir;		/* of the file; NULL: relative paths stay */
	int		 lineno;
	int		 errors;
	int		 stopped;	/* a line too long: parsing stopped */
	int		 pending;	/* a key line handed to inih, not handled */
	char		*key;		/* the current key line, split */
	char		*value;
	struct sect	*sects;
	struct sect	**tail;
	struct sect	*cur;
	struct sect	 bad;		/* after a malformed header */
	struct msg	*msgs;		/* errors, logged in line order */
	size_t		 nmsgs;
	char		 buf[LINE_MAX_BYTES + 2];
};

static void	 proc_free(struct proc *);
static void	 app_free(struct app *);
static void	 hook_free(struct hook *);


const char *
phase_name(enum phase_id id)
{
	return (unsigned)id < PHASE_COUNT ? phase_names[id] : "?";
}

int
phase_from_name(const char *s)
{
	int i;

	for (i = 0; i < PHASE_COUNT; i++)
		if (strcmp(s, phase_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Errors are kept and logged in line order when the file is read: some are
 * found only once the whole file is known (a missing exec, a user).
 */
static void __attribute__((format(printf, 3, 4)))
ld_err(struct loader *ld, int line, const char *fmt, ...)
{
	struct msg *nm;
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ld->errors++;
	if ((nm = realloc(ld->msgs, (ld->nmsgs + 1) * sizeof(*nm))) != NULL) {
		ld->msgs = nm;
		nm += ld->nmsgs;
		nm->line = line;
		nm->seq = ld->nmsgs;
		if ((nm->text = strdup(text)) != NULL) {
			ld->nmsgs++;
			return;
		}
	}
	log_err("%s:%d: %s", ld->file, line, text);	/* no memory: now */
}

static int
by_line(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
ld_flush(struct loader *ld)
{
	size_t i;

	if (ld->nmsgs > 0)
		qsort(ld->msgs, ld->nmsgs, sizeof(*ld->msgs), by_line);
	for (i = 0; i < ld->nmsgs; i++) {
		if (ld->msgs[i].line > 0)
			log_err("%s:%d: %s", ld->file, ld->msgs[i].line,
			    ld->msgs[i].text);
		else
			log_err("%s: %s", ld->file, ld->msgs[i].text);
		free(ld->msgs[i].text);
	}
	free(ld->msgs);
	ld->msgs = NULL;
	ld->nmsgs = 0;
}

/* A value short enough to quote in a message. */
static const char *
echo(const char *v, char *buf, size_t len)
{
	if (strlen(v) <= ECHO_MAX)
		return v;
	snprintf(buf, len, "%.*s...", ECHO_MAX, v);
	return buf;
}

static const char *
env_lookup(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
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

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
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

/* "(allowed in [start] or [pre_start:NAME])" for a key in the wrong section. */
static void
where_hint(unsigned where, const struct sect *s, char *buf, size_t len)
{
	const char *ph = s->phase != NULL ? s->phase->name : "PHASE";
	char part[4][64];
	int n = 0, i;
	size_t off;

	if (where & G)
		snprintf(part[n++], sizeof(part[0]), "[hookrun]");
	if (where & P)
		snprintf(part[n++], sizeof(part[0]), "[%s]", ph);
	if (where & H)
		snprintf(part[n++], sizeof(part[0]), "[%s:NAME]", ph);
	if (where & A)
		snprintf(part[n++], sizeof(part[0]), "[start]");
	off = (size_t)snprintf(buf, len, " (allowed in ");
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i == 0 ? "" : i == n - 1 ? " or " : ", ", part[i]);
	if (off < len)
		snprintf(buf + off, len - off, ")");
}

static void
unknown_key(struct loader *ld, const struct sect *s, const char *key)
{
	const char *cand[K_COUNT + 1], *close;
	char hint[256] = "";
	int i, n = 0;

	for (i = 0; i < K_COUNT; i++)
		if (keys[i].where & (1u << s->kind))
			cand[n++] = keys[i].name;
	cand[n] = NULL;
	for (i = 0; i < K_COUNT; i++)
		if (strcmp(key, keys[i].name) == 0)
			where_hint(keys[i].where, s, hint, sizeof(hint));
	if (hint[0] == '\0' && (close = parse_closest(key, cand)) != NULL)
		snprintf(hint, sizeof(hint), " (did you mean '%s'?)", close);
	ld_err(ld, ld->lineno, "unknown key '%s' in [%s]%s", key, s->name,
	    hint);
}

/* A hook with the defaults that do not depend on sections read later. */
static struct hook *
hook_new(enum phase_id ph, const char *name, const char *source, int line)
{
	struct hook *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->phase = ph;
	h->line = line;
	h->retry_delay_ms = 1000;
	if ((h->name = strdup(name)) == NULL ||
	    (h->source = strdup(source)) == NULL) {
		hook_free(h);
		return NULL;
	}
	return h;
}

static int
config_add_hook(struct phase *p, struct hook *h)
{
	struct hook **nh;

	if ((nh = realloc(p->hooks, (p->nhooks + 1) * sizeof(*nh))) == NULL)
		return -1;
	nh[p->nhooks++] = h;
	p->hooks = nh;
	return 0;
}

static int
hook_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s) ||
		    *s == '/')
			return 0;
	return 1;
}

/* Sorts out what a header names; returns the kind, S_BAD after an error. */
static enum kind
section_kind(struct loader *ld, const char *name, int *ph, const char **hname)
{
	char pname[64], hint[128] = "";
	const char *colon, *close;
	size_t n;

	*hname = NULL;
	if ((colon = strchr(name, ':')) == NULL) {
		if (strcmp(name, "hookrun") == 0)
			return S_HOOKRUN;
		if ((*ph = phase_from_name(name)) == PHASE_START)
			return S_START;
		if (*ph >= 0)
			return S_PHASE;
		if ((close = parse_closest(name, section_names)) != NULL)
			snprintf(hint, sizeof(hint), " (did you mean [%s]?)",
			    close);
		ld_err(ld, ld->lineno, "unknown section [%s]%s", name, hint);
		return S_BAD;
	}
	n = (size_t)(colon - name);
	snprintf(pname, sizeof(pname), "%.*s", (int)(n < 63 ? n : 63), name);
	*ph = n < 63 ? phase_from_name(pname) : -1;
	if (*ph == PHASE_START) {
		ld_err(ld, ld->lineno, "[%s]: the start phase has no hooks "
		    "(the app is [start])", name);
		return S_BAD;
	}
	if (*ph < 0) {
		if ((close = parse_closest(pname, hook_phase_names)) != NULL)
			snprintf(hint, sizeof(hint), " (did you mean '%s'?)",
			    close);
		ld_err(ld, ld->lineno, "unknown phase '%s' in [%s]%s", pname,
		    name, hint);
		return S_BAD;
	}
	*hname = colon + 1;
	if (**hname == '\0' || !hook_name_ok(*hname)) {
		ld_err(ld, ld->lineno, "bad hook name in [%s]: it must be "
		    "non-empty, without blanks or '/'", name);
		return S_BAD;
	}
	return S_HOOK;
}

static void
section_begin(struct loader *ld, const char *name)
{
	struct config *cfg = ld->cfg;
	struct sect *s, *o;
	const char *hname;
	int ph = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->name = strdup(name)) == NULL) {
		free(s);
		ld->cur = &ld->bad;
		ld_err(ld, ld->lineno, "out of memory");
		return;
	}
	s->line = ld->lineno;
	*ld->tail = s;
	ld->tail = &s->next;
	ld->cur = s;
	if (*name == '\0') {
		ld_err(ld, ld->lineno, "empty section name");
		return;
	}
	if ((s->kind = section_kind(ld, name, &ph, &hname)) == S_BAD)
		return;
	for (o = ld->sects; o != s; o = o->next)
		if (o->kind != S_BAD && strcmp(o->name, name) == 0)
			break;
	if (o != s) {
		ld_err(ld, ld->lineno, "section [%s] repeated (first at line "
		    "%d)", name, o->line);
		s->dup = 1;
	}
	if (s->kind == S_PHASE || s->kind == S_HOOK)
		s->phase = &cfg->phases[ph];
	switch (s->kind) {
	case S_HOOKRUN:
		s->cfg = s->dup ? calloc(1, sizeof(*s->cfg)) : cfg;
		break;
	case S_PHASE:
		if (!s->dup)
			s->phase->line = s->line;
		else if ((s->phase = calloc(1, sizeof(*s->phase))) != NULL)
			s->phase->name = phase_names[ph];
		break;
	case S_START:
		s->app = s->dup ? calloc(1, sizeof(*s->app)) : &cfg->app;
		if (!s->dup)
			cfg->app.line = s->line;
		break;
	case S_HOOK:
		s->hook = hook_new(ph, hname, ld->file, s->line);
		if (s->hook != NULL && !s->dup &&
		    config_add_hook(s->phase, s->hook) == -1) {
			hook_free(s->hook);
			s->hook = NULL;
		}
		if (s->hook == NULL)
			s->phase = NULL;
		break;
	default:
		break;
	}
	if (s->cfg == NULL && s->phase == NULL && s->app == NULL) {
		ld_err(ld, ld->lineno, "out of memory");
		s->kind = S_BAD;
	}
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
	off = (size_t)snprintf(err, len, "'%s' is not", echo(v, eb, sizeof(eb)));
	for (i = 0; words[i] != NULL && off < len; i++)
		off += (size_t)snprintf(err + off, len - off, "%s %s",
		    i == 0 ? "" : words[i + 1] == NULL ? " or" : ",", words[i]);
	if ((close = parse_closest(v, words)) != NULL && off < len)
		snprintf(err + off, len - off, " (did you mean '%s'?)", close);
	return -1;
}

/* ready = none | notify | fd:N | tcp:HOST:PORT | exec:COMMAND | delay:D */
static int
set_ready(struct app *a, const char *v, char *err, size_t len)
{
	static const char *const words[] = {	/* in enum ready_kind order */
		"none", "notify", "fd:", "tcp:", "exec:", "delay:", NULL
	};
	const char *arg = NULL, *colon;
	char *end, eb[ECHO_MAX + 4];
	long n;
	int i, argc;

	for (i = 0; words[i] != NULL; i++) {
		size_t wl = strlen(words[i]);

		if (words[i][wl - 1] == ':' ? strncmp(v, words[i], wl) == 0 :
		    strcmp(v, words[i]) == 0) {
			arg = v + wl;
			break;
		}
	}
	if (words[i] == NULL) {
		snprintf(err, len, "'%s' is not none, notify, fd:N, "
		    "tcp:HOST:PORT, exec:COMMAND or delay:DURATION",
		    echo(v, eb, sizeof(eb)));
		return -1;
	}
	free(a->ready_arg);
	a->ready_arg = NULL;
	a->ready = (enum ready_kind)i;
	if (i >= READY_FD && (a->ready_arg = strdup(arg)) == NULL)
		goto nomem;
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
		colon = strrchr(arg, ':');
		if (colon == NULL || colon == arg || colon[1] == '\0' ||
		    (n = strtol(colon + 1, &end, 10)) < 1 || n > 65535 ||
		    *end != '\0' || !isdigit((unsigned char)colon[1])) {
			snprintf(err, len, "tcp:HOST:PORT needs a host and a "
			    "port from 1 to 65535");
			return -1;
		}
		free(a->ready_host);
		free(a->ready_port);
		/* [::1]:80: the brackets only separate the port */
		if (arg[0] == '[' && colon[-1] == ']')
			a->ready_host = strndup(arg + 1, (size_t)(colon - arg) - 2);
		else
			a->ready_host = strndup(arg, (size_t)(colon - arg));
		if ((a->ready_port = strdup(colon + 1)) == NULL ||
		    a->ready_host == NULL)
			goto nomem;
		if (a->ready_host[0] == '\0') {
			snprintf(err, len, "tcp:HOST:PORT needs a host");
			return -1;
		}
		break;
	case READY_EXEC:
		argv_free(a->ready_argv);
		a->ready_argv = NULL;
		if (parse_argv(arg, &a->ready_argv, &argc, err, len) == -1)
			return -1;
		break;
	case READY_DELAY:
		return parse_duration(arg, &a->ready_delay_ms, err, len);
	default:
		break;
	}
	return 0;
nomem:
	snprintf(err, len, "out of memory");
	return -1;
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

/* Applies one expanded value; takes v (frees it or keeps it). */
static int
set_value(struct loader *ld, struct sect *s, enum key k, char *v, char *err,
    size_t len)
{
	static const char *const restarts[] = {
		"no", "on-failure", "always", NULL
	};
	static const char *const failures[] = { "abort", "ignore", NULL };
	static const char *const formats[] = { "text", "json", NULL };
	struct config *c = s->cfg;
	struct hook *h = s->hook;
	struct proc *pr = h != NULL ? &h->proc : s->app != NULL ?
	    &s->app->proc : NULL;
	char **slot = NULL, *p;
	int r = 0, w, argc;

	if (*v == '\0' && k != K_HOOKS_DIR) {
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
	case K_STRICT_PERMISSIONS:
		r = parse_bool(v, &c->strict_permissions, err, len);
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
		break;
	case K_ENV:
		if ((r = set_env(pr, v, err, len)) == 0)
			return 0;
		break;
	case K_EXEC:
		slot = &pr->exec;
		break;
	case K_ONCE:
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

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	struct sect *s = ld->cur;
	char err[512], *v;
	int k;

	(void)section;	/* ours: inih's is cut at 50 bytes and merges repeats */
	(void)name;	/* ours: inih's may be cut to fit its buffer */
	(void)value;	/* ours: inih's is cut at 200 bytes */
	if (!ld->pending)
		return 1;
	ld->pending = 0;
	if (s == NULL) {
		ld_err(ld, ld->lineno, "key '%s' outside any section", ld->key);
		return 1;
	}
	if (s->kind == S_BAD)
		return 1;	/* the header's error says it all */
	for (k = 0; k < K_COUNT; k++)
		if (strcmp(ld->key, keys[k].name) == 0)
			break;
	if (k == K_COUNT || !(keys[k].where & (1u << s->kind))) {
		unknown_key(ld, s, ld->key);
		return 1;
	}
	if (s->keyline[k] != 0 && k != K_ENV && k != K_ENV_FILE) {
		ld_err(ld, ld->lineno, "repeated key '%s' in [%s] (first at "
		    "line %d)", ld->key, s->name, s->keyline[k]);
		return 1;
	}
	if (s->keyline[k] == 0)
		s->keyline[k] = ld->lineno;
	if (parse_expand(ld->value, env_lookup, NULL, &v, err,
	    sizeof(err)) == -1) {
		ld_err(ld, ld->lineno, "%s: %s", ld->key, err);
		return 1;
	}
	if (set_value(ld, s, (enum key)k, v, err, sizeof(err)) == -1)
		ld_err(ld, ld->lineno, "%s: %s", ld->key, err);
	return 1;
}

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
static char *
reader(char *str, int num, void *stream)
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

static int
parse_id(const char *s, unsigned long *id)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	*id = strtoul(s, &end, 10);
	return *end == '\0' && errno == 0 && *id < (unsigned long)UINT_MAX;
}

/* user and group: names or numbers; gid is the user's unless group is set. */
static void
resolve_ids(struct loader *ld, const struct sect *s, struct proc *pr)
{
	struct passwd *pw = NULL;
	struct group *gr;
	unsigned long id;
	int numeric = 0;

	if (pr->user != NULL) {
		if ((pw = getpwnam(pr->user)) == NULL &&
		    (numeric = parse_id(pr->user, &id)))
			pw = getpwuid((uid_t)id);
		if (pw != NULL) {
			pr->uid = pw->pw_uid;
			pr->gid = pw->pw_gid;
		} else if (numeric)
			pr->uid = (uid_t)id;
		else
			ld_err(ld, s->keyline[K_USER], "user '%s' not found",
			    pr->user);
	}
	if (pr->group != NULL) {
		if ((gr = getgrnam(pr->group)) != NULL)
			pr->gid = gr->gr_gid;
		else if (parse_id(pr->group, &id))
			pr->gid = (gid_t)id;
		else
			ld_err(ld, s->keyline[K_GROUP], "group '%s' not found",
			    pr->group);
	} else if (pw == NULL && numeric)
		ld_err(ld, s->keyline[K_USER], "user %s has no passwd entry: "
		    "set group too", pr->user);
}

static void
proc_argv(struct loader *ld, const struct sect *s, struct proc *pr)
{
	char err[256];
	int argc;

	argv_free(pr->argv);
	pr->argv = NULL;
	if (!pr->shell) {
		if (parse_argv(pr->exec, &pr->argv, &argc, err,
		    sizeof(err)) == -1)
			ld_err(ld, s->keyline[K_EXEC], "exec: %s", err);
		return;
	}
	if ((pr->argv = calloc(4, sizeof(*pr->argv))) == NULL ||
	    (pr->argv[0] = strdup("/bin/sh")) == NULL ||
	    (pr->argv[1] = strdup("-c")) == NULL ||
	    (pr->argv[2] = strdup(pr->exec)) == NULL)
		ld_err(ld, s->keyline[K_EXEC], "out of memory");
}

static void
hook_finish(struct loader *ld, const struct sect *s)
{
	struct hook *h = s->hook;
	const struct phase *p = s->phase;

	if (s->keyline[K_TIMEOUT] == 0)
		h->timeout_ms = p->timeout_ms;
	if (s->keyline[K_ON_FAILURE] == 0)
		h->on_failure = p->on_failure;
	if (s->keyline[K_LOCK_TIMEOUT] == 0)
		h->lock_timeout_ms = h->timeout_ms;
	if (h->proc.exec != NULL)
		proc_argv(ld, s, &h->proc);
	else if (s->keyline[K_EXEC] == 0)
		ld_err(ld, s->line, "missing exec in [%s]", s->name);
	if (s->keyline[K_ONCE] != 0 && s->keyline[K_LOCK] == 0)
		ld_err(ld, s->keyline[K_ONCE], "once needs lock in [%s]",
		    s->name);
	resolve_ids(ld, s, &h->proc);
}

/* The command line's APP ARG... replaces [start] exec (a container's CMD wins). */
static int
app_from_cmdline(struct app *a, char *const *argv)
{
	size_t n, i, len = 0;

	for (n = 0; argv[n] != NULL; n++)
		len += strlen(argv[n]) + 1;
	argv_free(a->proc.argv);
	free(a->proc.exec);
	a->proc.exec = NULL;
	a->proc.shell = 0;
	a->from_cmdline = 1;
	if ((a->proc.argv = calloc(n + 1, sizeof(*a->proc.argv))) == NULL ||
	    (a->proc.exec = malloc(len + 1)) == NULL)
		return -1;
	a->proc.exec[0] = '\0';
	for (i = 0; i < n; i++) {
		if ((a->proc.argv[i] = strdup(argv[i])) == NULL)
			return -1;
		if (i > 0)
			strcat(a->proc.exec, " ");
		strcat(a->proc.exec, argv[i]);
	}
	return 0;
}

/* Checks that need the whole file: defaults from later sections, argv, ids. */
static void
config_finish(struct loader *ld, char *const *app_argv)
{
	struct config *cfg = ld->cfg;
	struct sect *s;
	int i, line;

	for (i = 0; i < PHASE_COUNT; i++)
		if (cfg->phases[i].timeout_ms < 0)
			cfg->phases[i].timeout_ms = cfg->timeout_ms;
	for (s = ld->sects; s != NULL; s = s->next) {
		if (s->dup)
			continue;
		if (s->kind == S_HOOK)
			hook_finish(ld, s);
		else if (s->kind == S_START) {
			if (cfg->app.proc.exec != NULL)
				proc_argv(ld, s, &cfg->app.proc);
			resolve_ids(ld, s, &cfg->app.proc);
		} else if (s->kind == S_HOOKRUN && cfg->restart_delay_max_ms &&
		    cfg->restart_delay_max_ms < cfg->restart_delay_ms) {
			line = s->keyline[K_RESTART_DELAY_MAX];
			ld_err(ld, line ? line : s->keyline[K_RESTART_DELAY],
			    "restart_delay_max is less than restart_delay");
		}
	}
	if (app_argv != NULL && app_argv[0] != NULL &&
	    app_from_cmdline(&cfg->app, app_argv) == -1)
		ld_err(ld, 0, "out of memory");
}

static int
config_defaults(struct config *cfg, const char *path)
{
	int i;

	cfg->found = 1;
	cfg->timeout_ms = 5 * 60 * 1000;
	cfg->kill_timeout_ms = 5000;
	cfg->stop_timeout_ms = 10000;
	cfg->restart = RESTART_NO;
	cfg->restart_delay_ms = 1000;
	cfg->restart_delay_max_ms = 30000;
	cfg->restart_limit = 5;
	cfg->restart_window_ms = 60000;
	cfg->strict_permissions = 1;
	for (i = 0; i < PHASE_COUNT; i++) {
		cfg->phases[i].name = phase_names[i];
		cfg->phases[i].timeout_ms = -1;	/* [hookrun] timeout, later */
		cfg->phases[i].on_failure = i == PHASE_PRE_STOP ||
		    i == PHASE_POST_STOP ? ON_FAILURE_IGNORE : ON_FAILURE_ABORT;
	}
	cfg->app.ready = READY_NONE;
	cfg->app.ready_timeout_ms = 60000;
	cfg->app.success_status[0] = 1;
	if ((cfg->file = strdup(path)) == NULL ||
	    (cfg->hooks_dir = strdup(CONFIG_DEFAULT_HOOKS_DIR)) == NULL)
		return -1;
	return 0;
}

static void
loader_free(struct loader *ld)
{
	struct sect *s, *next;

	for (s = ld->sects; s != NULL; s = next) {
		next = s->next;
		if (s->dup && s->kind == S_HOOKRUN && s->cfg != NULL) {
			config_free(s->cfg);
			free(s->cfg);
		} else if (s->dup && s->kind == S_PHASE)
			free(s->phase);
		else if (s->dup && s->kind == S_START && s->app != NULL) {
			app_free(s->app);
			free(s->app);
		}
		if (s->dup && s->kind == S_HOOK)
			hook_free(s->hook);
		free(s->name);
		free(s);
	}
	if (ld->fp != NULL)
		fclose(ld->fp);
	free(ld->dir);
	free(ld);
}

/* Debian's inih exports these as variables; upstream's are macros. */
static void
inih_setup(void)
{
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
}

int
config_load(struct config *cfg, const char *path, int explicit,
    char *const *app_argv)
{
	struct loader *ld;
	struct stat st;
	const char *slash;
	int ret, errors;

	memset(cfg, 0, sizeof(*cfg));
	if ((ld = calloc(1, sizeof(*ld))) == NULL ||
	    config_defaults(cfg, path) == -1) {
		free(ld);
		log_err("%s: out of memory", path);
		return 1;
	}
	ld->cfg = cfg;
	ld->file = cfg->file;
	ld->tail = &ld->sects;
	ld->bad.kind = S_BAD;
	if ((slash = strrchr(path, '/')) != NULL &&
	    (ld->dir = strndup(path, slash == path ? 1 :
	    (size_t)(slash - path))) == NULL)
		ld_err(ld, 0, "out of memory");
	if ((ld->fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !explicit)
			cfg->found = 0;
		else
			ld_err(ld, 0, "cannot open: %s", strerror(errno));
	} else if (fstat(fileno(ld->fp), &st) == -1)
		ld_err(ld, 0, "fstat: %s", strerror(errno));
	else if (S_ISDIR(st.st_mode))
		ld_err(ld, 0, "cannot open: %s", strerror(EISDIR));
	else {
		inih_setup();
		ret = ini_parse_stream(reader, ld, handler, ld);
		if (ret == -2)
			ld_err(ld, 0, "out of memory");
		else if (ret != 0 && ld->errors == 0)
			ld_err(ld, ret, "syntax error");
		if (cfg->strict_permissions && geteuid() == 0 &&
		    (st.st_mode & (S_IWGRP | S_IWOTH)))
			ld_err(ld, 0, "writable by group or others "
			    "(strict_permissions = yes)");
	}
	if (!ld->stopped)
		config_finish(ld, app_argv);
	ld_flush(ld);
	if (ld->errors == 0)
		ld->errors += hookdir_scan(cfg);
	errors = ld->errors;
	loader_free(ld);
	return errors;
}

static void
proc_free(struct proc *pr)
{
	free(pr->exec);
	argv_free(pr->argv);
	free(pr->user);
	free(pr->group);
	free(pr->workdir);
	strv_free(pr->env, pr->nenv);
	strv_free(pr->env_files, pr->nenv_files);
	memset(pr, 0, sizeof(*pr));
}

static void
app_free(struct app *a)
{
	proc_free(&a->proc);
	free(a->ready_arg);
	free(a->ready_host);
	free(a->ready_port);
	argv_free(a->ready_argv);
}

static void
hook_free(struct hook *h)
{
	if (h == NULL)
		return;
	proc_free(&h->proc);
	free(h->name);
	free(h->source);
	free(h->lock);
	free(h->once);
	argv_free(h->lock_argv);
	free(h);
}

void
config_free(struct config *cfg)
{
	struct phase *p;
	size_t i;
	int ph;

	for (ph = 0; ph < PHASE_COUNT; ph++) {
		p = &cfg->phases[ph];
		for (i = 0; i < p->nhooks; i++)
			hook_free(p->hooks[i]);
		free(p->hooks);
		for (i = 0; i < p->nskipped; i++) {
			free(p->skipped[i].path);
			free(p->skipped[i].why);
		}
		free(p->skipped);
	}
	app_free(&cfg->app);
	free(cfg->file);
	free(cfg->hooks_dir);
	memset(cfg, 0, sizeof(*cfg));
}
