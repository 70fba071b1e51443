/* path.h: finding an executable as execvp would, without running it. */
#ifndef HOOKRUN_PATH_H
#define HOOKRUN_PATH_H

#include <stddef.h>

/*
 * Resolves name (a path if it contains '/', else searched in $PATH, or
 * "/usr/local/bin:/usr/bin:/bin" when PATH is unset; an empty element is the
 * current directory) into out. Returns 0, or an errno: ENOENT (not found:
 * exit 127), EACCES (found but not executable, or not a regular file: exit
 * 126; out then holds the first such path), ENAMETOOLONG. On ENOENT and
 * ENAMETOOLONG out is "".
 */
int	 path_resolve(const char *name, char *out, size_t outlen);

/*
 * The same, as seen from directory dir (a hook's workdir; NULL: the current
 * one): a relative name or PATH element is looked up under dir, and out
 * stays relative, ready for an execve made after chdir(dir).
 */
int	 path_resolve_at(const char *dir, const char *name, char *out,
	    size_t outlen);

#endif
