/* status.c: keeps hookrun's state in status_file for hookrun --status: replaced whole, on changes only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "trust.h"

static struct status_info cur;
static int		 dir_fd = -1;	/* the file's directory, checked */
static char		 base[NAME_MAX + 1];
static char		 tmpname[NAME_MAX + 32];
static const char	*where;		/* the path, for messages */
static int		 dirty;
static int		 failed;	/* a write failed: said once */
static int		 loud;
static ev_timer		 flush;		/* STATUS_DELAY after a change: write */
static struct ev_loop	*floop;

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (loud)
		log_warn("status_file %s: %s: hookrun --status will not "
		    "know this hookrun", where, msg);
	else
		log_debug("status_file %s: %s", where, msg);
}

/*
 * A directory hookrun may keep its file in: owned by root or hookrun's
 * user, and writable by no one else; sticky ones (/tmp) are passed
 * through but never kept in.
 */
static int
stat_trusted(const struct stat *st, const char *name, int last)
{
	if (!trust_owner_ok(st)) {
		say("%s is owned by uid %lu", name, (unsigned long)st->st_uid);
		return 0;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    (last || !(st->st_mode & S_ISVTX))) {
		say("%s is writable by group or others", name);
		return 0;
	}
	return 1;
}

static int
dir_trusted(int fd, const char *name, int last)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		say("%s: %s", name, strerror(errno));
		return 0;
	}
	return stat_trusted(&st, name, last);
}

/* stat_trusted for trust_open_nolinks: by the directory's own name. */
static int
nolinks_ok(const struct stat *st, const char *at, int last, void *arg)
{
	(void)arg;
	return stat_trusted(st, at[1] == '\0' ? "/" : strrchr(at, '/') + 1,
	    last) ? 0 : -1;
}

/*
 * Opens the directory of path one component at a time, never following a
 * symbolic link, checking each; makes the last one when missing.
 */
static int
dir_open(const char *path)
{
	char buf[PATH_MAX], *comp, *save = NULL, *next;
	int fd, nfd;

	if (strlen(path) >= sizeof(buf))
		return -1;
	memcpy(buf, path, strlen(path) + 1);
	*strrchr(buf, '/') = '\0';
	/* One openat2 and a look at each directory where no link is on the way. */
	if ((fd = trust_open_nolinks(buf, O_PATH, nolinks_ok, NULL)) != -2)
		return fd;
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		say("/: %s", strerror(errno));
		return -1;
	}
	if (!dir_trusted(fd, "/", buf[0] == '\0')) {
		close(fd);
		return -1;
	}
	for (comp = strtok_r(buf, "/", &save); comp != NULL; comp = next) {
		next = strtok_r(NULL, "/", &save);
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd == -1 && errno == ENOENT && next == NULL &&
		    (mkdirat(fd, comp, 0755) == 0 || errno == EEXIST))
			nfd = openat(fd, comp, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (nfd == -1) {
			say("%s: %s", comp, strerror(errno));
			return -1;
		}
		fd = nfd;
		if (!dir_trusted(fd, comp, next == NULL)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * The new file takes the name: exchanged with the old one, which is then
 * removed. A rename over a file would do it in one call, but on ext4 it
 * also starts writing the new file's data out (auto_da_alloc, against
 * zero-length files after a crash: moot for a state that a reboot ends),
 * 170 us against 30. A plain rename where there is no old file, or no
 * exchange.
 */
static int
swap_in(void)
{
	static int exchange = 1;

	if (exchange && renameat2(dir_fd, tmpname, dir_fd, base,
	    RENAME_EXCHANGE) == 0) {
		unlinkat(dir_fd, tmpname, 0);
		return 0;
	}
	if (exchange && errno != ENOENT)
		exchange = 0;	/* EINVAL: this file system cannot, ever */
	return renameat(dir_fd, tmpname, dir_fd, base);
}

/* A temporary file beside it, then swapped in: readers see a whole file. */
static void
status_write(void)
{
	char buf[1024];
	int fd, n, tries;

	dirty = 0;
	if (dir_fd < 0 || (n = status_format(&cur, buf, sizeof(buf))) < 0)
		return;
	for (tries = 0; tries < 2; tries++) {
		fd = openat(dir_fd, tmpname, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
		unlinkat(dir_fd, tmpname, 0);	/* left by a hookrun killed */
	}
	/* 0644 as asked: hookrun's umask is 022 (main.c). */
	if (fd == -1 || write(fd, buf, (size_t)n) != n) {
		if (!failed)
			say("write %s: %s", tmpname, strerror(errno));
		failed = 1;
		if (fd >= 0) {
			close(fd);
			unlinkat(dir_fd, tmpname, 0);
		}
		return;
	}
	close(fd);
	if (swap_in() == -1) {
		if (!failed)
			say("rename: %s", strerror(errno));
		failed = 1;
		unlinkat(dir_fd, tmpname, 0);
	}
}

/*
 * A change is written STATUS_DELAY later, with whatever else changed
 * meanwhile: hooks that follow one another, or an app that is over at
 * once, cost one write, not one each (a rename on a disk file system costs
 * more than a trivial hook). Active only while something changed, so that
 * a hookrun with nothing to do has no watcher but its signals' (signals.c
 * then waits on them alone). hookrun's exit is written at once.
 */
#define STATUS_DELAY	0.05

static void
flush_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (dirty)
		status_write();
}

static void
changed(void)
{
	dirty = 1;
	if (floop != NULL && !ev_is_active(&flush))
		ev_timer_start(floop, &flush);
}

void
status_open(struct ev_loop *loop, const char *path, int is_loud)
{
	const char *slash;

	memset(&cur, 0, sizeof(cur));
	cur.version = 1;
	cur.pid = (long)getpid();
	cur.exit_status = -1;
	cur.since = (long long)time(NULL);
	if (path == NULL)
		return;
	where = path;
	loud = is_loud;
	slash = strrchr(path, '/');
	if (slash == NULL || strlen(slash + 1) > NAME_MAX - 24 ||
	    slash[1] == '\0') {
		say("not an absolute path to a file");
		return;
	}
	snprintf(base, sizeof(base), "%s", slash + 1);
	snprintf(tmpname, sizeof(tmpname), ".%s.%ld.tmp", base, cur.pid);
	if ((dir_fd = dir_open(path)) == -1)
		return;
	/* So that a reader in the same one can check the pid. */
	cur.pidns = status_pidns();
	floop = loop;
	ev_timer_init(&flush, flush_cb, STATUS_DELAY, 0.);
	changed();
}

void
status_state(enum status_state st)
{
	if (cur.state != st) {
		cur.state = st;
		cur.since = (long long)time(NULL);
		changed();
	}
}

void
status_hook(const char *phase, const char *hook)
{
	char h[sizeof(cur.hook)] = "";

	if (phase != NULL)
		snprintf(h, sizeof(h), "%s:%s", phase, hook);
	if (strcmp(h, cur.hook) != 0) {
		memcpy(cur.hook, h, sizeof(h));
		changed();
	}
}

void
status_app(pid_t pid)
{
	if (cur.app_pid != (long)pid) {
		cur.app_pid = (long)pid;
		changed();
	}
}

void
status_ready(int ready)
{
	if (cur.ready != !!ready) {
		cur.ready = !!ready;
		changed();
	}
}

void
status_health(enum status_health h)
{
	if (cur.health != h) {
		cur.health = h;
		changed();
	}
}

void
status_restarts(long n)
{
	if (cur.restarts != n) {
		cur.restarts = n;
		changed();
	}
}

void
status_exit(int status)
{
	cur.hook[0] = '\0';
	cur.app_pid = 0;
	cur.ready = 0;
	cur.health = STATUS_HEALTH_NONE;
	cur.exit_status = status;
	status_state(STATUS_EXITED);
	if (floop != NULL)
		ev_timer_stop(floop, &flush);
	status_write();
}
