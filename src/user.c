/* user.c: reads /etc/passwd and /etc/group itself: getpwnam(3) and friends */
/* go through NSS, whose modules a static hookrun cannot count on loading. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user.h"

#define FIELDS_MAX	5	/* name:password:id[:gid]:the rest */

/* Splits s at its first max - 1 colons; returns the number of fields. */
static size_t
split(char *s, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = s;
	while (n < max && (s = strchr(s, ':')) != NULL) {
		*s++ = '\0';
		f[n++] = s;
	}
	return n;
}

/* An id in the file or in the config: decimal digits only, below the */
/* (uid_t)-1 that means "none". */
static int
id_field(const char *s, unsigned long *id)
{
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	*id = strtoul(s, &end, 10);
	return *end == '\0' && errno == 0 && *id < (unsigned long)UINT_MAX;
}

/*
 * The first well-formed entry of path with nids id fields after the name
 * and password (2: uid and gid; 1: gid) whose name is name or, when name
 * is NULL, whose first id is id; ids gets its ids. 1: found, 0: not,
 * -1: a read error.
 */
static int
lookup(const char *path, size_t nids, const char *name, unsigned long id,
    unsigned long *ids)
{
	FILE *fp;
	char *line = NULL, *p, *f[FIELDS_MAX];
	size_t cap = 0, i;
	ssize_t len;
	int found = 0, saved;

	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (!found && (len = getline(&line, &cap, fp)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#' ||
		    split(p, f, nids + 3) < nids + 2)
			continue;
		for (i = 0; i < nids; i++)
			if (!id_field(f[2 + i], &ids[i]))
				break;
		if (i == nids)
			found = name != NULL ? strcmp(f[0], name) == 0 :
			    ids[0] == id;
	}
	if (!found && !feof(fp))	/* a read error, or no memory */
		found = -1;
	saved = errno;
	free(line);
	fclose(fp);
	errno = saved;
	return found;
}

int
user_lookup(const char *path, const char *s, uid_t *uid, gid_t *gid)
{
	unsigned long ids[2], id;
	int r;

	if ((r = lookup(path, 2, s, 0, ids)) == 0 && id_field(s, &id) &&
	    (r = lookup(path, 2, NULL, id, ids)) == 0) {
		*uid = (uid_t)id;
		return USER_NUMBER;
	}
	if (r != 1)
		return r;
	*uid = (uid_t)ids[0];
	*gid = (gid_t)ids[1];
	return USER_ENTRY;
}

int
group_lookup(const char *path, const char *s, gid_t *gid)
{
	unsigned long ids[1], id;
	int r;

	if ((r = lookup(path, 1, s, 0, ids)) == 0 && id_field(s, &id)) {
		*gid = (gid_t)id;
		return USER_NUMBER;
	}
	if (r != 1)
		return r;
	*gid = (gid_t)ids[0];
	return USER_ENTRY;
}
