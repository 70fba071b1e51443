/* config.c: config_load and config_free: opens the file, has it read and */
/* settled, logs its errors in line order. Never exits, starts no process. */
#include <errno.h>
#include <limits.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "hookdir.h"
#include "log.h"
#include "parse.h"
#include "trust.h"
#include "probe.h"

static const char *const phase_names[PHASE_COUNT] = {
	"pre_start", "start", "post_start", "pre_stop", "post_stop"
};

static void	 proc_free(struct proc *);
static void	 app_free(struct app *);

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

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
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
	for (i = 0; i < PHASE_COUNT; i++) {
		cfg->phases[i].name = phase_names[i];
		cfg->phases[i].timeout_ms = -1;	/* [hookrun] timeout, later */
		cfg->phases[i].on_failure = i == PHASE_PRE_STOP ||
		    i == PHASE_POST_STOP ? ON_FAILURE_IGNORE : ON_FAILURE_ABORT;
	}
	cfg->app.ready = READY_NONE;
	cfg->app.ready_timeout_ms = 60000;
	cfg->app.success_status[0] = 1;
	cfg->app.health_interval_ms = 30000;
	cfg->app.health_timeout_ms = 5000;
	cfg->app.health_retries = 3;
	cfg->app.on_unhealthy = UNHEALTHY_RESTART;
	if ((cfg->file = strdup(path)) == NULL ||
	    (cfg->hooks_dir = strdup(CONFIG_DEFAULT_HOOKS_DIR)) == NULL ||
	    (cfg->status_file = strdup(CONFIG_DEFAULT_STATUS_FILE)) == NULL)
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

/* As root, a config file others can change is refused: see trust_path. */
static void
config_trusted(struct loader *ld, const char *path)
{
	char why[PATH_MAX + 64];

	if (trust_path(path, 0, why, sizeof(why)) == -1) {
		ld_err(ld, 0, "%s%s", why, TRUST_HINT);
		ld->untrusted++;
	}
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
	/*
	 * Not calloc: zeroing the 64 KiB line buffer would touch (fault in)
	 * every page of it, where a small file uses one.
	 */
	if ((ld = malloc(sizeof(*ld))) != NULL)
		memset(ld, 0, offsetof(struct loader, buf));
	if (ld == NULL || config_defaults(cfg, path) == -1) {
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
	} else if (setvbuf(ld->fp, ld->iobuf, _IOFBF, sizeof(ld->iobuf)),
	    fstat(fileno(ld->fp), &st) == -1)
		ld_err(ld, 0, "fstat: %s", strerror(errno));
	else if (S_ISDIR(st.st_mode))
		ld_err(ld, 0, "cannot open: %s", strerror(EISDIR));
	else {
		inih_setup();
		ret = ini_parse_stream(config_reader, ld, config_handler, ld);
		if (ret == -2)
			ld_err(ld, 0, "out of memory");
		else if (ret != 0 && ld->errors == 0)
			ld_err(ld, ret, "syntax error");
		config_trusted(ld, path);
	}
	if (!ld->stopped)
		config_finish(ld, app_argv);
	ld_flush(ld);
	/* Every file others could change is reported, hooks_dir's too. */
	if (ld->errors == ld->untrusted)
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
	free(pr->path);
	free(pr->user);
	free(pr->group);
	free(pr->workdir);
	strv_free(pr->env, pr->nenv);
	strv_free(pr->env_files, pr->nenv_files);
	free(pr->login);
	free(pr->home);
	free(pr->login_shell);
	free(pr->groups);
	memset(pr, 0, sizeof(*pr));
}

static void
app_free(struct app *a)
{
	proc_free(&a->proc);
	free(a->ready_arg);
	probe_target_free(&a->ready_probe);
	probe_target_free(&a->health);
}

void
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
	strv_free(h->exports, h->nexports);
	probe_targets_free(h->wait, h->nwait);
	free(h->lock_path);
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
	free(cfg->status_file);
	memset(cfg, 0, sizeof(*cfg));
}
