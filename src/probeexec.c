/* probeexec.c: an exec: probe: runs the command in its own group, its output prefixed; it answers when it exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.h"
#include "parse.h"
#include "path.h"
#include "probe.h"
#include "probe_int.h"
#include "spawn.h"

/* Its output is written: its status decides. */
static void
exec_done(struct output *o, void *arg)
{
	struct probe *p = arg;
	int st = p->wstatus;

	(void)o;
	p->pid = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		p->finish(p, 1);
		return;
	}
	if (WIFEXITED(st))
		probe_say(p, "%s: exited with status %d", p->t->argv[0],
		    WEXITSTATUS(st));
	else
		probe_say(p, "%s: killed by signal %s", p->t->argv[0],
		    WIFSIGNALED(st) ? signal_name(WTERMSIG(st)) : "?");
	p->finish(p, 0);
}

static void
exec_cb(struct child_watch *w, int wstatus)
{
	struct probe *p = w->data;

	p->wstatus = wstatus;
	output_finish(&p->out, NULL, 0, exec_done, p);
}

/* exec:COMMAND, in the context's workdir, as its user, with its env. */
void
probe_exec(struct probe *p)
{
	const struct probe_ctx *c = p->ctx;
	struct proc none;
	struct spawn_req req;
	char path[PATH_MAX], err[256], **envp;
	const char *step = "exec";
	int fds[2], e;

	memset(&none, 0, sizeof(none));
	if ((e = path_resolve_at(c->workdir, p->t->argv[0], path,
	    sizeof(path))) != 0) {
		probe_say(p, "exec %s: %s", p->t->argv[0], strerror(e));
		p->finish(p, 0);
		return;
	}
	if ((envp = env_build(c->rt, c->proc != NULL ? c->proc : &none, NULL,
	    err, sizeof(err))) == NULL) {
		probe_say(p, "%s", err);
		p->finish(p, 0);
		return;
	}
	if (output_open(&p->out, c->phase, c->name, fds) == -1) {
		e = errno;
		env_free(envp);
		probe_say(p, "pipe: %s", strerror(e));
		p->finish(p, 0);
		return;
	}
	spawn_req_init(&req, path, p->t->argv, envp, c->proc);
	req.workdir = c->workdir;
	req.fd_out = fds[0];
	req.fd_err = fds[1];
	req.pdeathsig = SIGKILL;
	p->pid = spawn_process(&req, &e, &step);
	env_free(envp);
	if (p->pid == -1) {
		p->pid = 0;
		output_close(&p->out);
		probe_say(p, "%s %s: %s", step, p->t->argv[0], strerror(e));
		p->finish(p, 0);
		return;
	}
	children_watch(&p->child, p->pid, exec_cb, p);
	output_start(p->ctx->rt->loop, &p->out);
}
