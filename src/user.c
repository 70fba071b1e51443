/* user.c: reads /etc/passwd and /etc/group itself: getpwnam(3) and friends */
/* go through NSS, whose modules a static hookrun cannot count on loading. */
#define _GNU_SOURCE
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
 * The next line of fp that may hold an entry, without its newline and its
 * leading blanks; blank and '#' comment lines are skipped. NULL at the end
 * (or on an error: see ferror).
 */
static char *
next_entry(FILE *fp, char **line, size_t *cap)
{
	ssize_t len;
	char *p;

	while ((len = getline(line, cap, fp)) != -1) {
		if (len > 0 && (*line)[len - 1] == '\n')
			(*line)[len - 1] = '\0';
		for (p = *line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '\0' && *p != '#')
			return p;
	}
	return NULL;
}

/* Closes fp and frees line, errno kept; returns r. */
static int
finish(FILE *fp, char *line, int r)
{
	int saved = errno;

	free(line);
	fclose(fp);
	errno = saved;
	return r;
}

/*
 * The first well-formed entry of path with nids id fields after the name
 * and password (2: uid and gid; 1: gid) whose name is name or, when name
 * is NULL, whose first id is id; ids gets its ids, and *rest (when not
 * NULL) a malloc'd "NAME:the rest of the line after the ids". 1: found,
 * 0: not, -1: a read error.
 */
static int
lookup(const char *path, size_t nids, const char *name, unsigned long id,
    unsigned long *ids, char **rest)
{
	FILE *fp;
	char *line = NULL, *p, *f[FIELDS_MAX];
	size_t cap = 0, i, nf;
	int found = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (!found && (p = next_entry(fp, &line, &cap)) != NULL) {
		if ((nf = split(p, f, nids + 3)) < nids + 2)
			continue;
		for (i = 0; i < nids; i++)
			if (!id_field(f[2 + i], &ids[i]))
				break;
		if (i == nids)
			found = name != NULL ? strcmp(f[0], name) == 0 :
			    ids[0] == id;
		if (found && rest != NULL && asprintf(rest, "%s:%s", f[0],
		    nf > nids + 2 ? f[nids + 2] : "") == -1)
			found = -1;
	}
	if (!found && !feof(fp))	/* a read error, or no memory */
		found = -1;
	return finish(fp, line, found);
}

int
group_lookup(const char *path, const char *s, gid_t *gid)
{
	unsigned long ids[1], id;
	int r;

	if ((r = lookup(path, 1, s, 0, ids, NULL)) == 0 && id_field(s, &id)) {
		*gid = (gid_t)id;
		return USER_NUMBER;
	}
	if (r != 1)
		return r;
	*gid = (gid_t)ids[0];
	return USER_ENTRY;
}

int
user_entry(const char *path, const char *s, struct user_entry *e)
{
	unsigned long ids[2], id;
	char *rest = NULL, *f[4] = { NULL, NULL, NULL, NULL };
	int r;

	memset(e, 0, sizeof(*e));
	if ((r = lookup(path, 2, s, 0, ids, &rest)) == 0 && id_field(s, &id) &&
	    (r = lookup(path, 2, NULL, id, ids, &rest)) == 0) {
		e->uid = (uid_t)id;
		return (e->name = strdup(s)) != NULL ? USER_NUMBER : -1;
	}
	if (r != 1)
		return r;
	e->uid = (uid_t)ids[0];
	e->gid = (gid_t)ids[1];
	/* NAME:GECOS:HOME:SHELL; a short entry leaves them NULL. */
	split(rest, f, 4);
	if ((e->name = strdup(f[0])) == NULL ||
	    (f[2] != NULL && *f[2] != '\0' && (e->home = strdup(f[2])) == NULL) ||
	    (f[3] != NULL && *f[3] != '\0' && (e->shell = strdup(f[3])) == NULL))
		r = -1;
	free(rest);
	if (r == -1)
		user_entry_free(e);
	return r == -1 ? -1 : USER_ENTRY;
}

void
user_entry_free(struct user_entry *e)
{
	free(e->name);
	free(e->home);
	free(e->shell);
	memset(e, 0, sizeof(*e));
}

/* 1 when the comma-separated list has name. */
static int
member(const char *list, const char *name)
{
	size_t n = strlen(name), len;

	if (n == 0)
		return 0;
	for (; *list != '\0'; list += len + (list[len] == ',')) {
		len = strcspn(list, ",");
		if (len == n && strncmp(list, name, n) == 0)
			return 1;
	}
	return 0;
}

int
user_groups(const char *path, const char *name, gid_t gid, gid_t **groups,
    size_t *n)
{
	FILE *fp;
	char *line = NULL, *p, *f[4];
	size_t cap = 0, i;
	unsigned long g;
	gid_t *v, *nv;
	int r = 0;

	*n = 0;
	if ((v = *groups = malloc(sizeof(*v))) == NULL)
		return -1;
	v[(*n)++] = gid;
	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((p = next_entry(fp, &line, &cap)) != NULL) {
		if (split(p, f, 4) < 4 || !id_field(f[2], &g) ||
		    !member(f[3], name))
			continue;
		for (i = 0; i < *n && v[i] != (gid_t)g; i++)
			;
		if (i < *n)
			continue;	/* listed twice, or the primary group */
		if (*n >= USER_GROUPS_MAX)
			break;
		if ((nv = realloc(v, (*n + 1) * sizeof(*nv))) == NULL) {
			r = -1;
			break;
		}
		*groups = v = nv;
		v[(*n)++] = (gid_t)g;
	}
	if (r == 0 && ferror(fp))
		r = -1;
	return finish(fp, line, r);
}
