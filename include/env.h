/* env.h: the environment of a hook or the app. */
#ifndef HOOKRUN_ENV_H
#define HOOKRUN_ENV_H

#include "config.h"
#include "runtime.h"

/*
 * Builds the environment of a child: hookrun's own, the exports of earlier
 * hooks, proc's env_files and env, then vars ("KEY=VALUE", NULL-terminated;
 * may be NULL). Returns a
 * malloc'd vector to free with env_free, or NULL with a message in err
 * (an unreadable or malformed env_file).
 */
char	**env_build(const struct runtime *rt, const struct proc *proc,
	    char *const *vars, char *err, size_t errlen);
void	  env_free(char **envp);

/* The entry of envp that starts with prefix ("KEY="), or NULL. */
char	 *env_find(char **envp, const char *prefix);

/* Sets "KEY=VALUE" in a malloc'd vector, replacing KEY. 0, or -1 on ENOMEM. */
int	  env_set(char ***envp, size_t *n, const char *kv);

/*
 * The environment of one attempt of a hook: env_build's, plus HOOKRUN_PHASE,
 * HOOKRUN_HOOK, HOOKRUN_ATTEMPT, HOOKRUN_ENV_FILE, HOOKRUN_APP_PID (while
 * the app runs) and HOOKRUN_APP_STATUS (post_stop).
 */
char	**env_hook(struct runtime *rt, const struct hook *h, long attempt,
	    char *err, size_t errlen);
/* After an attempt: takes HOOKRUN_ENV_FILE's lines when ok, and empties it. */
void	  env_exports_collect(struct runtime *rt, const struct hook *h, int ok);
/* Removes HOOKRUN_ENV_FILE, at exit. */
void	  env_exports_remove(struct runtime *rt);

/*
 * Reads the KEY=value lines of path into exports (HOOKRUN_ENV_FILE after a
 * hook succeeded); warns about bad lines, naming phase and hook.
 */
void	  env_import(struct runtime *rt, const char *path, const char *phase,
	    const char *hook);

#endif
