/* safefile.c: files hookrun creates or keeps as root: opened by name in a checked */
/* directory without following links, then handled by descriptor; new ones made with O_EXCL. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "safefile.h"
#include "trust.h"

#define TRIES	100	/* random names tried before giving up */

static int
fail(char *why, size_t len, const char *name, int err)
{
	snprintf(why, len, "%s: %s", name, strerror(err));
	errno = err;
	return -1;
}

/* Six random letters and digits: a name nobody can guess in advance. */
static void
random_suffix(char out[7])
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[6];
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		unsigned long x = (unsigned long)time(NULL) ^
		    ((unsigned long)getpid() << 16) ^ (unsigned long)clock();

		for (i = 0; i < sizeof(r); i++, x >>= 5)
			r[i] = (unsigned char)(x ^ (x >> 11));
	}
	for (i = 0; i < sizeof(r); i++)
		out[i] = set[r[i] % (sizeof(set) - 1)];
	out[6] = '\0';
}

int
safe_openat(int dirfd, const char *name, int flags, mode_t mode, char *why,
    size_t len)
{
	struct stat st;
	int fd, e;

	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC, mode);
	if (fd == -1) {
		e = errno;
		/* O_CREAT meets a link in a sticky directory with EACCES. */
		if (e == ELOOP || (e == EACCES && fstatat(dirfd, name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)))
			snprintf(why, len, "%s: a symbolic link: refused", name);
		else
			fail(why, len, name, e);
		errno = e;
		return -1;
	}
	e = 0;
	if (fstat(fd, &st) == -1) {
		e = errno;
		fail(why, len, name, e);
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "%s: not a regular file: refused", name);
		e = EPERM;
	} else if (st.st_nlink != 1) {
		snprintf(why, len, "%s: has %lu hard links: refused", name,
		    (unsigned long)st.st_nlink);
		e = EPERM;
	} else if (!trust_owner_ok(&st)) {
		snprintf(why, len, "%s: owned by uid %lu, neither root nor "
		    "hookrun's user: refused", name, (unsigned long)st.st_uid);
		e = EPERM;
	} else if (fcntl(fd, F_SETFL, flags & O_APPEND) == -1) {
		e = errno;
		fail(why, len, name, e);
	}
	if (e != 0) {
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
safe_read(int dirfd, const char *name, size_t max, char **buf, size_t *n,
    char *why, size_t len)
{
	size_t cap = 4096, have = 0;
	char *b, *nb;
	ssize_t r;
	int fd, e;

	*buf = NULL;
	*n = 0;
	if ((fd = safe_openat(dirfd, name, O_RDONLY, 0, why, len)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((b = malloc(cap + 1)) == NULL) {
		close(fd);
		return fail(why, len, name, ENOMEM);
	}
	for (;;) {
		if (have == cap) {
			if (cap > max) {
				e = EFBIG;
				goto err;
			}
			if ((nb = realloc(b, cap * 2 + 1)) == NULL) {
				e = ENOMEM;
				goto err;
			}
			b = nb;
			cap *= 2;
		}
		if ((r = read(fd, b + have, cap - have)) == 0)
			break;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			e = errno;
			goto err;
		}
		have += (size_t)r;
	}
	close(fd);
	if (have > max) {
		free(b);
		return fail(why, len, name, EFBIG);
	}
	b[have] = '\0';
	*buf = b;
	*n = have;
	return 0;
err:
	close(fd);
	free(b);
	return fail(why, len, name, e);
}

int
safe_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
safe_replace(int dirfd, const char *name, const void *data, size_t n,
    mode_t mode, char *why, size_t len)
{
	char tmp[NAME_MAX + 1], sfx[7];
	const char *step;
	int fd = -1, i, e;

	for (i = 0; i < TRIES && fd == -1; i++) {
		random_suffix(sfx);
		if (snprintf(tmp, sizeof(tmp), ".%s.%s", name, sfx) >=
		    (int)sizeof(tmp))
			return fail(why, len, name, ENAMETOOLONG);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST)
			return fail(why, len, tmp, errno);
	}
	if (fd == -1)
		return fail(why, len, tmp, EEXIST);
	step = "write";
	if (safe_write_all(fd, data, n) == -1)
		goto err;
	step = "fsync";
	if (fsync(fd) == -1)
		goto err;
	step = "close";
	e = close(fd);
	fd = -1;
	if (e == -1)
		goto err;
	step = "rename";
	if (renameat(dirfd, tmp, dirfd, name) == -1)
		goto err;
	/* Some file systems cannot sync a directory: nothing more to do. */
	if (fsync(dirfd) == -1 && errno != EINVAL) {
		e = errno;
		snprintf(why, len, "fsync the directory of %s: %s", name,
		    strerror(e));
		errno = e;
		return -1;
	}
	return 0;
err:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	snprintf(why, len, "%s %s: %s", step, tmp, strerror(e));
	errno = e;
	return -1;
}

/* $TMPDIR when set, short, and a directory others cannot swap; else /tmp. */
static int
temp_parent(char *path, size_t len, char *why, size_t wlen)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	if (tmp != NULL && *tmp != '\0' && strlen(tmp) < 48) {
		snprintf(path, len, "%s", tmp);
		if ((fd = trust_opendir(path, trust_euid() == 0, why, wlen)) >= 0)
			return fd;
	}
	snprintf(path, len, "/tmp");
	return trust_opendir(path, trust_euid() == 0, why, wlen);
}

int
safe_mkdtemp(struct safe_dir *d, const char *prefix, char *why, size_t len)
{
	char parent[64], sfx[7];
	struct stat st;
	int i, e;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if ((d->parent = temp_parent(parent, sizeof(parent), why, len)) == -1)
		return -1;
	for (i = 0; i < TRIES; i++) {
		random_suffix(sfx);
		snprintf(d->name, sizeof(d->name), "%s.%s", prefix, sfx);
		if (mkdirat(d->parent, d->name, 0700) == 0)
			break;
		if (errno != EEXIST)
			goto err;
	}
	if (i == TRIES)
		goto err;
	if ((d->fd = openat(d->parent, d->name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto err_rm;
	/* What was made is what is open: ours, and closed to all others. */
	if (fstat(d->fd, &st) == -1 || st.st_uid != trust_euid() ||
	    (st.st_mode & 077) != 0) {
		errno = EPERM;
		goto err_rm;
	}
	snprintf(d->path, sizeof(d->path), "%s%s%s", parent,
	    parent[strlen(parent) - 1] == '/' ? "" : "/", d->name);
	return 0;
err_rm:
	e = errno;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	unlinkat(d->parent, d->name, AT_REMOVEDIR);
	errno = e;
err:
	e = errno;
	snprintf(why, len, "%s/%s: %s", parent, d->name, strerror(e));
	close(d->parent);
	d->parent = -1;
	errno = e;
	return -1;
}

int
safe_dir_share(struct safe_dir *d, const char *name, uid_t uid, gid_t gid)
{
	if (uid == (uid_t)-1 && gid == (gid_t)-1)
		return 0;
	/* The directory is hookrun's: the app can reach the socket, but
	 * neither list, add nor replace anything in it. */
	if (fchownat(d->fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fchmodat(d->fd, name, 0600, 0) == -1)
		return -1;
	if (gid != (gid_t)-1 && (fchown(d->fd, (uid_t)-1, gid) == -1 ||
	    fchmod(d->fd, 0710) == -1))
		return -1;
	if (gid == (gid_t)-1 && fchmod(d->fd, 0711) == -1)
		return -1;
	return 0;
}

void
safe_dir_remove(struct safe_dir *d, const char *name)
{
	if (d->fd >= 0) {
		if (name != NULL)
			unlinkat(d->fd, name, 0);
		close(d->fd);
	}
	if (d->parent >= 0) {
		unlinkat(d->parent, d->name, AT_REMOVEDIR);
		close(d->parent);
	}
	d->fd = d->parent = -1;
}
