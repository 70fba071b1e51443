/* env.c: the environment of a hook or the app: hookrun's, exports of earlier hooks, env_file, env. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    char *const *vars, char *err, size_t errlen)
{
	char **envp = NULL, *const *p;
	size_t n = 0, i;

	if ((envp = calloc(1, sizeof(*envp))) == NULL)
		goto nomem;
	/* notify_init took NOTIFY_SOCKET out of environ: none is passed on. */
	for (p = environ; *p != NULL; p++)
		if (env_set(&envp, &n, *p) == -1)
			goto nomem;
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

/*
 * One HOOKRUN_ENV_FILE serves the whole run, emptied after each attempt:
 * making and removing a file per hook costs more than the hook itself on a
 * busy disk. A tmpfs is preferred when TMPDIR does not say otherwise.
 */
static int
exports_file(struct runtime *rt)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (rt->exports_file[0] != '\0')
		return 0;
	if (dir == NULL || *dir == '\0' || strlen(dir) > 64)
		dir = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(rt->exports_file, sizeof(rt->exports_file),
	    "%s/hookrun-env.XXXXXX", dir);
	if ((fd = mkostemp(rt->exports_file, O_CLOEXEC)) == -1) {
		rt->exports_file[0] = '\0';
		return -1;
	}
	close(fd);
	rt->exports_uid = rt->euid = geteuid();
	rt->exports_gid = rt->egid = getegid();
	return 0;
}

char **
env_hook(struct runtime *rt, const struct hook *h, long attempt, char *err,
    size_t errlen)
{
	char v_phase[64], v_hook[300], v_att[48], v_env[160], v_pid[48],
	    v_status[48], *vars[7];
	const struct proc *p = &h->proc;
	uid_t uid;
	gid_t gid;
	int n = 0;

	if (exports_file(rt) == -1) {
		snprintf(err, errlen, "HOOKRUN_ENV_FILE: %s", strerror(errno));
		return NULL;
	}
	/* The hook's user must be able to write it: hand it over when another's. */
	uid = p->user != NULL ? p->uid : rt->euid;
	gid = p->user != NULL || p->group != NULL ? p->gid : rt->egid;
	if ((uid != rt->exports_uid || gid != rt->exports_gid) &&
	    chown(rt->exports_file, uid, gid) == 0) {
		rt->exports_uid = uid;
		rt->exports_gid = gid;
	}
	snprintf(v_phase, sizeof(v_phase), "HOOKRUN_PHASE=%s", phase_name(h->phase));
	snprintf(v_hook, sizeof(v_hook), "HOOKRUN_HOOK=%s", h->name);
	snprintf(v_att, sizeof(v_att), "HOOKRUN_ATTEMPT=%ld", attempt);
	snprintf(v_env, sizeof(v_env), "HOOKRUN_ENV_FILE=%s", rt->exports_file);
	vars[n++] = v_phase;
	vars[n++] = v_hook;
	vars[n++] = v_att;
	vars[n++] = v_env;
	if (rt->app_pid > 0) {
		snprintf(v_pid, sizeof(v_pid), "HOOKRUN_APP_PID=%d",
		    (int)rt->app_pid);
		vars[n++] = v_pid;
	}
	if (h->phase == PHASE_POST_STOP) {
		if (rt->app_status >= 0)
			snprintf(v_status, sizeof(v_status),
			    "HOOKRUN_APP_STATUS=%d", rt->app_status);
		else
			snprintf(v_status, sizeof(v_status), "HOOKRUN_APP_STATUS=");
		vars[n++] = v_status;
	}
	vars[n] = NULL;
	return env_build(rt, p, vars, err, errlen);
}

void
env_exports_collect(struct runtime *rt, const struct hook *h, int ok)
{
	struct stat st;

	if (rt->exports_file[0] == '\0' || stat(rt->exports_file, &st) == -1 ||
	    st.st_size == 0)
		return;
	if (ok)
		env_import(rt, rt->exports_file, phase_name(h->phase), h->name);
	if (truncate(rt->exports_file, 0) == -1)
		log_warn("truncate %s: %s", rt->exports_file, strerror(errno));
}

void
env_exports_remove(struct runtime *rt)
{
	if (rt->exports_file[0] != '\0')
		unlink(rt->exports_file);
	rt->exports_file[0] = '\0';
}
