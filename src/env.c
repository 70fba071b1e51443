/* env.c: the environment of a hook or the app: hookrun's, exports of earlier hooks, env_file, env. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "log.h"
#include "parse.h"

extern char **environ;

static size_t
key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq != NULL ? (size_t)(eq - kv) : strlen(kv);
}

int
env_set(char ***envp, size_t *n, const char *kv)
{
	size_t i, klen = key_len(kv);
	char *copy, **v;

	if ((copy = strdup(kv)) == NULL)
		return -1;
	for (i = 0; i < *n; i++) {
		if (key_len((*envp)[i]) == klen &&
		    strncmp((*envp)[i], kv, klen) == 0) {
			free((*envp)[i]);
			(*envp)[i] = copy;
			return 0;
		}
	}
	if ((v = realloc(*envp, (*n + 2) * sizeof(*v))) == NULL) {
		free(copy);
		return -1;
	}
	v[(*n)++] = copy;
	v[*n] = NULL;
	*envp = v;
	return 0;
}

char *
env_find(char **envp, const char *prefix)
{
	size_t len = strlen(prefix);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, prefix, len) == 0)
			return *envp;
	return NULL;
}

void
env_free(char **envp)
{
	char **p;

	if (envp == NULL)
		return;
	for (p = envp; *p != NULL; p++)
		free(*p);
	free(envp);
}

/* Strips the line end. */
static char *
env_line(char *line)
{
	size_t len = strlen(line);

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	return line;
}

/*
 * Applies the KEY=value lines of path to the vector. Returns 0, or -1 with a
 * message naming path (and line) in err.
 */
static int
env_file_apply(char ***envp, size_t *n, const char *path, int strict,
    const char *phase, const char *hook, char *err, size_t errlen)
{
	char *buf = NULL, *line, msg[256];
	size_t cap = 0, eq;
	int lineno = 0, r, rc = 0;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "env_file %s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&buf, &cap, f) != -1) {
		lineno++;
		line = env_line(buf);
		r = parse_env_line(line, &eq, msg, sizeof(msg));
		if (r == 0)
			continue;
		if (r == 1 && env_set(envp, n, line + parse_env_key(line)) == 0)
			continue;
		if (r == 1)
			snprintf(msg, sizeof(msg), "%s", strerror(ENOMEM));
		if (strict) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -1;
			break;
		}
		log_event(LOG_WARN, phase, hook, "env_file", -1, -1,
		    "HOOKRUN_ENV_FILE line %d: %s: ignored", lineno, msg);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "env_file %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(buf);
	fclose(f);
	return rc;
}

char **
env_build(const struct runtime *rt, const struct proc *proc,
    char *const *vars, int keep_notify, char *err, size_t errlen)
{
	char **envp = NULL, *const *p;
	size_t n = 0, i;

	if ((envp = calloc(1, sizeof(*envp))) == NULL)
		goto nomem;
	for (p = environ; *p != NULL; p++) {
		if (!keep_notify && strncmp(*p, "NOTIFY_SOCKET=", 14) == 0)
			continue;
		if (env_set(&envp, &n, *p) == -1)
			goto nomem;
	}
	for (i = 0; i < rt->nexports; i++)
		if (env_set(&envp, &n, rt->exports[i]) == -1)
			goto nomem;
	for (i = 0; i < proc->nenv_files; i++)
		if (env_file_apply(&envp, &n, proc->env_files[i], 1, NULL,
		    NULL, err, errlen) == -1)
			goto fail;
	for (i = 0; i < proc->nenv; i++)
		if (env_set(&envp, &n, proc->env[i]) == -1)
			goto nomem;
	for (p = vars; p != NULL && *p != NULL; p++)
		if (env_set(&envp, &n, *p) == -1)
			goto nomem;
	return envp;
nomem:
	snprintf(err, errlen, "environment: %s", strerror(ENOMEM));
fail:
	env_free(envp);
	return NULL;
}

void
env_import(struct runtime *rt, const char *path, const char *phase,
    const char *hook)
{
	char err[512];

	if (env_file_apply(&rt->exports, &rt->nexports, path, 0, phase, hook,
	    err, sizeof(err)) == -1)
		log_event(LOG_WARN, phase, hook, "env_file", -1, -1,
		    "HOOKRUN_ENV_FILE: %s", err);
}
