/* lockfile.h: lock = PATH on disk: the OFD lock, its holder note, the once records beside it. */
#ifndef HOOKRUN_LOCKFILE_H
#define HOOKRUN_LOCKFILE_H

#include <stddef.h>

/*
 * Nothing here starts a process or waits: lock.c polls lockfile_try on a
 * timer, and plan.c reads the once records for --dry-run. Errors come back
 * as a message in err[errlen] naming the file and the failed call.
 */

/* 1 when the directory of path cannot be found (then named in dir). */
int	 lockfile_dir_missing(const char *path, char *dir, size_t len);
/*
 * Opens path for locking, creating it (0644) when missing; its directory
 * must exist and, as root, be one others cannot swap (trust_opendir). The
 * file is opened without following a link and must be a regular file with
 * one link, owned by root or hookrun's user. Returns a descriptor
 * (O_CLOEXEC), or -1 with a message.
 */
int	 lockfile_open(const char *path, char *err, size_t errlen);
/*
 * An exclusive OFD lock on the whole file, without waiting: 0 when taken
 * (and then "HOST PID TIME" is written into the file for waiters to read),
 * 1 when another holds it, -1 with a message.
 */
int	 lockfile_try(int fd, const char *path, char *err, size_t errlen);
/* Who holds it, as its holder wrote it: "host pid 12 since TIME", or "". */
void	 lockfile_holder(int fd, char *buf, size_t len);
/* Clears the holder note and closes fd, which drops the lock. */
void	 lockfile_unlock(int fd);

/*
 * Whether hook ("PHASE:NAME") has recorded key in the once records of the
 * lock at path (the file path + ".once", one "PHASE:NAME<TAB>KEY" a line,
 * opened as the lock file is): 1, 0 (also when there is no such file), or
 * -1 with a message.
 */
int	 lockfile_once_check(const char *path, const char *hook,
	    const char *key, char *err, size_t errlen);
/*
 * Adds hook's key to the records, atomically (safe_replace): a crash leaves
 * the old records or the new ones, never a torn file. Call with the lock
 * held. 0, or -1 with a message.
 */
int	 lockfile_once_add(const char *path, const char *hook, const char *key,
	    char *err, size_t errlen);

#endif
