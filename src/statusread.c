/* statusread.c: the status file's format, both ways, and hookrun --status, which prints it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "status.h"
#include "trust.h"

#define STATUS_FILE_MAX	4096

static const char *const state_names[STATUS_STATE_COUNT] = {
	"pre_start", "start", "post_start", "running", "stopping",
	"restarting", "post_stop", "exited"
};
static const char *const health_names[STATUS_HEALTH_COUNT] = {
	"none", "starting", "healthy", "unhealthy"
};

const char *
status_state_name(enum status_state st)
{
	return (unsigned)st < STATUS_STATE_COUNT ? state_names[st] : "?";
}

const char *
status_health_name(enum status_health h)
{
	return (unsigned)h < STATUS_HEALTH_COUNT ? health_names[h] : "?";
}

int
status_format(const struct status_info *si, char *buf, size_t len)
{
	char ex[16] = "";
	int n;

	if (si->exit_status >= 0)
		snprintf(ex, sizeof(ex), "%d", si->exit_status);
	n = snprintf(buf, len,
	    "hookrun_status=%d\n"
	    "pid=%ld\n"
	    "pidns=%lu\n"
	    "state=%s\n"
	    "hook=%s\n"
	    "app_pid=%ld\n"
	    "ready=%s\n"
	    "health=%s\n"
	    "restarts=%ld\n"
	    "since=%lld\n"
	    "exit_status=%s\n",
	    si->version, si->pid, si->pidns, status_state_name(si->state),
	    si->hook, si->app_pid, si->ready ? "yes" : "no",
	    status_health_name(si->health), si->restarts, si->since, ex);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

static int
word(const char *v, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

/* A decimal number, all of v; -1 when it is not. */
static long long
number(const char *v)
{
	long long n;
	char *end;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < 0)
		return -1;
	return n;
}

int
status_parse(const char *text, struct status_info *si, char *err, size_t len)
{
	char line[512], *eq;
	const char *p = text, *nl;
	long long n;
	int w, seen_state = 0;
	size_t ll;

	memset(si, 0, sizeof(*si));
	si->exit_status = -1;
	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		ll = (size_t)(nl - p);
		if (ll >= sizeof(line) || (eq = memchr(p, '=', ll)) == NULL)
			continue;
		memcpy(line, p, ll);
		line[ll] = '\0';
		eq = line + (eq - p);
		*eq++ = '\0';
		n = number(eq);
		if (strcmp(line, "hookrun_status") == 0)
			si->version = (int)n;
		else if (strcmp(line, "pid") == 0)
			si->pid = (long)n;
		else if (strcmp(line, "pidns") == 0)
			si->pidns = n > 0 ? (unsigned long)n : 0;
		else if (strcmp(line, "state") == 0 &&
		    (w = word(eq, state_names, STATUS_STATE_COUNT)) >= 0) {
			si->state = (enum status_state)w;
			seen_state = 1;
		} else if (strcmp(line, "hook") == 0)
			snprintf(si->hook, sizeof(si->hook), "%s", eq);
		else if (strcmp(line, "app_pid") == 0)
			si->app_pid = n > 0 ? (long)n : 0;
		else if (strcmp(line, "ready") == 0)
			si->ready = strcmp(eq, "yes") == 0;
		else if (strcmp(line, "health") == 0 &&
		    (w = word(eq, health_names, STATUS_HEALTH_COUNT)) >= 0)
			si->health = (enum status_health)w;
		else if (strcmp(line, "restarts") == 0)
			si->restarts = n > 0 ? (long)n : 0;
		else if (strcmp(line, "since") == 0)
			si->since = n > 0 ? n : 0;
		else if (strcmp(line, "exit_status") == 0)
			si->exit_status = n >= 0 && n <= 255 ? (int)n : -1;
	}
	if (si->version < 1 || si->pid <= 0 || !seen_state) {
		snprintf(err, len, "not a hookrun status file");
		return -1;
	}
	return 0;
}

int
status_code(const struct status_info *si)
{
	switch (si->state) {
	case STATUS_RUNNING:
		return si->health == STATUS_HEALTH_UNHEALTHY ? 2 : 0;
	case STATUS_EXITED:
		return 2;
	default:
		return 1;
	}
}

unsigned long
status_pidns(void)
{
	char link[64];
	ssize_t n;

	if ((n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1)) <= 0)
		return 0;
	link[n] = '\0';
	return strncmp(link, "pid:[", 5) == 0 ? strtoul(link + 5, NULL, 10) : 0;
}

/* 1 when the hookrun that wrote si is gone, as far as this process can tell. */
static int
writer_gone(const struct status_info *si)
{
	/* In another PID namespace, its pid means nothing here. */
	if (si->state == STATUS_EXITED || si->pidns == 0 ||
	    status_pidns() != si->pidns)
		return 0;
	return kill((pid_t)si->pid, 0) == -1 && errno == ESRCH;
}

static void
show_json(FILE *out, const struct status_info *si, const char *since,
    int gone, int code)
{
	fprintf(out, "{\"state\":\"%s\",\"running\":%s,\"hook\":",
	    gone ? "gone" : status_state_name(si->state),
	    gone || si->state == STATUS_EXITED ? "false" : "true");
	if (si->hook[0] != '\0')
		json_fputs(out, si->hook);
	else
		fputs("null", out);
	fprintf(out, ",\"pid\":%ld,\"app_pid\":", si->pid);
	if (si->app_pid > 0)
		fprintf(out, "%ld", si->app_pid);
	else
		fputs("null", out);
	fprintf(out, ",\"ready\":%s,\"health\":\"%s\",\"restarts\":%ld,"
	    "\"since\":\"%s\",\"exit_status\":", si->ready ? "true" : "false",
	    status_health_name(si->health), si->restarts, since);
	if (si->exit_status >= 0)
		fprintf(out, "%d", si->exit_status);
	else
		fputs("null", out);
	fprintf(out, ",\"code\":%d}\n", code);
}

static void
show_text(FILE *out, const struct status_info *si, const char *since,
    int gone)
{
	if (gone) {
		fprintf(out, "gone: hookrun (pid %ld) is not running; it was "
		    "%s since %s\n", si->pid, status_state_name(si->state),
		    since);
		return;
	}
	fputs(status_state_name(si->state), out);
	if (si->hook[0] != '\0')
		fprintf(out, ": hook %s", si->hook);
	if (si->app_pid > 0)
		fprintf(out, ", app pid %ld", si->app_pid);
	if (si->state != STATUS_EXITED)
		fprintf(out, ", %s", si->ready ? "ready" : "not ready");
	if (si->health != STATUS_HEALTH_NONE)
		fprintf(out, ", %s", status_health_name(si->health));
	fprintf(out, ", %ld restart%s", si->restarts, si->restarts == 1 ?
	    "" : "s");
	if (si->exit_status >= 0)
		fprintf(out, ", exit status %d", si->exit_status);
	fprintf(out, ", since %s\n", since);
}

#define OTHERS_WRITE(st)	(((st)->st_mode & (S_IWGRP | S_IWOTH)) != 0)
#define REFUSED			(-2)

/*
 * Directory fd, reached as at (from a directory others can write, when
 * shared): 1 when others can write it too, 0 when not, REFUSED.
 */
static int
dir_ok(int fd, const char *at, int shared, int last, char *why, size_t len)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		snprintf(why, len, "%s: %s", at, strerror(errno));
		return -1;
	}
	if (shared && !trust_owner_ok(&st))
		snprintf(why, len, "%s: owned by uid %lu, in a directory others "
		    "can write", at, (unsigned long)st.st_uid);
	else if (OTHERS_WRITE(&st) && (last || !(st.st_mode & S_ISVTX)))
		snprintf(why, len, "%s: writable by group or others%s", at,
		    last ? "" : " and not sticky");
	else
		return OTHERS_WRITE(&st);
	return REFUSED;
}

/* The regular file open as fd in directory dfd, or REFUSED. */
static int
file_ok(int fd, int dfd, const char *path, int check, char *why, size_t len)
{
	struct stat st, dst;

	if (fstat(fd, &st) == -1 || fstat(dfd, &dst) == -1) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		snprintf(why, len, "%s: not a regular file", path);
	else if (check && OTHERS_WRITE(&st))
		snprintf(why, len, "%s: writable by group or others", path);
	else if (check && !trust_owner_ok(&st) && st.st_uid != dst.st_uid)
		snprintf(why, len, "%s: owned by uid %lu, neither root, you nor "
		    "the owner of its directory", path,
		    (unsigned long)st.st_uid);
	else
		return 0;
	return REFUSED;
}

/*
 * Opens path as status.c keeps it: walked from / without following a
 * link; each directory closed to others, or sticky (then only root's or
 * this user's entries are taken from it: anyone may add one); the file's
 * own directory closed to others; the file a regular one no other user can
 * write, owned by root, this user or its directory's owner (whom root gave
 * the directory). Whatever another user plants there, a FIFO or a forged
 * state, is REFUSED, and nothing blocks. -1: an error. Both say why.
 */
static int
open_status(const char *path, char *why, size_t len)
{
	char at[PATH_MAX], *c, *next, *save = NULL;
	int fd, nfd, r, shared = 0, check = trust_strict_option();

	if (path[0] != '/' || strlen(path) >= sizeof(at)) {
		snprintf(why, len, "%s: not an absolute path", path);
		return REFUSED;
	}
	memcpy(at, path, strlen(path) + 1);
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(why, len, "/: %s", strerror(errno));
		return -1;
	}
	/* at is cut after each component in turn: "/a", then "/a/b". */
	for (c = strtok_r(at + 1, "/", &save); c != NULL; c = next) {
		next = strtok_r(NULL, "/", &save);
		if (check && (shared = dir_ok(fd, c == at + 1 ? "/" : at,
		    shared, next == NULL, why, len)) < 0) {
			close(fd);
			return shared;
		}
		if (next == NULL)
			break;
		nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(fd);
		if (c != at + 1)
			c[-1] = '/';
		if ((fd = nfd) == -1) {
			snprintf(why, len, "%s: %s", at, strerror(errno));
			return -1;
		}
	}
	if (c == NULL) {
		close(fd);
		snprintf(why, len, "%s: not a file", path);
		return REFUSED;
	}
	nfd = openat(fd, c, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (nfd == -1) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		r = -1;
	} else if ((r = file_ok(nfd, fd, path, check, why, len)) < 0)
		close(nfd);
	close(fd);
	return r < 0 ? r : nfd;
}

int
status_show(FILE *out, const char *path, int json)
{
	struct status_info si;
	char buf[STATUS_FILE_MAX + 1], err[128], since[64], why[PATH_MAX + 128];
	struct tm tm;
	time_t t;
	ssize_t n = -1;
	int fd, gone, code;

	if ((fd = open_status(path, why, sizeof(why))) >= 0 &&
	    (n = read(fd, buf, STATUS_FILE_MAX)) < 0)
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
	if (fd == REFUSED)
		fprintf(stderr, "hookrun: status_file %s: refused: %s\n", path,
		    why);
	else if (n < 0)
		fprintf(stderr, "hookrun: %s: hookrun is not running, or keeps "
		    "no status there\n", why);
	if (n < 0) {
		if (fd >= 0)
			close(fd);
		if (json)
			fprintf(out, "{\"state\":\"unknown\",\"running\":false,"
			    "\"code\":2}\n");
		return 2;
	}
	close(fd);
	buf[n] = '\0';
	if (status_parse(buf, &si, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookrun: %s: %s\n", path, err);
		return 2;
	}
	t = (time_t)si.since;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(since, sizeof(since), "@%lld", si.since);
	gone = writer_gone(&si);
	code = gone ? 2 : status_code(&si);
	if (json)
		show_json(out, &si, since, gone, code);
	else
		show_text(out, &si, since, gone);
	return code;
}
