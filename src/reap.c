/* reap.c: at exit, every remaining descendant gets TERM, then KILL after kill_timeout: nothing outlives hookrun. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "children.h"
#include "log.h"
#include "parse.h"
#include "reap.h"

/* Our children, from /proc; -1 when /proc cannot tell. */
static int
children_count(void)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd, count = 0, inword = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
	    (int)getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (isdigit((unsigned char)buf[i])) {
				if (!inword)
					count++;
				inword = 1;
			} else
				inword = 0;
		}
	}
	close(fd);
	return count;
}

static pid_t
proc_ppid(const char *pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold anything, so from the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] == '\0' || p[2] == '\0')
		return -1;
	return (pid_t)strtol(p + 4, NULL, 10);
}

/*
 * Signals every descendant. As PID 1, kill(-1) reaches them all; otherwise
 * the process tree is read from /proc, repeatedly, so that a grandchild is
 * found through the parent that was found before it.
 */
static int
signal_descendants(int sig)
{
	pid_t self = getpid(), *mine = NULL, *tmp;
	size_t n = 0, cap = 0, i;
	int added, sent = 0;
	struct dirent *d;
	DIR *dir;

	if (self == 1)
		return kill(-1, sig) == 0;
	do {
		added = 0;
		if ((dir = opendir("/proc")) == NULL)
			break;
		while ((d = readdir(dir)) != NULL) {
			pid_t pid, ppid;
			int known = 0;

			if (!isdigit((unsigned char)d->d_name[0]))
				continue;
			pid = (pid_t)strtol(d->d_name, NULL, 10);
			for (i = 0; i < n && !known; i++)
				known = mine[i] == pid;
			if (known || (ppid = proc_ppid(d->d_name)) <= 0)
				continue;
			for (i = 0; i < n && !known; i++)
				known = mine[i] == ppid;
			if (ppid != self && !known)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((tmp = realloc(mine, cap * sizeof(*mine))) == NULL)
					break;
				mine = tmp;
			}
			mine[n++] = pid;
			added = 1;
		}
		closedir(dir);
	} while (added);
	for (i = 0; i < n; i++)
		if (kill(mine[i], sig) == 0)
			sent++;
	free(mine);
	return sent;
}

struct reaper {
	int	 done;
};

static void
child_cb(struct child_watch *w, int wstatus)
{
	struct reaper *r = w->data;

	(void)wstatus;
	if (!children_remain() || children_count() <= 0)
		r->done = 1;
}

static void
kill_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	char d[32];

	(void)loop;
	(void)revents;
	format_duration((int64_t)(w->repeat * 1000.), d, sizeof(d));
	log_event(LOG_WARN, NULL, NULL, "reap", -1, -1,
	    "processes still running %s after TERM: sending KILL", d);
	signal_descendants(SIGKILL);
}

void
reap_descendants(struct runtime *rt)
{
	struct reaper r = { 0 };
	struct child_watch child = { 0 };
	ev_timer timer;
	int n;

	/*
	 * Collect what has already exited, so that only the living count;
	 * that also tells, without /proc, whether any child is left.
	 */
	children_reap();
	if (!children_remain() || (n = children_count()) <= 0)
		return;
	log_event(LOG_INFO, NULL, NULL, "reap", -1, -1,
	    "sending TERM to the %d remaining process%s", n,
	    n == 1 ? "" : "es");
	signal_descendants(SIGTERM);
	signal_descendants(SIGCONT);

	children_watch(&child, 0, child_cb, &r);
	ev_timer_init(&timer, kill_cb, 0.,
	    (ev_tstamp)rt->cfg->kill_timeout_ms / 1000.);
	if (rt->cfg->kill_timeout_ms > 0)
		ev_timer_again(rt->loop, &timer);
	/* A child may have gone between the count and the watcher. */
	if (children_count() <= 0)
		r.done = 1;
	while (!r.done)
		ev_run(rt->loop, EVRUN_ONCE);
	ev_timer_stop(rt->loop, &timer);
	children_unwatch(&child);
}
