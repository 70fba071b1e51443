/* user.h: users and groups looked up in /etc/passwd and /etc/group directly, */
/* not through NSS: a static hookrun finds them in a scratch image too. */
#ifndef HOOKRUN_USER_H
#define HOOKRUN_USER_H

#include <sys/types.h>

#define USER_PASSWD_FILE	"/etc/passwd"
#define USER_GROUP_FILE		"/etc/group"

/* What a lookup found; -1 when the file cannot be read (errno set). */
#define USER_NONE	0	/* no such name, and not a number */
#define USER_ENTRY	1	/* an entry of the file */
#define USER_NUMBER	2	/* a number the file has no entry for */

/*
 * group_lookup and user_entry read path, in group(5) or passwd(5) format,
 * and take the first entry that matches, as getgrnam(3) and friends do with
 * "files"; blank, '#' comment and malformed lines are skipped, and a
 * missing file has no entries.
 *
 * group = NAME or GID: the entry named s, else s as a number; sets gid only
 * for what was found.
 */
int	 group_lookup(const char *path, const char *s, gid_t *gid);

/* What a process running as a user gets from its entry, as systemd's User=. */
struct user_entry {
	uid_t	 uid;
	gid_t	 gid;		/* USER_ENTRY only */
	char	*name;		/* the entry's; for USER_NUMBER, s itself */
	char	*home;		/* NULL when the entry has none */
	char	*shell;
};
/*
 * user = NAME or UID: the entry named s, else, when s is a decimal number,
 * the entry with that uid (USER_ENTRY: all of e is set, name, home and
 * shell malloc'd), else s as a number (USER_NUMBER: only uid, and name).
 */
int	 user_entry(const char *path, const char *s, struct user_entry *e);
void	 user_entry_free(struct user_entry *e);

#define USER_GROUPS_MAX	65536	/* NGROUPS_MAX on Linux */
/*
 * The groups of a user named name, as initgroups(3) finds them with
 * "files": gid first, then each group of path (group(5) format) that lists
 * name among its members, each once. *groups is malloc'd (even on error,
 * holding gid). 0, or -1 with errno (a read error; a missing file has no
 * groups).
 */
int	 user_groups(const char *path, const char *name, gid_t gid,
	    gid_t **groups, size_t *n);

#endif
