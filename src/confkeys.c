/* confkeys.c: the keys there are and the sections each belongs in; a key */
/* line is checked (unknown, misplaced, repeated), expanded, then set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "parse.h"

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
	[K_EXPORTS] = { "exports", H },
	[K_WAIT] = { "wait", H },
	[K_HTTP_STATUS] = { "http_status", H | A },
	[K_HEALTH] = { "health", A },
	[K_HEALTH_INTERVAL] = { "health_interval", A },
	[K_HEALTH_TIMEOUT] = { "health_timeout", A },
	[K_HEALTH_RETRIES] = { "health_retries", A },
	[K_HEALTH_START_PERIOD] = { "health_start_period", A },
	[K_ON_UNHEALTHY] = { "on_unhealthy", A },
	[K_STATUS_FILE] = { "status_file", G },
};

static const char *
env_lookup(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
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

void
key_apply(struct loader *ld, struct sect *s)
{
	char err[512], *v;
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (strcmp(ld->key, keys[k].name) == 0)
			break;
	if (k == K_COUNT || !(keys[k].where & (1u << s->kind))) {
		unknown_key(ld, s, ld->key);
		return;
	}
	if (k == K_STRICT_PERMISSIONS) {
		ld_err(ld, ld->lineno, "strict_permissions: not a config key "
		    "any more (a file cannot loosen its own check): use "
		    "--no-strict-permissions or HOOKRUN_STRICT_PERMISSIONS=no");
		return;
	}
	if (s->keyline[k] != 0 && k != K_ENV && k != K_ENV_FILE) {
		ld_err(ld, ld->lineno, "repeated key '%s' in [%s] (first at "
		    "line %d)", ld->key, s->name, s->keyline[k]);
		return;
	}
	if (s->keyline[k] == 0)
		s->keyline[k] = ld->lineno;
	if (parse_expand(ld->value, env_lookup, NULL, &v, err,
	    sizeof(err)) == -1) {
		ld_err(ld, ld->lineno, "%s: %s", ld->key, err);
		return;
	}
	if (value_set(ld, s, (enum key)k, v, err, sizeof(err)) == -1)
		ld_err(ld, ld->lineno, "%s: %s", ld->key, err);
}
