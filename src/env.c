/* env.c: the environment of a hook or the app: hookrun's, exports of earlier hooks, the user's, env_file, env. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "parse.h"
#include "trust.h"

extern char **environ;

/*
 * A vector being built, with a hash index of its names: setting a variable
 * costs the same whether the vector holds ten or a hundred thousand (an
 * env_file of 60,000 lines must not stall the loop for seconds).
 */
struct envb {
	char	**v;		/* NULL-terminated */
	size_t	  n;
	size_t	  cap;
	size_t	 *slot;		/* index + 1 into v; 0: free */
	size_t	  mask;		/* number of slots - 1 */
	size_t	  bytes;	/* of the strings, each with its NUL */
};

static size_t
key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq != NULL ? (size_t)(eq - kv) : strlen(kv);
}

static size_t
key_hash(const char *kv, size_t len)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)kv[i]) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of kv's name: where it is, or the free one it would go in. */
static size_t *
envb_slot(const struct envb *b, const char *kv, size_t klen)
{
	size_t i = key_hash(kv, klen) & b->mask, *s;
	const char *e;

	for (;; i = (i + 1) & b->mask) {
		s = &b->slot[i];
		if (*s == 0)
			return s;
		e = b->v[*s - 1];
		if (key_len(e) == klen && memcmp(e, kv, klen) == 0)
			return s;
	}
}

static int
envb_grow(struct envb *b)
{
	size_t nslots = (b->mask + 1) * 2, i, *s, *old = b->slot;
	char **v;

	if ((v = realloc(b->v, (b->cap * 2 + 1) * sizeof(*v))) == NULL)
		return -1;
	b->v = v;
	b->cap *= 2;
	if ((s = calloc(nslots, sizeof(*s))) == NULL)
		return -1;
	b->slot = s;
	b->mask = nslots - 1;
	for (i = 0; i < b->n; i++)
		*envb_slot(b, b->v[i], key_len(b->v[i])) = i + 1;
	free(old);
	return 0;
}

static int
envb_init(struct envb *b)
{
	memset(b, 0, sizeof(*b));
	b->cap = 64;
	b->mask = 2 * b->cap - 1;
	if ((b->v = calloc(b->cap + 1, sizeof(*b->v))) == NULL ||
	    (b->slot = calloc(b->mask + 1, sizeof(*b->slot))) == NULL) {
		free(b->v);
		return -1;
	}
	return 0;
}

/* Sets "KEY=VALUE" (len bytes at kv, copied), replacing KEY. */
static int
envb_set(struct envb *b, const char *kv, size_t len)
{
	size_t klen, *s;
	char *copy;

	if (b->n == b->cap && envb_grow(b) == -1)
		return -1;
	if ((copy = strndup(kv, len)) == NULL)
		return -1;
	klen = key_len(copy);
	s = envb_slot(b, copy, klen);
	if (*s != 0) {
		b->bytes -= strlen(b->v[*s - 1]) + 1;
		free(b->v[*s - 1]);
		b->v[*s - 1] = copy;
	} else {
		b->v[b->n++] = copy;
		b->v[b->n] = NULL;
		*s = b->n;
	}
	b->bytes += len + 1;
	return 0;
}

static int
envb_set_all(struct envb *b, char *const *kv)
{
	for (; kv != NULL && *kv != NULL; kv++)
		if (envb_set(b, *kv, strlen(*kv)) == -1)
			return -1;
	return 0;
}

/* The vector, NULL-terminated, for env_free; the index goes. */
static char **
envb_done(struct envb *b)
{
	free(b->slot);
	b->slot = NULL;
	return b->v;
}

static void
envb_free(struct envb *b)
{
	free(b->slot);
	env_free(b->v);
	memset(b, 0, sizeof(*b));
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

/*
 * Applies the KEY=value lines of env_file path. 0, or -1 with a message
 * naming path (and line) in err: the file is part of the config, so a bad
 * line fails the spawn.
 */
static int
env_file_apply(struct envb *b, const char *path, char *err, size_t errlen)
{
	char *line = NULL, msg[256], why[PATH_MAX + 64];
	size_t cap = 0, eq;
	ssize_t n;
	int lineno = 0, rc = 0, r;
	FILE *f;

	if (trust_path(path, 0, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "env_file %s: %s%s", path, why,
		    TRUST_HINT);
		return -1;
	}
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "env_file %s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (memchr(line, '\0', (size_t)n) != NULL) {
			snprintf(err, errlen, "%s:%d: a NUL byte in the line",
			    path, lineno);
			rc = -1;
		} else if ((r = parse_env_line(line, &eq, msg,
		    sizeof(msg))) == -1) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -1;
		} else if (r == 1 && envb_set(b, line + parse_env_key(line),
		    (size_t)n - parse_env_key(line)) == -1) {
			snprintf(err, errlen, "env_file %s: %s", path,
			    strerror(ENOMEM));
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "env_file %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

/*
 * What systemd's User= sets: the user's HOME, USER, LOGNAME and SHELL, so
 * that nothing of root's (HOME=/root) reaches a process that is not root.
 */
static int
user_vars(struct envb *b, const struct proc *p)
{
	char buf[PATH_MAX + 16];
	const char *v[4][2] = {
		{ "HOME", p->home != NULL ? p->home : "/" },
		{ "USER", p->login != NULL ? p->login : p->user },
		{ "LOGNAME", p->login != NULL ? p->login : p->user },
		{ "SHELL", p->login_shell != NULL ? p->login_shell : "/bin/sh" },
	};
	int i, n;

	for (i = 0; i < 4; i++) {
		n = snprintf(buf, sizeof(buf), "%s=%s", v[i][0], v[i][1]);
		if (n < 0 || (size_t)n >= sizeof(buf) ||
		    envb_set(b, buf, (size_t)n) == -1)
			return -1;
	}
	return 0;
}

static char **
build(const struct runtime *rt, const struct proc *proc, char *const *vars,
    int as_user, char *err, size_t errlen)
{
	struct envb b;
	size_t i;

	if (envb_init(&b) == -1)
		goto nomem;
	/* notify_init took NOTIFY_SOCKET out of environ: none is passed on. */
	if (envb_set_all(&b, environ) == -1 ||
	    envb_set_all(&b, rt->exports) == -1 ||
	    (as_user && proc->user != NULL && user_vars(&b, proc) == -1))
		goto nomem;
	for (i = 0; i < proc->nenv_files; i++)
		if (env_file_apply(&b, proc->env_files[i], err, errlen) == -1)
			goto fail;
	if (envb_set_all(&b, proc->env) == -1 || envb_set_all(&b, vars) == -1)
		goto nomem;
	return envb_done(&b);
nomem:
	snprintf(err, errlen, "environment: %s", strerror(ENOMEM));
fail:
	envb_free(&b);
	return NULL;
}

char **
env_build(const struct runtime *rt, const struct proc *proc,
    char *const *vars, char *err, size_t errlen)
{
	return build(rt, proc, vars, 0, err, errlen);
}

char **
env_build_as(const struct runtime *rt, const struct proc *proc,
    char *const *vars, char *err, size_t errlen)
{
	return build(rt, proc, vars, 1, err, errlen);
}

char **
env_merge(char *const *base, char *const *add, size_t *bytes)
{
	struct envb b;

	if (envb_init(&b) == -1)
		return NULL;
	if (envb_set_all(&b, base) == -1 || envb_set_all(&b, add) == -1) {
		envb_free(&b);
		return NULL;
	}
	*bytes = b.bytes;
	return envb_done(&b);
}

char **
env_hook(struct runtime *rt, const struct hook *h, long attempt,
    const char *env_file, char *err, size_t errlen)
{
	char v_phase[64], v_hook[300], v_att[48], v_env[PATH_MAX], v_pid[48],
	    v_status[48], *vars[7];
	int n = 0;

	snprintf(v_phase, sizeof(v_phase), "HOOKRUN_PHASE=%s", phase_name(h->phase));
	snprintf(v_hook, sizeof(v_hook), "HOOKRUN_HOOK=%s", h->name);
	snprintf(v_att, sizeof(v_att), "HOOKRUN_ATTEMPT=%ld", attempt);
	snprintf(v_env, sizeof(v_env), "HOOKRUN_ENV_FILE=%s", env_file);
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
	return env_build_as(rt, &h->proc, vars, err, errlen);
}
