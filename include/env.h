/* env.h: the environment of a hook or the app. */
#ifndef HOOKRUN_ENV_H
#define HOOKRUN_ENV_H

#include <stddef.h>

#include "config.h"
#include "runtime.h"

/*
 * Builds the environment of a child: hookrun's own, the exports of earlier
 * hooks, proc's env_files and env, then vars ("KEY=VALUE", NULL-terminated;
 * may be NULL), each later one replacing an earlier one of the same name,
 * in time linear in their number. Returns a malloc'd vector to free with
 * env_free, or NULL with a message in err (an unreadable, untrusted or
 * malformed env_file).
 */
char	**env_build(const struct runtime *rt, const struct proc *proc,
	    char *const *vars, char *err, size_t errlen);
/*
 * The same for a process that runs as proc's user: with user =, that
 * user's HOME, USER, LOGNAME and SHELL come after the exports, before
 * env_file and env (which may still set them).
 */
char	**env_build_as(const struct runtime *rt, const struct proc *proc,
	    char *const *vars, char *err, size_t errlen);
void	  env_free(char **envp);

/* The entry of envp that starts with prefix ("KEY="), or NULL. */
char	 *env_find(char **envp, const char *prefix);

/*
 * base (may be NULL) with add's entries set in it, replacing those of the
 * same name: a new malloc'd vector (env_free), and in *bytes the size of
 * its strings with their NULs. NULL on ENOMEM.
 */
char	**env_merge(char *const *base, char *const *add, size_t *bytes);

/*
 * The environment of one attempt of a hook: env_build_as's, plus
 * HOOKRUN_PHASE, HOOKRUN_HOOK, HOOKRUN_ATTEMPT, HOOKRUN_ENV_FILE (env_file,
 * this attempt's exports channel), HOOKRUN_APP_PID (while the app runs)
 * and HOOKRUN_APP_STATUS (post_stop).
 */
char	**env_hook(struct runtime *rt, const struct hook *h, long attempt,
	    const char *env_file, char *err, size_t errlen);

#endif
