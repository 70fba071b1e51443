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

int
lockfile_open(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT && lockfile_dir_missing(path, dir, sizeof(dir)))
		snprintf(err, errlen, "lock %s: directory %s: %s", path, dir,
		    strerror(errno));
	else
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
	return -1;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
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
		(void)write_all(fd, note, (size_t)n);
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

static int
record_path(char *buf, size_t len, const char *path, const char *suffix,
    char *err, size_t errlen)
{
	if (snprintf(buf, len, "%s%s", path, suffix) < (int)len)
		return 0;
	snprintf(err, errlen, "%s%s: %s", path, suffix, strerror(ENAMETOOLONG));
	return -1;
}

int
lockfile_once_check(const char *path, const char *key, char *err,
    size_t errlen)
{
	char rec[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int found = 0;

	if (record_path(rec, sizeof(rec), path, ".once", err, errlen) == -1)
		return -1;
	if ((f = fopen(rec, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "open %s: %s", rec, strerror(errno));
		return -1;
	}
	while (!found && (n = getline(&line, &cap, f)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		found = strcmp(line, key) == 0;
	}
	if (!found && ferror(f)) {
		snprintf(err, errlen, "read %s: %s", rec, strerror(errno));
		found = -1;
	}
	free(line);
	fclose(f);
	return found;
}

/* Copies the old records into fd, ending in a newline; 0 or -1 (errno). */
static int
copy_records(const char *rec, int fd)
{
	char buf[8192], last = '\n';
	ssize_t n;
	int in;

	if ((in = open(rec, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (write_all(fd, buf, (size_t)n) == -1)
			break;
		last = buf[n - 1];
	}
	close(in);
	if (n != 0)
		return -1;
	return last == '\n' ? 0 : write_all(fd, "\n", 1);
}

static int
sync_dir(const char *file)
{
	char dir[PATH_MAX];
	int fd, r;

	dir_of(file, dir, sizeof(dir));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	/* Some file systems cannot sync a directory: nothing more to do. */
	r = fsync(fd) == -1 && errno != EINVAL ? -1 : 0;
	close(fd);
	return r;
}

int
lockfile_once_add(const char *path, const char *key, char *err,
    size_t errlen)
{
	char rec[PATH_MAX], tmp[PATH_MAX];
	const char *step, *file;
	int fd, e;

	if (record_path(rec, sizeof(rec), path, ".once", err, errlen) == -1 ||
	    record_path(tmp, sizeof(tmp), path, ".once.tmp", err, errlen) == -1)
		return -1;
	/* Only the lock holder writes it: a fixed name is safe, and one
	 * left by a crash is simply written over. */
	step = "open";
	file = tmp;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) ==
	    -1)
		goto fail;
	step = "write";
	if (copy_records(rec, fd) == -1 || write_all(fd, key, strlen(key)) ==
	    -1 || write_all(fd, "\n", 1) == -1)
		goto fail_close;
	step = "fsync";
	if (fsync(fd) == -1)
		goto fail_close;
	step = "close";
	if (close(fd) == -1) {
		fd = -1;
		goto fail_close;
	}
	step = "rename";
	if (rename(tmp, rec) == -1)
		goto fail_unlink;
	step = "fsync the directory of";
	file = rec;
	if (sync_dir(rec) == -1)
		goto fail;
	return 0;
fail_close:
	e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
fail_unlink:
	e = errno;
	unlink(tmp);
	errno = e;
fail:
	snprintf(err, errlen, "%s %s: %s", step, file, strerror(errno));
	return -1;
}
