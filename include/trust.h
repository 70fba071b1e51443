/* trust.h: may root trust a path? Checked one directory at a time, by descriptor, like OpenSSH's StrictModes. */
#ifndef HOOKRUN_TRUST_H
#define HOOKRUN_TRUST_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * --no-strict-permissions (or HOOKRUN_STRICT_PERMISSIONS=no) turns the
 * checks of trust_path off; main sets it before the config is read, and
 * nothing in the config file can.
 */
void	 trust_set_strict(int on);
int	 trust_strict_option(void);	/* as set: 1 unless turned off */
/* 1 when trust_path checks: hookrun is root and not told otherwise. */
int	 trust_strict(void);

/* Ends a message about a file trust_path refused. */
#define TRUST_HINT	" (refused as root: --no-strict-permissions allows it)"

/* hookrun's effective uid, asked once: it does not change. */
uid_t	 trust_euid(void);

/* Owned by root or by hookrun's own user. */
int	 trust_owner_ok(const struct stat *st);

#define TRUST_DIR	 1	/* the path must be a directory */
#define TRUST_MISSING_OK 2	/* a path that does not exist passes (returns 1) */

/*
 * What hookrun reads and runs as root: the config file, each env_file,
 * hooks_dir, its phase directories and each hook file. The path is walked
 * from / (or the current directory) one component at a time without
 * following links, symbolic links read and followed by hand, and each
 * directory passed through must be owned by root or hookrun's user and not
 * writable by group or others unless sticky (then a link taken from it must
 * be owned by root or hookrun's user too); the path itself must be owned by
 * root or hookrun's user and not writable by group or others. Returns 0
 * (trusted, or !trust_strict()), 1 (missing, with TRUST_MISSING_OK), or -1
 * with the reason in why ("owned by uid 4242", "directory /srv: writable
 * by group or others").
 */
int	 trust_path(const char *path, int flags, char *why, size_t len);

/*
 * What trust_path asks of its last component, for a file found in a
 * directory already walked (st from fstatat without following a link):
 * 0, or -1 with the reason in why.
 */
int	 trust_stat(const struct stat *st, char *why, size_t len);

/*
 * Opens directory path (O_RDONLY | O_DIRECTORY | O_CLOEXEC) for work by
 * descriptor. With check, walks it as trust_path does, except that the
 * directory itself may be writable by group or others when it is sticky
 * (a shared lock directory). Returns the descriptor, or -1 with errno set
 * and the reason in why (naming the directory).
 */
int	 trust_opendir(const char *path, int check, char *why, size_t len);

/*
 * The walk's way for an absolute path of directories with no symbolic
 * link, "." or ".." in it, in fewer calls: dir is opened by one openat2
 * that follows none (flags: O_PATH or O_RDONLY; O_DIRECTORY and O_CLOEXEC
 * are added), then fn is handed the stat of each directory from / down to
 * dir (last set), read through "..", "../.." and so on, with its path so
 * far; fn returns 0, or -1 to refuse it (and says why). Returns the
 * descriptor, -1 when fn refused one, or -2 when a walk must do it: a link,
 * a missing directory, more than 32 levels, no openat2 (nothing is open).
 */
typedef int (*trust_dir_fn)(const struct stat *st, const char *at, int last,
    void *arg);
int	 trust_open_nolinks(const char *dir, int flags, trust_dir_fn fn,
	    void *arg);

#endif
