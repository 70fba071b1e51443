/* trust.c: may root trust a path? Walks it one component at a time by descriptor, */
/* checking who could change each directory on the way, as OpenSSH's StrictModes does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "trust.h"

#define LINKS_MAX	40	/* symbolic links followed in one path, as the kernel */
#define DIR_FLAGS	(O_RDONLY | O_DIRECTORY | O_CLOEXEC)
#define FAST_DEPTH	32	/* deeper paths are walked */

static int	 strict = 1;
static uid_t	 euid = (uid_t)-1;	/* hookrun's: it does not change */

uid_t
trust_euid(void)
{
	if (euid == (uid_t)-1)
		euid = geteuid();
	return euid;
}

void
trust_set_strict(int on)
{
	strict = on;
}

int
trust_strict_option(void)
{
	return strict;
}

int
trust_strict(void)
{
	return strict && trust_euid() == 0;
}

int
trust_owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == trust_euid();
}

static int
writable_by_others(const struct stat *st)
{
	return (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

/*
 * One walk. Whoever can write a directory on the way can swap what the
 * path names from there on: each must be root's (or hookrun's user's) and
 * closed to others, or sticky (then others cannot touch root's entries,
 * but may add their own: an entry taken from it must be root's too).
 */
struct walk {
	int	 fd;		/* the directory reached */
	int	 shared;	/* others can write it (so it is sticky) */
	char	 at[PATH_MAX];	/* its path as walked, for messages */
	char	*why;
	size_t	 len;
};

static int
fail(struct walk *w, int err, const char *fmt, const char *what)
{
	snprintf(w->why, w->len, fmt, what);
	errno = err;
	return -1;
}

/* "PATH: strerror" for the component at (or w->at) that failed. */
static int
sys_fail(struct walk *w, const char *at)
{
	int e = errno;

	snprintf(w->why, w->len, "%s: %s", at, strerror(e));
	errno = e;
	return -1;
}

/* What enter() asks of a directory on the way, st its stat, reached as w->at. */
static int
dir_ok(struct walk *w, const struct stat *st)
{
	w->shared = writable_by_others(st);
	if (!trust_owner_ok(st)) {
		snprintf(w->why, w->len, "directory %s: owned by uid %lu, not "
		    "root", w->at, (unsigned long)st->st_uid);
		errno = EPERM;
		return -1;
	}
	if (w->shared && !(st->st_mode & S_ISVTX))
		return fail(w, EPERM, "directory %s: writable by group or "
		    "others and not sticky", w->at);
	return 0;
}

/* Checks the directory open as fd, reached as w->at; becomes w->fd. */
static int
enter(struct walk *w, int fd)
{
	struct stat st;

	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	if (fstat(fd, &st) == -1)
		return sys_fail(w, w->at);
	return dir_ok(w, &st);
}

static int
enter_path(struct walk *w, const char *start)
{
	int fd;

	snprintf(w->at, sizeof(w->at), "%s", start);
	if ((fd = open(start, DIR_FLAGS)) == -1)
		return sys_fail(w, start);
	return enter(w, fd);
}

/* w->at plus "/c", or less its last component for "..". */
static void
at_step(struct walk *w, const char *c)
{
	size_t n = strlen(w->at);
	char *slash;

	if (strcmp(c, "..") == 0) {
		if ((slash = strrchr(w->at, '/')) != NULL && slash != w->at)
			*slash = '\0';
		else if (slash == w->at)
			w->at[1] = '\0';
		return;
	}
	snprintf(w->at + n, sizeof(w->at) - n, "%s%s",
	    n > 0 && w->at[n - 1] == '/' ? "" : "/", c);
}

/*
 * Walks path from / or the current directory. Every component is a
 * directory entered with O_NOFOLLOW, a symbolic link read and followed, or,
 * when it is the last and !into, a name left in last (its directory is then
 * w->fd). With into, the last component is entered too. 0, or -1 with errno
 * and w->why.
 */
static int
walk(struct walk *w, const char *path, int into, char *last, size_t lastlen,
    struct stat *lastst)
{
	char rest[PATH_MAX], target[PATH_MAX], c[NAME_MAX + 1];
	char link[PATH_MAX + NAME_MAX + 2], *p, *end;
	struct stat st;
	int links = 0, fd;
	size_t n;
	ssize_t tl;

	if (path[0] == '\0') {
		errno = ENOENT;
		return sys_fail(w, "\"\"");
	}
	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest)) {
		errno = ENAMETOOLONG;
		return sys_fail(w, path);
	}
	if (enter_path(w, rest[0] == '/' ? "/" : ".") == -1)
		return -1;
	snprintf(last, lastlen, ".");
	p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return 0;	/* "/" or a trailing slash: w->fd itself */
		end = strchrnul(p, '/');
		if ((n = (size_t)(end - p)) > NAME_MAX) {
			errno = ENAMETOOLONG;
			return sys_fail(w, w->at);
		}
		memcpy(c, p, n);
		c[n] = '\0';
		for (p = end; *p == '/'; p++)
			;
		if (strcmp(c, ".") == 0)
			continue;
		snprintf(link, sizeof(link), "%s%s%s", w->at,
		    w->at[strlen(w->at) - 1] == '/' ? "" : "/", c);
		if (fstatat(w->fd, c, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return sys_fail(w, link);
		if (S_ISLNK(st.st_mode)) {
			if (w->shared && !trust_owner_ok(&st))
				return fail(w, EPERM, "symbolic link %s: in a "
				    "directory others can write, and not "
				    "owned by root", link);
			if (++links > LINKS_MAX) {
				errno = ELOOP;
				return sys_fail(w, link);
			}
			if ((tl = readlinkat(w->fd, c, target,
			    sizeof(target) - 1)) == -1)
				return sys_fail(w, link);
			target[tl] = '\0';
			/* The link is replaced by its target, in place. */
			if (snprintf(link, sizeof(link), "%s%s%s", target,
			    *p != '\0' ? "/" : "", p) >= (int)sizeof(rest)) {
				errno = ENAMETOOLONG;
				return sys_fail(w, w->at);
			}
			memcpy(rest, link, strlen(link) + 1);
			p = rest;
			if (rest[0] == '/' && enter_path(w, "/") == -1)
				return -1;
			continue;
		}
		if (*p == '\0' && !into) {
			snprintf(last, lastlen, "%s", c);
			*lastst = st;
			return 0;
		}
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return sys_fail(w, link);
		}
		if ((fd = openat(w->fd, c, DIR_FLAGS | O_NOFOLLOW)) == -1)
			return sys_fail(w, link);
		at_step(w, c);
		if (enter(w, fd) == -1)
			return -1;
	}
}

static void
walk_init(struct walk *w, char *why, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->why = why;
	w->len = len;
}

/* The first m components of the absolute path dir, "/" for none. */
static void
prefix(char *to, size_t len, const char *dir, int m)
{
	const char *p = dir;

	while (m > 0 && *p != '\0')
		if (*++p == '/' || *p == '\0')
			m--;
	snprintf(to, len, "%.*s", p == dir ? 1 : (int)(p - dir), dir);
}

int
trust_open_nolinks(const char *dir, int flags, trust_dir_fn fn, void *arg)
{
	struct open_how how;
	struct stat st;
	char up[3 * FAST_DEPTH + 1], at[PATH_MAX];
	const char *p;
	int depth = 0, k, fd;
	size_t n;

	if (dir[0] != '/')
		return -2;
	for (p = dir; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		if (p[1] == '/' || (p[1] == '\0' && p != dir))
			return -2;
		if (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
		    (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
			return -2;
		depth += p[1] != '\0';
	}
	if (depth > FAST_DEPTH)
		return -2;
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned)(flags | O_DIRECTORY | O_CLOEXEC);
	how.resolve = RESOLVE_NO_SYMLINKS;
	if ((fd = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how,
	    sizeof(how))) == -1)
		return -2;
	/* Where ".." leads from a directory reached without a link is the path. */
	for (k = depth; k >= 0; k--) {
		for (n = 0; n < 3 * (size_t)k; n += 3)
			memcpy(up + n, "../", 3);
		up[n > 0 ? n - 1 : 0] = '\0';
		prefix(at, sizeof(at), dir, depth - k);
		if (fstatat(fd, up, &st, k > 0 ? AT_SYMLINK_NOFOLLOW :
		    AT_EMPTY_PATH) == -1) {
			close(fd);
			return -2;
		}
		if (fn(&st, at, k == 0, arg) == -1) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int
walk_fast_dir(const struct stat *st, const char *at, int last, void *arg)
{
	struct walk *w = arg;

	(void)last;
	snprintf(w->at, sizeof(w->at), "%s", at);
	return dir_ok(w, st);
}

/*
 * The walk in fewer system calls (trust_open_nolinks), each directory
 * checked as enter() checks it: 0 with w->fd open (dir), -1 when refused
 * (w->why), or -2 when the walk must do it.
 */
static int
walk_fast(struct walk *w, const char *dir)
{
	int fd = trust_open_nolinks(dir, O_RDONLY, walk_fast_dir, w);

	if (fd < 0)
		return fd;
	w->fd = fd;
	return 0;
}

/*
 * trust_path by walk_fast where it can: 0, 1 or -1 as trust_path, or -2
 * when the walk must do it (then nothing is open).
 */
static int
trust_path_fast(struct walk *w, const char *path, int flags)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int r;

	if (slash == NULL || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0 || (size_t)(slash - path) >= sizeof(dir))
		return -2;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	if ((r = walk_fast(w, dir)) != 0)
		return r;	/* -1 refused, -2 walk: nothing is open */
	/* Missing: the walk says why, in its words; a link it follows by hand. */
	if (fstatat(w->fd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    S_ISLNK(st.st_mode))
		r = -2;
	else if ((flags & TRUST_DIR) && !S_ISDIR(st.st_mode)) {
		snprintf(w->why, w->len, "not a directory");
		r = -1;
	} else
		r = trust_stat(&st, w->why, w->len);
	close(w->fd);
	w->fd = -1;
	return r;
}

int
trust_path(const char *path, int flags, char *why, size_t len)
{
	struct walk w;
	struct stat st;
	char last[NAME_MAX + 1];
	int r = 0;

	if (!trust_strict())
		return 0;
	walk_init(&w, why, len);
	if ((r = trust_path_fast(&w, path, flags)) != -2)
		return r;
	r = 0;
	memset(&st, 0, sizeof(st));
	if (walk(&w, path, 0, last, sizeof(last), &st) == -1)
		r = errno == ENOENT && (flags & TRUST_MISSING_OK) ? 1 : -1;
	else if (strcmp(last, ".") == 0 && fstat(w.fd, &st) == -1) {
		r = -1;
		snprintf(why, len, "%s", strerror(errno));
	} else if ((flags & TRUST_DIR) && !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "not a directory");
		r = -1;
	} else
		r = trust_stat(&st, why, len);
	if (w.fd >= 0)
		close(w.fd);
	return r;
}

int
trust_stat(const struct stat *st, char *why, size_t len)
{
	if (!trust_strict())
		return 0;
	if (!trust_owner_ok(st)) {
		snprintf(why, len, "owned by uid %lu, not root",
		    (unsigned long)st->st_uid);
		return -1;
	}
	if (writable_by_others(st)) {
		snprintf(why, len, "writable by group or others");
		return -1;
	}
	return 0;
}

int
trust_opendir(const char *path, int check, char *why, size_t len)
{
	struct walk w;
	char last[NAME_MAX + 1];
	int fd;

	if (!check) {
		if ((fd = open(path, DIR_FLAGS)) == -1)
			snprintf(why, len, "%s: %s", path, strerror(errno));
		return fd;
	}
	walk_init(&w, why, len);
	switch (walk_fast(&w, path)) {
	case 0:
		return w.fd;
	case -1:
		return -1;
	}
	if (walk(&w, path, 1, last, sizeof(last), NULL) == -1) {
		if (w.fd >= 0)
			close(w.fd);
		return -1;
	}
	return w.fd;
}
