/* lockfile.c: lock = PATH on disk: the OFD lock, its holder note, and the once records beside it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lockfile.h"
#include "safefile.h"
#include "trust.h"

#define ONCE_SUFFIX	".once"
#define ONCE_MAX	(4 * 1024 * 1024)	/* bytes of once records */

/*
 * Open-file-description locks belong to the open file, not the process:
 * they are not shared with children (the descriptor is close-on-exec), they
 * go when the last descriptor closes (the holder's death included), and
 * Linux's NFS client passes them on to the server as byte-range locks.
 */

/* The directory part of path: "/" or "." when there is none. */
static void
dir_of(const char *path, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, len, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

int
lockfile_dir_missing(const char *path, char *dir, size_t len)
{
	struct stat st;

	dir_of(path, dir, len);
	return stat(dir, &st) == -1;
}

/*
 * The directory of the lock at path, opened (as root: checked, see
 * trust_opendir) for work by descriptor; *base is the lock file's name in
 * it. -1 with a message naming path.
 */
static int
lock_dir(const char *path, const char **base, char *err, size_t errlen)
{
	char dir[PATH_MAX], why[PATH_MAX + 128];
	const char *slash = strrchr(path, '/');
	int fd, e;

	*base = slash != NULL ? slash + 1 : path;
	if (**base == '\0') {
		snprintf(err, errlen, "lock %s: %s", path, strerror(EISDIR));
		return -1;
	}
	dir_of(path, dir, sizeof(dir));
	if ((fd = trust_opendir(dir, trust_euid() == 0, why, sizeof(why))) == -1) {
		e = errno;
		if (e == ENOENT)
			snprintf(err, errlen, "lock %s: directory %s: %s", path,
			    dir, strerror(e));
		else
			snprintf(err, errlen, "lock %s: %s", path, why);
		errno = e;
	}
	return fd;
}

int
lockfile_open(const char *path, char *err, size_t errlen)
{
	char why[PATH_MAX + 128];
	const char *base;
	int dfd, fd;

	if ((dfd = lock_dir(path, &base, err, errlen)) == -1)
		return -1;
	fd = safe_openat(dfd, base, O_RDWR | O_CREAT, 0644, why, sizeof(why));
	if (fd == -1)
		snprintf(err, errlen, "lock %s: %s", path, why);
	close(dfd);
	return fd;
}

/* "HOST PID TIME\n", for whoever has to wait. */
static void
holder_write(int fd)
{
	char host[256], when[32], note[400];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (gethostname(host, sizeof(host)) == -1)
		strcpy(host, "?");
	host[sizeof(host) - 1] = '\0';
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(when, "?");
	n = snprintf(note, sizeof(note), "%s %d %s\n", host, (int)getpid(),
	    when);
	if (ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0)
		(void)safe_write_all(fd, note, (size_t)n);
}

int
lockfile_try(int fd, const char *path, char *err, size_t errlen)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
		holder_write(fd);
		return 0;
	}
	if (errno == EAGAIN || errno == EACCES)
		return 1;
	snprintf(err, errlen, "fcntl %s: F_OFD_SETLK: %s", path,
	    strerror(errno));
	return -1;
}

void
lockfile_holder(int fd, char *buf, size_t len)
{
	char note[400], host[256], when[32];
	ssize_t n;
	int pid;

	buf[0] = '\0';
	if ((n = pread(fd, note, sizeof(note) - 1, 0)) <= 0)
		return;
	note[n] = '\0';
	if (sscanf(note, "%255s %d %31s", host, &pid, when) == 3)
		snprintf(buf, len, "host %s pid %d since %s", host, pid, when);
}

void
lockfile_unlock(int fd)
{
	(void)ftruncate(fd, 0);
	close(fd);
}

/* NAME.once beside the lock file NAME. */
static int
record_name(char *buf, size_t len, const char *base, const char *path,
    char *err, size_t errlen)
{
	if (snprintf(buf, len, "%s%s", base, ONCE_SUFFIX) < (int)len)
		return 0;
	snprintf(err, errlen, "%s%s: %s", path, ONCE_SUFFIX,
	    strerror(ENAMETOOLONG));
	return -1;
}

/*
 * Whether the records (n bytes at recs, one "PHASE:NAME<TAB>KEY" a line)
 * hold hook's key. A bare "KEY" line, as hookrun 0.1 wrote, counts for
 * every hook of the lock, as it did then.
 */
static int
records_have(const char *recs, size_t n, const char *hook, const char *key)
{
	const char *p = recs, *end = recs + n, *nl, *tab;
	size_t hl = strlen(hook), kl = strlen(key), ll;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		ll = (size_t)(nl - p);
		tab = memchr(p, '\t', ll);
		if (tab == NULL ? ll == kl && memcmp(p, key, kl) == 0 :
		    (size_t)(tab - p) == hl && memcmp(p, hook, hl) == 0 &&
		    ll - hl - 1 == kl && memcmp(tab + 1, key, kl) == 0)
			return 1;
	}
	return 0;
}

/*
 * The records of the lock at path: read into *recs (NULL: none yet, also
 * when the directory is missing, and then *dfd is -1).
 */
static int
records_read(const char *path, int *dfd, char *rec, size_t reclen,
    char **recs, size_t *n, char *err, size_t errlen)
{
	char why[PATH_MAX + 128];
	const char *base;

	*recs = NULL;
	*n = 0;
	if ((*dfd = lock_dir(path, &base, err, errlen)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (record_name(rec, reclen, base, path, err, errlen) == -1 ||
	    safe_read(*dfd, rec, ONCE_MAX, recs, n, why, sizeof(why)) == -1) {
		if (errno != ENAMETOOLONG)
			snprintf(err, errlen, "once records of %s: %s", path,
			    why);
		close(*dfd);
		*dfd = -1;
		return -1;
	}
	return 0;
}

int
lockfile_once_check(const char *path, const char *hook, const char *key,
    char *err, size_t errlen)
{
	char rec[NAME_MAX + 1], *recs;
	size_t n;
	int dfd, found;

	if (records_read(path, &dfd, rec, sizeof(rec), &recs, &n, err,
	    errlen) == -1)
		return -1;
	found = recs != NULL && records_have(recs, n, hook, key);
	free(recs);
	if (dfd >= 0)
		close(dfd);
	return found;
}

int
lockfile_once_add(const char *path, const char *hook, const char *key,
    char *err, size_t errlen)
{
	char rec[NAME_MAX + 1], why[PATH_MAX + 128], *recs, *all;
	size_t n, len;
	int dfd, r = -1;

	if (records_read(path, &dfd, rec, sizeof(rec), &recs, &n, err,
	    errlen) == -1 || dfd == -1)
		return -1;
	/* The old records, a newline should the last line lack one, ours. */
	len = n + 1 + strlen(hook) + 1 + strlen(key) + 1;
	if ((all = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "%s%s: %s", path, ONCE_SUFFIX,
		    strerror(ENOMEM));
		goto out;
	}
	if (n > 0)
		memcpy(all, recs, n);
	if (n > 0 && recs[n - 1] != '\n')
		all[n++] = '\n';
	len = n + (size_t)snprintf(all + n, len + 1 - n, "%s\t%s\n", hook, key);
	if ((r = safe_replace(dfd, rec, all, len, 0644, why, sizeof(why))) == -1)
		snprintf(err, errlen, "once records of %s: %s", path, why);
out:
	free(all);
	free(recs);
	close(dfd);
	return r;
}
