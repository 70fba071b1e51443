/* conffinish.c: what needs the whole file, once it is read: defaults from */
/* later sections, exec split into argv, users and groups, cross-key checks. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "parse.h"
#include "probe.h"
#include "path.h"
#include "user.h"

/*
 * What the user's process gets as systemd's User= gives it: USER, LOGNAME,
 * HOME, SHELL from its entry, its groups from /etc/group.
 */
static void
user_settings(struct loader *ld, const struct sect *s, struct proc *pr,
    struct user_entry *e, int u)
{
	pr->login = e->name;
	pr->home = e->home;
	pr->login_shell = e->shell;
	e->name = e->home = e->shell = NULL;
	/* A uid without an entry has no name any group could list. */
	if (user_groups(USER_GROUP_FILE, u == USER_ENTRY ? pr->login : "",
	    pr->gid, &pr->groups, &pr->ngroups) == -1)
		ld_err(ld, s->keyline[K_USER], "user '%s': read %s: %s",
		    pr->user, USER_GROUP_FILE, strerror(errno));
}

/* user and group: names or numbers; gid is the user's unless group is set. */
static void
resolve_ids(struct loader *ld, const struct sect *s, struct proc *pr)
{
	struct user_entry e;
	int u = USER_NONE, g;

	if (pr->user != NULL) {
		u = user_entry(USER_PASSWD_FILE, pr->user, &e);
		if (u == USER_ENTRY || u == USER_NUMBER)
			pr->uid = e.uid;
		if (u == USER_ENTRY)
			pr->gid = e.gid;
		if (u == -1)
			ld_err(ld, s->keyline[K_USER], "user '%s': read %s: %s",
			    pr->user, USER_PASSWD_FILE, strerror(errno));
		else if (u == USER_NONE)
			ld_err(ld, s->keyline[K_USER], "user '%s' not found",
			    pr->user);
	}
	if (pr->group != NULL) {
		g = group_lookup(USER_GROUP_FILE, pr->group, &pr->gid);
		if (g == -1)
			ld_err(ld, s->keyline[K_GROUP], "group '%s': read %s: "
			    "%s", pr->group, USER_GROUP_FILE, strerror(errno));
		else if (g == USER_NONE)
			ld_err(ld, s->keyline[K_GROUP], "group '%s' not found",
			    pr->group);
	} else if (u == USER_NUMBER)
		ld_err(ld, s->keyline[K_USER], "user %s has no passwd entry: "
		    "set group too", pr->user);
	if (u == USER_ENTRY || u == USER_NUMBER)
		user_settings(ld, s, pr, &e, u);
	else if (pr->user != NULL)
		user_entry_free(&e);
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

/*
 * http_status = adds to what each http:// probe of the section accepts;
 * set where no probe is http://, it is a mistake worth saying.
 */
static void
http_ok_apply(struct loader *ld, const struct sect *s,
    const struct http_codes *ok, struct probe_target *t, size_t n)
{
	size_t i, j, http = 0;

	for (i = 0; i < n; i++)
		if (t[i].text != NULL && t[i].kind == PROBE_HTTP) {
			for (j = 0; j < sizeof(ok->bits) / sizeof(ok->bits[0]);
			    j++)
				t[i].ok.bits[j] |= ok->bits[j];
			http++;
		}
	if (s->keyline[K_HTTP_STATUS] != 0 && http == 0)
		ld_err(ld, s->keyline[K_HTTP_STATUS], "http_status is set, but "
		    "no probe in [%s] is http://", s->name);
}

/* wait = runs no process: exec and shell have no place beside it. */
static void
hook_wait_finish(struct loader *ld, const struct sect *s)
{
	struct hook *h = s->hook;

	if (s->keyline[K_EXEC] != 0)
		ld_err(ld, s->keyline[K_WAIT], "[%s] has both exec and wait: "
		    "a hook runs a command or waits, not both", s->name);
	if (s->keyline[K_SHELL] != 0)
		ld_err(ld, s->keyline[K_SHELL], "shell applies to exec, and "
		    "[%s] has wait", s->name);
	http_ok_apply(ld, s, &h->http_ok, h->wait, h->nwait);
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
	if (s->keyline[K_WAIT] != 0)
		hook_wait_finish(ld, s);
	else if (h->proc.exec != NULL)
		proc_argv(ld, s, &h->proc);
	else if (s->keyline[K_EXEC] == 0)
		ld_err(ld, s->line, "missing exec in [%s]", s->name);
	if (s->keyline[K_ONCE] != 0 && s->keyline[K_LOCK] == 0)
		ld_err(ld, s->keyline[K_ONCE], "once needs lock in [%s]",
		    s->name);
	resolve_ids(ld, s, &h->proc);
}

/* The health_* keys mean nothing without health. */
static void
app_health_finish(struct loader *ld, const struct sect *s, struct app *a)
{
	static const struct {
		enum key	 k;
		const char	*name;
	} k[] = {
		{ K_HEALTH_INTERVAL, "health_interval" },
		{ K_HEALTH_TIMEOUT, "health_timeout" },
		{ K_HEALTH_RETRIES, "health_retries" },
		{ K_HEALTH_START_PERIOD, "health_start_period" },
		{ K_ON_UNHEALTHY, "on_unhealthy" }
	};
	struct probe_target both[2];
	size_t i;

	if (s->keyline[K_HEALTH] == 0)
		for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
			if (s->keyline[k[i].k] != 0)
				ld_err(ld, s->keyline[k[i].k], "%s needs health "
				    "in [%s]", k[i].name, s->name);
	both[0] = a->ready_probe;
	both[1] = a->health;
	http_ok_apply(ld, s, &a->http_ok, both, 2);
	a->ready_probe.ok = both[0].ok;
	a->health.ok = both[1].ok;
}

/*
 * The command line's APP ARG... replaces [start] exec: a container's CMD
 * wins over the image's config.
 */
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

/*
 * A command without a '/' is looked up on PATH once, here, and run from
 * what was found: PATH and the files on it are taken not to change during
 * a run. One not found now is looked up again when it runs (an earlier
 * hook may install it), and reported then; --dry-run reports it now.
 */
static char *
exec_lookup(const char *dir, char *const *argv)
{
	char buf[PATH_MAX];

	if (argv == NULL || argv[0] == NULL || strchr(argv[0], '/') != NULL ||
	    path_resolve_at(dir, argv[0], buf, sizeof(buf)) != 0)
		return NULL;
	return strdup(buf);
}

static void
config_lookup(struct config *cfg)
{
	struct hook *h;
	size_t i;
	int ph;

	for (ph = 0; ph < PHASE_COUNT; ph++)
		for (i = 0; i < cfg->phases[ph].nhooks; i++) {
			h = cfg->phases[ph].hooks[i];
			h->proc.path = exec_lookup(h->proc.workdir, h->proc.argv);
			h->lock_path = exec_lookup(NULL, h->lock_argv);
		}
	cfg->app.proc.path = exec_lookup(cfg->app.proc.workdir,
	    cfg->app.proc.argv);
}

/* Checks that need the whole file: defaults from later sections, argv, ids. */
void
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
			app_health_finish(ld, s, &cfg->app);
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
	if (ld->errors == 0)
		config_lookup(cfg);
}
