/* plan.c: --dry-run: prints the resolved plan from struct config and checks its executables. */
/* It starts nothing: it only reads the config and looks executables up on PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "lockfile.h"
#include "log.h"
#include "parse.h"
#include "path.h"
#include "plan.h"
#include "trust.h"

/* Bare when that cannot be misread, else quoted. */
static void
put_str(FILE *out, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789/._+-:=@%~", *p) == NULL)
			break;
	if (*s != '\0' && *p == '\0')
		fputs(s, out);
	else
		json_fputs(out, s);
}

static void
put_list(FILE *out, char *const *v, size_t n)
{
	size_t i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", out);
		json_fputs(out, v[i]);
	}
	fputc(']', out);
}

static void
put_argv(FILE *out, char *const *argv)
{
	size_t n = 0;

	while (argv[n] != NULL)
		n++;
	put_list(out, argv, n);
}

static const char *
dur(int64_t ms, char *buf, size_t len)
{
	format_duration(ms, buf, len);
	return buf;
}

/*
 * Prints "LABEL: RESOLVED" for argv[0], or reports it missing (what: the
 * command it belongs to, NULL for the hook or app itself). A relative name
 * with a '/' is relative to workdir, as the spawned process sees it.
 */
static int
put_path(FILE *out, const char *label, const char *what, const char *phase,
    const char *hook, const char *name, const char *workdir)
{
	char joined[PATH_MAX], resolved[PATH_MAX];
	const char *look = name, *why;
	int e;

	if (workdir != NULL && name[0] != '/' && strchr(name, '/') != NULL) {
		look = joined;
		if (snprintf(joined, sizeof(joined), "%s/%s", workdir, name) >=
		    (int)sizeof(joined))
			e = ENAMETOOLONG;
		else
			e = path_resolve(joined, resolved, sizeof(resolved));
	} else
		e = path_resolve(name, resolved, sizeof(resolved));
	fprintf(out, "    %s: ", label);
	if (e == 0) {
		put_str(out, resolved);
		fputc('\n', out);
		return 0;
	}
	why = e == ENOENT ? "not found" : e == EACCES ? "not executable" :
	    strerror(e);
	fprintf(out, "%s\n", why);
	log_event(LOG_ERR, phase, hook, "plan", -1, -1, "%s%s%s: %s",
	    what != NULL ? what : "", what != NULL ? ": " : "", look, why);
	return 1;
}

/* What a hook and the app share: argv, user, group, workdir, env. */
static int
put_proc(FILE *out, const struct proc *pr, const char *phase, const char *hook)
{
	int errors = 0;

	if (pr->argv == NULL)
		return 0;
	fputs("    argv: ", out);
	put_argv(out, pr->argv);
	fputc('\n', out);
	errors += put_path(out, "path", NULL, phase, hook, pr->argv[0],
	    pr->workdir);
	if (pr->user != NULL) {
		fputs("    user: ", out);
		put_str(out, pr->user);
		fprintf(out, " (uid %lu, gid %lu)\n", (unsigned long)pr->uid,
		    (unsigned long)pr->gid);
	}
	if (pr->group != NULL) {
		fputs("    group: ", out);
		put_str(out, pr->group);
		fprintf(out, " (gid %lu)\n", (unsigned long)pr->gid);
	}
	if (pr->workdir != NULL) {
		fputs("    workdir: ", out);
		put_str(out, pr->workdir);
		fputc('\n', out);
	}
	if (pr->nenv_files > 0) {
		fputs("    env_file: ", out);
		put_list(out, pr->env_files, pr->nenv_files);
		fputc('\n', out);
	}
	if (pr->nenv > 0) {
		fputs("    env: ", out);
		put_list(out, pr->env, pr->nenv);
		fputc('\n', out);
	}
	return errors;
}

/* The lock file, and a note when its directory is missing (it may be a
 * volume not mounted here, so this is no error). */
static void
put_lock_file(FILE *out, const char *path)
{
	char dir[PATH_MAX];

	put_str(out, path);
	if (lockfile_dir_missing(path, dir, sizeof(dir))) {
		fputs(" (directory ", out);
		put_str(out, dir);
		fputs(": not found)", out);
	}
}

/* The once key, and whether it is recorded; read without the lock, as the
 * records are only ever replaced whole. */
static void
put_once(FILE *out, const struct hook *h)
{
	char err[PATH_MAX + 128], hk[320];
	int r = -1;

	fputs("    once: ", out);
	json_fputs(out, h->once);
	if (h->lock_argv != NULL)
		fputs(" (recorded: unknown, the lock command keeps the record)",
		    out);
	else if (snprintf(hk, sizeof(hk), "%s:%s", phase_name(h->phase),
	    h->name) > 0 && (r = lockfile_once_check(h->lock, hk, h->once, err,
	    sizeof(err))) == 1)
		fputs(" (recorded: the hook will be skipped)", out);
	else if (r == 0)
		fputs(" (not recorded: the hook will run)", out);
	else
		fprintf(out, " (recorded: unknown: %s)", err);
	fputc('\n', out);
}

/* What the hook may hand on through HOOKRUN_ENV_FILE, when not the default. */
static void
put_exports(FILE *out, const struct hook *h)
{
	if (h->exports != NULL) {
		fputs("    exports: ", out);
		put_list(out, h->exports, h->nexports);
		fputc('\n', out);
	} else if (h->proc.user != NULL && h->proc.uid != trust_euid())
		fputs("    exports: none (it runs as a less privileged user: "
		    "list them in exports =)\n", out);
}

static int
put_hook(FILE *out, const struct hook *h, const char *phase, int64_t kill_ms)
{
	char b1[32], b2[32];
	int errors;

	fprintf(out, "  hook %s: ", h->name);
	if (h->line > 0)
		fprintf(out, "%s:%d\n", h->source, h->line);
	else {
		fputs("hooks_dir ", out);
		put_str(out, h->source);
		fputc('\n', out);
	}
	errors = put_proc(out, &h->proc, phase, h->name);
	if (h->wait != NULL)
		errors += plan_wait(out, h, phase);
	fprintf(out, "    timeout: %s", dur(h->timeout_ms, b1, sizeof(b1)));
	if (h->timeout_ms != 0)
		fprintf(out, ", then TERM and KILL after %s",
		    dur(kill_ms, b2, sizeof(b2)));
	fprintf(out, "\n    retries: %ld", h->retries);
	if (h->retries > 0)
		fprintf(out, ", retry_delay %s (doubling)",
		    dur(h->retry_delay_ms, b1, sizeof(b1)));
	fprintf(out, "\n    on_failure: %s\n",
	    h->on_failure == ON_FAILURE_ABORT ? "abort" : "ignore");
	if (h->lock != NULL) {
		fputs("    lock: ", out);
		if (h->lock_argv != NULL) {
			fputs("exec ", out);
			put_argv(out, h->lock_argv);
		} else
			put_lock_file(out, h->lock);
		fprintf(out, ", lock_timeout %s\n",
		    dur(h->lock_timeout_ms, b1, sizeof(b1)));
		if (h->lock_argv != NULL)
			errors += put_path(out, "lock path", "lock", phase,
			    h->name, h->lock_argv[0], NULL);
	}
	if (h->once != NULL)
		put_once(out, h);
	put_exports(out, h);
	return errors;
}

static int
put_phase(FILE *out, const struct config *cfg, const struct phase *p)
{
	char b1[32], b2[32];
	size_t i;
	int errors = 0;

	fprintf(out, "\nphase %s: timeout %s, deadline %s, on_failure %s\n",
	    p->name, dur(p->timeout_ms, b1, sizeof(b1)),
	    dur(p->deadline_ms, b2, sizeof(b2)),
	    p->on_failure == ON_FAILURE_ABORT ? "abort" : "ignore");
	if (p->nhooks == 0)
		fputs("  no hooks\n", out);
	for (i = 0; i < p->nhooks; i++)
		errors += put_hook(out, p->hooks[i], p->name,
		    cfg->kill_timeout_ms);
	for (i = 0; i < p->nskipped; i++) {
		fprintf(out, "  skipped%s: ", p->skipped[i].warned ? "" :
		    " silently");
		put_str(out, p->skipped[i].path);
		fprintf(out, ": %s\n", p->skipped[i].why);
	}
	return errors;
}

static void
put_ready(FILE *out, const struct app *a)
{
	char b1[32];

	fputs("    ready: ", out);
	switch (a->ready) {
	case READY_NONE:
		fputs("none\n", out);
		return;
	case READY_NOTIFY:
		fputs("notify", out);
		break;
	case READY_FD:
		fprintf(out, "fd:%d", a->ready_fd);
		break;
	case READY_EXEC:
		fputs("exec ", out);
		put_argv(out, a->ready_probe.argv);
		break;
	case READY_TCP:
	case READY_HTTP:
	case READY_UNIX:
		put_str(out, a->ready_probe.text);
		break;
	case READY_DELAY:
		fprintf(out, "delay:%s", dur(a->ready_delay_ms, b1,
		    sizeof(b1)));
		break;
	}
	fprintf(out, ", ready_timeout %s\n", dur(a->ready_timeout_ms, b1,
	    sizeof(b1)));
}

static int
put_app(FILE *out, const struct config *cfg)
{
	const struct app *a = &cfg->app;
	char b1[32];
	int errors, i;

	if (a->proc.argv == NULL) {
		fputs("\napp: none\n", out);
		return 0;
	}
	if (a->from_cmdline)
		fputs("\napp: from the command line\n", out);
	else
		fprintf(out, "\napp: %s:%d\n", cfg->file, a->line);
	errors = put_proc(out, &a->proc, "start", NULL);
	put_ready(out, a);
	if (a->ready == READY_EXEC)
		errors += put_path(out, "ready path", "ready", "start", NULL,
		    a->ready_probe.argv[0], a->proc.workdir);
	else if (a->ready_probe.text != NULL)
		errors += plan_probe_detail(out, "      ", &a->ready_probe,
		    "start", "ready", a->proc.workdir);
	errors += plan_health(out, a);
	if (a->stop_signal > 0)
		fprintf(out, "    stop_signal: %s\n", signal_name(a->stop_signal));
	else
		fputs("    stop_signal: the one hookrun receives (TERM when "
		    "hookrun stops the app itself)\n", out);
	fprintf(out, "    stop_timeout: %s, then KILL\n",
	    dur(cfg->stop_timeout_ms, b1, sizeof(b1)));
	fputs("    success_status:", out);
	for (i = 0; i < 256; i++)
		if (a->success_status[i])
			fprintf(out, " %d", i);
	fprintf(out, "\n    signal_group: %s\n", a->signal_group ? "yes" : "no");
	return errors;
}

static void
put_restart(FILE *out, const struct config *cfg)
{
	static const char *const names[] = { "no", "on-failure", "always" };
	char b1[32], b2[32];

	fprintf(out, "\nrestart: %s\n", names[cfg->restart]);
	if (cfg->restart == RESTART_NO)
		return;
	fprintf(out, "    restart_delay: %s, doubling up to %s\n",
	    dur(cfg->restart_delay_ms, b1, sizeof(b1)),
	    cfg->restart_delay_max_ms ? dur(cfg->restart_delay_max_ms, b2,
	    sizeof(b2)) : "no limit");
	fprintf(out, "    restart_limit: %ld in %s\n", cfg->restart_limit,
	    dur(cfg->restart_window_ms, b1, sizeof(b1)));
}

int
plan_print(FILE *out, const struct config *cfg, int only)
{
	char b1[32];
	struct stat st;
	int errors = 0, ph;

	fputs("config: ", out);
	put_str(out, cfg->file);
	fputs(cfg->found ? "\n" : " (not found: plain init)\n", out);
	fputs("hooks_dir: ", out);
	if (cfg->hooks_dir == NULL)
		fputs("none\n", out);
	else {
		put_str(out, cfg->hooks_dir);
		fputs(stat(cfg->hooks_dir, &st) == 0 ? "\n" :
		    " (absent)\n", out);
	}
	fprintf(out, "kill_timeout: %s\n", dur(cfg->kill_timeout_ms, b1,
	    sizeof(b1)));
	fprintf(out, "log_format: %s\n", cfg->log_json ? "json" : "text");
	fprintf(out, "strict_permissions: %s\n", trust_strict_option() ?
	    "yes" : "no (--no-strict-permissions)");
	if (cfg->status_file_set) {
		fputs("status_file: ", out);
		put_str(out, cfg->status_file != NULL ? cfg->status_file :
		    "none");
		fputc('\n', out);
	}
	for (ph = 0; ph < PHASE_COUNT; ph++)
		if (ph != PHASE_START && (only < 0 || ph == only))
			errors += put_phase(out, cfg, &cfg->phases[ph]);
	if (only < 0 || only == PHASE_START) {
		errors += put_app(out, cfg);
		put_restart(out, cfg);
	}
	fflush(out);
	return errors;
}
