/* app.c: starts the app: its environment, its readiness descriptor, the terminal. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "env.h"
#include "log.h"
#include "notify.h"
#include "path.h"
#include "spawn.h"

static void
app_failed(const char *step, const char *what, int err, int *status)
{
	log_event(LOG_ERR, "start", NULL, "app_exec", -1, -1, "%s %s: %s",
	    step, what, strerror(err));
	*status = spawn_exit_status(step, err);
}

/*
 * The app's environment: with its own NOTIFY_SOCKET for ready = notify, and
 * LISTEN_PID with room for the pid the child writes in (socket activation).
 */
static char **
app_env(struct runtime *rt, char *err, size_t errlen)
{
	const char *sock = notify_app_path();
	char notify[128], *vars[3], **envp, *lp;
	int n = 0;

	if (rt->cfg->app.ready == READY_NOTIFY && sock != NULL) {
		snprintf(notify, sizeof(notify), "NOTIFY_SOCKET=%s", sock);
		vars[n++] = notify;
	}
	if (getenv("LISTEN_FDS") != NULL)
		vars[n++] = "LISTEN_PID=0000000000000000";
	vars[n] = NULL;
	envp = env_build_as(rt, &rt->cfg->app.proc, vars, err, errlen);
	if (envp != NULL && (lp = env_find(envp, "LISTEN_PID=")) != NULL)
		lp[strlen("LISTEN_PID=")] = '\0';
	return envp;
}

pid_t
app_spawn(struct runtime *rt, int ready_fd, int *foreground, int *status)
{
	const struct proc *p = &rt->cfg->app.proc;
	char path[PATH_MAX], err[512], **envp;
	const char *step = "exec", *exec;
	struct spawn_req req;
	pid_t pid;
	int e;

	if ((envp = app_env(rt, err, sizeof(err))) == NULL) {
		log_event(LOG_ERR, "start", NULL, "app_exec", -1, -1, "%s", err);
		*status = 126;
		return -1;
	}
	if ((e = path_exec(p->path, p->workdir, p->argv[0], path, sizeof(path),
	    &exec)) != 0) {
		env_free(envp);
		app_failed("exec", p->argv[0], e, status);
		return -1;
	}
	spawn_req_init(&req, exec, p->argv, envp, p);
	req.extra_from = ready_fd;
	req.extra_to = rt->cfg->app.ready_fd;
	req.launcher_fds = 1;	/* socket activation's are the app's */
	req.listen_pid = env_find(envp, "LISTEN_PID=");
	req.foreground = *foreground = isatty(STDIN_FILENO) &&
	    tcgetpgrp(STDIN_FILENO) == getpgrp();
	pid = spawn_process(&req, &e, &step);
	env_free(envp);
	if (pid == -1)
		app_failed(step, strcmp(step, "chdir") == 0 ? p->workdir :
		    p->argv[0], e, status);
	return pid;
}
