/* path.c: finds an executable as execvp(3) would, without running it, so
 * that "not found" (127) and "not executable" (126) are known before exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"

#define DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"

/*
 * Whether execve would run path (relative ones under dir): 0, or ENOENT,
 * EACCES or ENAMETOOLONG. Effective ids, as execve uses; root may run a
 * file only if some execute bit is set, which faccessat knows.
 */
static int
path_check(const char *dir, const char *path)
{
	char full[PATH_MAX];
	struct stat st;
	int n;

	if (dir != NULL && *dir != '\0' && path[0] != '/') {
		n = snprintf(full, sizeof(full), "%s/%s", dir, path);
		if (n < 0 || (size_t)n >= sizeof(full))
			return ENAMETOOLONG;
		path = full;
	}
	if (stat(path, &st) == -1) {
		if (errno == EACCES || errno == ENAMETOOLONG)
			return errno;
		return ENOENT;
	}
	if (!S_ISREG(st.st_mode))
		return EACCES;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == -1)
		return errno == ENOENT ? ENOENT : EACCES;
	return 0;
}

/* Copies s into out; 0, or ENAMETOOLONG. */
static int
path_copy(char *out, size_t outlen, const char *s)
{
	size_t n = strlen(s);

	if (n >= outlen)
		return ENAMETOOLONG;
	memcpy(out, s, n + 1);
	return 0;
}

/* dir[0..dlen) "/" name into buf; an empty dir is the current one. */
static int
path_join(char *buf, size_t len, const char *dir, size_t dlen,
    const char *name)
{
	size_t nlen = strlen(name);

	if (dlen == 0) {
		dir = ".";
		dlen = 1;
	}
	if (dlen + 1 + nlen >= len)
		return ENAMETOOLONG;
	memcpy(buf, dir, dlen);
	buf[dlen] = '/';
	memcpy(buf + dlen + 1, name, nlen + 1);
	return 0;
}

int
path_resolve_at(const char *dir, const char *name, char *out, size_t outlen)
{
	char cand[PATH_MAX];
	const char *path, *p, *colon;
	int r, denied = 0, toolong = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (name == NULL || *name == '\0')
		return ENOENT;

	if (strchr(name, '/') != NULL) {
		if (path_copy(out, outlen, name) != 0)
			return ENAMETOOLONG;
		if ((r = path_check(dir, out)) != 0 && r != EACCES)
			out[0] = '\0';
		return r;
	}
	if (strlen(name) > NAME_MAX)
		return ENAMETOOLONG;
	if ((path = getenv("PATH")) == NULL)
		path = DEFAULT_PATH;

	/* A denied file is remembered and the search goes on, as execvp. */
	for (p = path; ; p = colon + 1) {
		if ((colon = strchr(p, ':')) == NULL)
			colon = p + strlen(p);
		r = path_join(cand, sizeof(cand), p, (size_t)(colon - p), name);
		if (r == 0)
			r = path_check(dir, cand);
		if ((r == 0 || (r == EACCES && !denied)) &&
		    path_copy(out, outlen, cand) != 0)
			r = ENAMETOOLONG;
		if (r == 0)
			return 0;
		if (r == EACCES)
			denied = 1;
		else if (r == ENAMETOOLONG)
			toolong = 1;
		if (*colon == '\0')
			break;
	}
	if (denied)
		return EACCES;
	return toolong ? ENAMETOOLONG : ENOENT;
}

int
path_exec(const char *cached, const char *dir, const char *name, char *out,
    size_t outlen, const char **exec)
{
	int r;

	*exec = cached;
	if (cached != NULL)
		return 0;
	*exec = name;
	if (name != NULL && strchr(name, '/') != NULL)
		return 0;
	*exec = out;
	if ((r = path_resolve_at(dir, name, out, outlen)) != 0)
		*exec = NULL;
	return r;
}

int
path_resolve(const char *name, char *out, size_t outlen)
{
	return path_resolve_at(NULL, name, out, outlen);
}
