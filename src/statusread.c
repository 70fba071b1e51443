/* statusread.c: the status file's format, both ways, and hookrun --status, which prints it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "status.h"

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

/* 1 when the hookrun that wrote si is gone, as far as this process can tell. */
static int
writer_gone(const struct status_info *si)
{
	char link[64], want[64];
	ssize_t n;

	if (si->state == STATUS_EXITED || si->pidns == 0)
		return 0;
	if ((n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1)) <= 0)
		return 0;
	link[n] = '\0';
	snprintf(want, sizeof(want), "pid:[%lu]", si->pidns);
	/* In another PID namespace, its pid means nothing here. */
	if (strcmp(link, want) != 0)
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

int
status_show(FILE *out, const char *path, int json)
{
	struct status_info si;
	char buf[STATUS_FILE_MAX + 1], err[128], since[64];
	struct tm tm;
	time_t t;
	ssize_t n;
	int fd, gone, code;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    (n = read(fd, buf, STATUS_FILE_MAX)) < 0) {
		fprintf(stderr, "hookrun: %s: %s: hookrun is not running, or "
		    "keeps no status there\n", path, strerror(errno));
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
