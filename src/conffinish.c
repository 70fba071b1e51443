/* conffinish.c: what needs the whole file, once it is read: defaults from */
/* later sections, exec split into argv, users and groups, cross-key checks. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "parse.h"
#include "path.h"
#include "user.h"

/* user and group: names or numbers; gid is the user's unless group is set. */
static void
resolve_ids(struct loader *ld, const struct sect *s, struct proc *pr)
{
	int u = USER_NONE, g;

	if (pr->user != NULL) {
		u = user_lookup(USER_PASSWD_FILE, pr->user, &pr->uid, &pr->gid);
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
	cfg->app.ready_path = exec_lookup(cfg->app.proc.workdir,
	    cfg->app.ready_argv);
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
