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

/*
 * The executable to spawn for name from dir (NULL: the current directory):
 * cached, when set (what path_resolve_at found when the config was
 * loaded); name itself when it has a '/' (execve then tells whether it
 * runs: 127 or 126 all the same); else a PATH search now, into out. Returns
 * 0 with *exec set, or an errno as path_resolve_at.
 */
int	 path_exec(const char *cached, const char *dir, const char *name,
	    char *out, size_t outlen, const char **exec);

#endif
