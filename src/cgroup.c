/* cgroup.c: each hook in a control group of its own below hookrun's, where that cgroup v2 is */
/* delegated to hookrun: no process of the hook's can leave it, and cgroup.kill ends them all. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "spawn.h"

static int	 own = -2;	/* hookrun's cgroup, open; -1: none to use; -2: not looked */
static unsigned	 serial;

/* Where the cgroup v2 hierarchy is mounted, from mountinfo. */
static int
mount_point(char *buf, size_t len)
{
	char line[1024], *dash, mnt[PATH_MAX];
	FILE *f;
	int found = 0;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if ((dash = strstr(line, " - cgroup2 ")) == NULL)
			continue;
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    strlen(mnt) < len) {
			snprintf(buf, len, "%s", mnt);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* hookrun's cgroup v2 path, from /proc/self/cgroup's "0::PATH". */
static int
own_path(char *buf, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f;
	int found = 0;

	if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			if (strlen(line + 3) < len) {
				memcpy(buf, line + 3, strlen(line + 3) + 1);
				found = 1;
			}
		}
	fclose(f);
	return found;
}

/* systemd marks a delegated cgroup with one of these, set to "1". */
static int
delegated(int fd)
{
	static const char *const names[] = { "trusted.delegate", "user.delegate" };
	char v[8];
	ssize_t n;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((n = fgetxattr(fd, names[i], v, sizeof(v) - 1)) > 0) {
			v[n] = '\0';
			if (strcmp(v, "1") == 0)
				return 1;
		}
	return 0;
}

/* hookrun's own cgroup, looked for once: open when it is delegated. */
static int
own_cgroup(void)
{
	char mnt[PATH_MAX], path[PATH_MAX], full[2 * PATH_MAX];
	int fd;

	if (own != -2)
		return own;
	own = -1;
	if (!mount_point(mnt, sizeof(mnt)) || !own_path(path, sizeof(path)))
		return own;
	snprintf(full, sizeof(full), "%s%s", mnt, path);
	if ((fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return own;
	if (!delegated(fd) || faccessat(fd, "cgroup.kill", W_OK, 0) == -1) {
		close(fd);
		return own;
	}
	log_debug("hooks run in control groups of their own below %s", full);
	return own = fd;
}

int
cgroup_open(struct cgroup_hook *g)
{
	int dir = own_cgroup(), fd;

	memset(g, 0, sizeof(*g));
	g->procs = g->events = -1;
	if (dir < 0)
		return -1;
	snprintf(g->name, sizeof(g->name), "hookrun-hook.%d.%u", (int)getpid(),
	    ++serial);
	if (mkdirat(dir, g->name, 0755) == -1) {
		log_warn("cgroup %s: mkdir: %s: hooks run in process groups "
		    "only", g->name, strerror(errno));
		close(own);
		own = -1;
		return -1;
	}
	if ((fd = openat(dir, g->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (g->procs = openat(fd, "cgroup.procs", O_WRONLY |
	    O_CLOEXEC)) == -1 || (g->events = openat(fd, "cgroup.events",
	    O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("cgroup %s: %s", g->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		g->open = 1;
		cgroup_close(g);
		return -1;
	}
	close(fd);
	g->open = 1;
	return 0;
}

int
cgroup_empty(struct cgroup_hook *g)
{
	char buf[128], *p;
	ssize_t n;

	if ((n = pread(g->events, buf, sizeof(buf) - 1, 0)) <= 0)
		return 1;
	buf[n] = '\0';
	return (p = strstr(buf, "populated ")) != NULL && p[10] == '0';
}

void
cgroup_signal(struct cgroup_hook *g, int sig)
{
	char path[96], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int fd;

	if (sig == SIGKILL) {
		snprintf(path, sizeof(path), "%s/cgroup.kill", g->name);
		if ((fd = openat(own, path, O_WRONLY | O_CLOEXEC)) >= 0) {
			if (write(fd, "1", 1) == 1) {
				close(fd);
				return;
			}
			close(fd);
		}
	}
	/* Its members at this moment: none can leave, none reuse a pid in it. */
	snprintf(path, sizeof(path), "%s/cgroup.procs", g->name);
	if ((fd = openat(own, path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (f = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (getline(&line, &cap, f) != -1)
		spawn_kill((pid_t)atol(line), sig);
	free(line);
	fclose(f);
}

void
cgroup_close(struct cgroup_hook *g)
{
	if (!g->open)
		return;
	if (g->procs >= 0)
		close(g->procs);
	if (g->events >= 0)
		close(g->events);
	/* A group given up on stays; it goes with hookrun's own. */
	if (unlinkat(own, g->name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		log_debug("cgroup %s: rmdir: %s", g->name, strerror(errno));
	memset(g, 0, sizeof(*g));
	g->procs = g->events = -1;
}
