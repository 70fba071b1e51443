/* hookdir.c: the hooks_dir/PHASE/ scan: executable files become hooks, in byte order; */
/* the others are skipped, warned about (but for the run-parts style names) and recorded. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hookdir.h"
#include "log.h"
#include "trust.h"

static const char *const silent_suffixes[] = {
	"~", ".disabled", ".dpkg-old", ".dpkg-new", ".dpkg-dist", ".rpmnew",
	".rpmsave", NULL
};

/* The suffix that makes name a silent skip, "." for a hidden file, or NULL. */
static const char *
silent_why(const char *name)
{
	size_t n = strlen(name), sl;
	int i;

	if (name[0] == '.')
		return ".";
	for (i = 0; silent_suffixes[i] != NULL; i++) {
		sl = strlen(silent_suffixes[i]);
		if (n >= sl && strcmp(name + n - sl, silent_suffixes[i]) == 0)
			return silent_suffixes[i];
	}
	return NULL;
}

int
hookdir_silent_skip(const char *name)
{
	return silent_why(name) != NULL;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * As root, a hook others can rewrite, or a directory others can add one
 * to, is a way in: refused (trust_path). 1 when refused, after saying why.
 */
static int
untrusted(const char *path, int flags)
{
	char why[PATH_MAX + 64];

	if (trust_path(path, flags | TRUST_MISSING_OK, why, sizeof(why)) != -1)
		return 0;
	log_err("%s: %s%s", path, why, TRUST_HINT);
	return 1;
}

static int
skip(struct phase *p, const char *path, const char *why, int warned)
{
	struct skipped *ns;

	if (warned)
		log_warn("%s: skipped: %s", path, why);
	if ((ns = realloc(p->skipped, (p->nskipped + 1) * sizeof(*ns))) == NULL)
		return -1;
	p->skipped = ns;
	ns = &p->skipped[p->nskipped];
	ns->warned = warned;
	if ((ns->path = strdup(path)) == NULL)
		return -1;
	if ((ns->why = strdup(why)) == NULL) {
		free(ns->path);
		return -1;
	}
	p->nskipped++;
	return 0;
}

/* A hooks_dir hook: argv is the file alone, everything else the phase's defaults. */
static int
add_hook(struct phase *p, enum phase_id ph, const char *name, const char *path)
{
	struct hook *h, **nh;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	h->phase = ph;
	h->timeout_ms = p->timeout_ms;
	h->retry_delay_ms = 1000;
	h->on_failure = p->on_failure;
	h->lock_timeout_ms = h->timeout_ms;
	if ((h->name = strdup(name)) == NULL ||
	    (h->source = strdup(path)) == NULL ||
	    (h->proc.exec = strdup(path)) == NULL ||
	    (h->proc.argv = calloc(2, sizeof(char *))) == NULL ||
	    (h->proc.argv[0] = strdup(path)) == NULL ||
	    (nh = realloc(p->hooks, (p->nhooks + 1) * sizeof(*nh))) == NULL) {
		if (h->proc.argv != NULL)
			free(h->proc.argv[0]);
		free(h->proc.argv);
		free(h->proc.exec);
		free(h->source);
		free(h->name);
		free(h);
		return -1;
	}
	nh[p->nhooks++] = h;
	p->hooks = nh;
	return 0;
}

/* A file may not take the name of a hook the config file gives the same phase. */
static int
clashes(const struct phase *p, const char *name, const char *path)
{
	size_t i;

	for (i = 0; i < p->nhooks; i++)
		if (p->hooks[i]->line > 0 && strcmp(p->hooks[i]->name, name) == 0) {
			log_err("%s: hook name '%s' is already used by [%s:%s] "
			    "at %s:%d", path, name, p->name, name,
			    p->hooks[i]->source, p->hooks[i]->line);
			return 1;
		}
	return 0;
}

/* Whether execve would run it: as root, any execute bit does (stat said so). */
static int
executable(const char *path, const struct stat *st)
{
	if (trust_euid() == 0)
		return (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
	return access(path, X_OK) == 0;
}

/*
 * As root, may the file at path, in a phase directory already walked by
 * untrusted, be run? lst is what fstatat found there without following a
 * link: a file is judged from it, a link is walked whole. 1 when refused,
 * after saying why.
 */
static int
untrusted_at(const char *path, const struct stat *lst)
{
	char why[128];

	if (S_ISLNK(lst->st_mode))
		return untrusted(path, 0);
	if (trust_stat(lst, why, sizeof(why)) != -1)
		return 0;
	log_err("%s: %s%s", path, why, TRUST_HINT);
	return 1;
}

/* One file of hooks_dir/PHASE/: a hook, a skip, or an error (returns 1; -1: no memory). */
static int
scan_file(struct phase *p, enum phase_id ph, int dirfd,
    const char *dir, const char *name)
{
	const char *silent;
	char *path, why[64];
	struct stat lst, st;
	int r = 0;

	if (asprintf(&path, "%s/%s", dir, name) == -1)
		return -1;
	if ((silent = silent_why(name)) != NULL) {
		snprintf(why, sizeof(why), strcmp(silent, ".") == 0 ?
		    "name begins with '.'" : "name ends in '%s'", silent);
		r = skip(p, path, why, 0);
	} else if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW) == -1 ||
	    (S_ISLNK(lst.st_mode) ? stat(path, &st) : (st = lst, 0)) == -1)
		r = skip(p, path, errno == ENOENT ? "dangling symbolic link" :
		    strerror(errno), 1);
	else if (!S_ISREG(st.st_mode))
		r = skip(p, path, "not a regular file", 1);
	else if (!executable(path, &st))
		r = skip(p, path, "not executable", 1);
	else if (clashes(p, name, path) || untrusted_at(path, &lst))
		r = 1;
	else
		r = add_hook(p, ph, name, path);
	free(path);
	return r;
}

static int
scan_phase(struct config *cfg, enum phase_id ph)
{
	struct phase *p = &cfg->phases[ph];
	const char *sep;
	char *dir, **names = NULL, **nn;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	int errors = 0, nomem = 0, r;

	sep = cfg->hooks_dir[strlen(cfg->hooks_dir) - 1] == '/' ? "" : "/";
	if (asprintf(&dir, "%s%s%s", cfg->hooks_dir, sep, p->name) == -1) {
		log_err("%s: out of memory", cfg->hooks_dir);
		return 1;
	}
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT) {
			log_err("%s: %s", dir, strerror(errno));
			errors++;
		}
		free(dir);
		return errors;
	}
	errors += untrusted(dir, TRUST_DIR);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				log_err("%s: readdir: %s", dir, strerror(errno));
				errors++;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*nn))) != NULL)
			names = nn;
		if (nn == NULL || (names[n] = strdup(de->d_name)) == NULL) {
			nomem = 1;
			break;
		}
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (!nomem && (r = scan_file(p, ph, dirfd(d), dir,
		    names[i])) < 0)
			nomem = 1;
		else if (!nomem)
			errors += r;
		free(names[i]);
	}
	closedir(d);
	free(names);
	if (nomem) {
		log_err("%s: out of memory", dir);
		errors++;
	}
	free(dir);
	return errors;
}

int
hookdir_scan(struct config *cfg)
{
	struct stat st;
	int errors = 0, ph;

	if (cfg->hooks_dir == NULL || cfg->hooks_dir[0] == '\0')
		return 0;
	if (stat(cfg->hooks_dir, &st) == -1 && errno == ENOENT)
		return 0;	/* no phase directory either */
	errors += untrusted(cfg->hooks_dir, TRUST_DIR);
	for (ph = 0; ph < PHASE_COUNT; ph++)
		if (ph != PHASE_START)
			errors += scan_phase(cfg, (enum phase_id)ph);
	return errors;
}
