/* safefile.h: files hookrun creates or keeps as root, handled by descriptor in a directory opened (and checked) first. */
#ifndef HOOKRUN_SAFEFILE_H
#define HOOKRUN_SAFEFILE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Everything here works on a directory descriptor (trust_opendir) and a
 * name in it, never on a path that could be swapped under it: no link is
 * followed, nothing is truncated, and a new file is made with O_EXCL.
 * Errors come back with errno set and the reason in why.
 */

/*
 * Opens name in dirfd (O_RDONLY or O_RDWR in flags, O_CREAT to make it
 * with mode when missing) without following a link and without blocking on
 * a FIFO, and checks what it got: a regular file with a single link, owned
 * by root or hookrun's user. Returns the descriptor (O_CLOEXEC), or -1.
 */
int	 safe_openat(int dirfd, const char *name, int flags, mode_t mode,
	    char *why, size_t len);

/*
 * Reads name in dirfd (safe_openat's rules) into *buf (malloc'd, with a
 * NUL after its *n bytes). A missing file reads as *buf NULL and returns
 * 0; more than max bytes is an error (EFBIG).
 */
int	 safe_read(int dirfd, const char *name, size_t max, char **buf,
	    size_t *n, char *why, size_t len);

/* Writes all n bytes of data to fd (a file: no short write is left). 0, or -1. */
int	 safe_write_all(int fd, const void *data, size_t n);

/*
 * Replaces name in dirfd with data, atomically: a new file of a random
 * name (O_CREAT | O_EXCL | O_NOFOLLOW, mode) is written, synced, renamed
 * over name, and the directory synced, so that a crash leaves the old file
 * or the new one, never a torn one. 0, or -1.
 */
int	 safe_replace(int dirfd, const char *name, const void *data, size_t n,
	    mode_t mode, char *why, size_t len);

/*
 * A directory of hookrun's own (mode 0700, made with mkdirat under $TMPDIR
 * when that is a directory others cannot swap, else under /tmp), for a
 * socket others must be able to reach.
 */
struct safe_dir {
	int	 parent;	/* where it was made; -1 when none */
	int	 fd;		/* the directory; -1 when none */
	char	 name[64];	/* its name in parent */
	char	 path[128];	/* parent/name, for others to use */
};

int	 safe_mkdtemp(struct safe_dir *d, const char *prefix, char *why,
	    size_t len);
/*
 * Lets uid/gid reach name (a socket bound in d) and nothing else: name
 * goes to uid/gid with mode 0600, the directory stays hookrun's, mode 0710
 * with group gid. -1: unchanged.
 */
int	 safe_dir_share(struct safe_dir *d, const char *name, uid_t uid,
	    gid_t gid);
/* Removes name (when not NULL) and the directory, by descriptor. */
void	 safe_dir_remove(struct safe_dir *d, const char *name);

#endif
