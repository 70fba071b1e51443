/* hookproc.c: starts one attempt's process: its environment and private exports channel, */
/* its executable, its output pipes, the spawn request (guard, parent-death signal). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>

#include "env.h"
#include "hookproc.h"
#include "log.h"
#include "notify.h"
#include "path.h"
#include "spawn.h"

static pid_t
failed(const struct hook *h, const char *phase, const char *step, int err,
    int *status)
{
	log_event(LOG_ERR, phase, h->name, "hook_exec", -1, -1, "%s %s: %s",
	    step, strcmp(step, "chdir") == 0 ? h->proc.workdir :
	    h->proc.argv[0], strerror(err));
	*status = spawn_exit_status(step, err);
	return -1;
}

pid_t
hookproc_spawn(struct runtime *rt, const struct hook *h, const char *phase,
    long number, int lockfd, struct exports *exp, struct output *out,
    int *out_open, struct cgroup_hook *cg, int *status)
{
	const struct proc *p = &h->proc;
	char err[512], path[PATH_MAX], **envp;
	const char *step = "exec", *exec = path;
	struct spawn_req req;
	int fds[2], e;
	pid_t pid;

	if (exports_open(exp, p) == -1) {
		e = errno;
		log_event(LOG_ERR, phase, h->name, "hook_exec", -1, -1,
		    "HOOKRUN_ENV_FILE: pipe: %s", strerror(e));
		*status = spawn_exit_status("pipe", e);
		return -1;
	}
	if ((envp = env_hook(rt, h, number, exp->path, err, sizeof(err))) ==
	    NULL) {
		log_event(LOG_ERR, phase, h->name, "hook_exec", -1, -1, "%s",
		    err);
		*status = 126;
		return -1;
	}
	/* The guard of a locked hook cannot tell a failed exec: checked here. */
	if (h->lock != NULL && p->path == NULL)
		e = path_resolve_at(p->workdir, p->argv[0], path, sizeof(path));
	else
		e = path_exec(p->path, p->workdir, p->argv[0], path,
		    sizeof(path), &exec);
	if (e == 0 && output_open(out, phase, h->name, fds) == -1) {
		e = errno;
		step = "pipe";
	}
	if (e != 0) {
		env_free(envp);
		return failed(h, phase, step, e, status);
	}
	*out_open = 1;

	/* systemd's start or stop timeout must not cut a hook short. */
	notify_wait(h->timeout_ms > 0 && rt->cfg->kill_timeout_ms > 0 ?
	    h->timeout_ms + rt->cfg->kill_timeout_ms : 0);
	notify_send("STATUS=%s: %s (attempt %ld)", phase, h->name, number);

	spawn_req_init(&req, exec, p->argv, envp, p);
	req.fd_out = fds[0];
	req.fd_err = fds[1];
	req.extra_from = req.extra_to = exp->wfd;
	req.pdeathsig = SIGKILL;
	/* A locked hook must not go on once hookrun, and its lock, are gone. */
	req.guard = h->lock != NULL;
	req.guard_fd = lockfd;
	if (cgroup_open(cg) == 0)
		req.cgroup_fd = cg->procs;
	pid = spawn_process(&req, &e, &step);
	env_free(envp);
	if (pid == -1)
		return failed(h, phase, step, e, status);
	log_event(LOG_INFO, phase, h->name, "hook_start", -1, -1,
	    "started (pid %d, attempt %ld)", (int)pid, number);
	return pid;
}
