/* attempt.c: one attempt of a hook: its process and output, its timeout, TERM and KILL to its group. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attempt.h"
#include "env.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "path.h"
#include "spawn.h"

static void	 timer_cb(struct ev_loop *, ev_timer *, int);
static void	 group_cb(struct child_watch *, int);
static void	 group_wait(struct hook_run *);

void
attempt_init(struct hook_run *hr)
{
	ev_timer_init(&hr->timer, timer_cb, 0., 0.);
	hr->timer.data = hr;
}

/* SIGTERM to the hook's group; SIGKILL follows after kill_timeout. */
void
attempt_term(struct hook_run *hr)
{
	struct runtime *rt = hr->pr->rt;
	int64_t grace = rt->cfg->kill_timeout_ms;

	hr->term_sent = 1;
	kill(-hr->pid, SIGTERM);
	ev_timer_stop(rt->loop, &hr->timer);
	if (grace > 0) {
		ev_timer_set(&hr->timer, (ev_tstamp)grace / 1000., 0.);
		ev_timer_start(rt->loop, &hr->timer);
	}
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hook_run *hr = w->data;
	struct phase_run *pr = hr->pr;
	char d[32];

	(void)loop;
	(void)revents;
	if (hr->pid == 0) {		/* the retry delay is over */
		attempt_start(hr);
		return;
	}
	if (!hr->term_sent) {
		hr->timed_out = 1;
		format_duration(hr->hook->timeout_ms, d, sizeof(d));
		log_event(LOG_ERR, phase_name(pr->id), hr->hook->name, "hook_timeout",
		    -1, -1, "timed out after %s: sending TERM to process group %d",
		    d, (int)hr->pid);
		attempt_term(hr);
		return;
	}
	if (hr->kill_sent) {		/* KILLed, yet not seen to go: move on */
		attempt_end(hr);
		return;
	}
	hr->kill_sent = 1;
	format_duration(pr->rt->cfg->kill_timeout_ms, d, sizeof(d));
	log_event(LOG_WARN, phase_name(pr->id), hr->hook->name, "hook_kill", -1, -1,
	    "still running %s after TERM: sending KILL to process group %d",
	    d, (int)hr->pid);
	kill(-hr->pid, SIGKILL);
	/* A KILL cannot be refused, but its dying takes a moment. */
	ev_timer_set(&hr->timer, 1., 0.);
	ev_timer_start(loop, &hr->timer);
	if (hr->exited)
		group_wait(hr);
}

static void
child_cb(struct child_watch *w, int wstatus)
{
	struct hook_run *hr = w->data;

	hr->exited = 1;
	hr->wstatus = wstatus;
	hr->status = hr->timed_out ? 124 : children_exit_status(wstatus);
	output_finish(hr->pr->rt->loop, &hr->out);
	/* After a TERM, the rest of the group gets its grace too. */
	if (hr->term_sent && ev_is_active(&hr->timer))
		group_wait(hr);
	else
		attempt_end(hr);
}

/*
 * Ends the attempt once the hook's process group is empty. Its orphans are
 * hookrun's children (PID 1 or subreaper): each one reaped is a moment to
 * look again; the timer bounds the wait.
 */
static void
group_wait(struct hook_run *hr)
{
	if (kill(-hr->pid, 0) == -1)
		attempt_end(hr);
	else if (!hr->group.active)
		children_watch(&hr->group, 0, group_cb, hr);
}

static void
group_cb(struct child_watch *w, int wstatus)
{
	(void)wstatus;
	group_wait(w->data);
}

static int
spawn_failed(struct hook_run *hr, const char *step, int err)
{
	log_event(LOG_ERR, phase_name(hr->pr->id), hr->hook->name, "hook_exec",
	    -1, -1, "%s %s: %s", step, strcmp(step, "chdir") == 0 ?
	    hr->hook->proc.workdir : hr->hook->proc.argv[0], strerror(err));
	return spawn_exit_status(step, err);
}

void
attempt_spawn(struct hook_run *hr)
{
	struct phase_run *pr = hr->pr;
	struct runtime *rt = pr->rt;
	const struct proc *p = &hr->hook->proc;
	char err[512], path[PATH_MAX], **envp;
	const char *step = "exec";
	struct spawn_req req;
	int fds[2], e;

	hr->started = mono_now();
	if ((envp = env_hook(rt, hr->hook, hr->attempt, err, sizeof(err))) ==
	    NULL) {
		log_event(LOG_ERR, phase_name(pr->id), hr->hook->name, "hook_exec", -1,
		    -1, "%s", err);
		hr->status = 126;
		attempt_end(hr);
		return;
	}
	if ((e = path_resolve_at(p->workdir, p->argv[0], path,
	    sizeof(path))) != 0) {
		env_free(envp);
		hr->status = spawn_failed(hr, "exec", e);
		attempt_end(hr);
		return;
	}
	if (output_open(&hr->out, phase_name(pr->id), hr->hook->name, fds) == -1) {
		e = errno;
		env_free(envp);
		hr->status = spawn_failed(hr, "pipe", e);
		attempt_end(hr);
		return;
	}

	/* systemd's start or stop timeout must not cut a hook short. */
	if (hr->hook->timeout_ms > 0)
		notify_extend(hr->hook->timeout_ms + rt->cfg->kill_timeout_ms);
	notify_send("STATUS=%s: %s (attempt %ld)", phase_name(pr->id), hr->hook->name,
	    hr->attempt);

	spawn_req_init(&req, path, p->argv, envp, p);
	req.fd_out = fds[0];
	req.fd_err = fds[1];
	req.pdeathsig = SIGKILL;
	/* A locked hook must not go on once hookrun, and its lock, are gone. */
	req.guard = hr->hook->lock != NULL;
	hr->pid = spawn_process(&req, &e, &step);
	close(fds[0]);
	close(fds[1]);
	env_free(envp);
	if (hr->pid == -1) {
		hr->pid = 0;
		output_finish(rt->loop, &hr->out);
		hr->status = spawn_failed(hr, step, e);
		attempt_end(hr);
		return;
	}

	children_watch(&hr->child, hr->pid, child_cb, hr);
	output_start(rt->loop, &hr->out);
	if (hr->hook->timeout_ms > 0) {
		ev_timer_set(&hr->timer, (ev_tstamp)hr->hook->timeout_ms / 1000., 0.);
		ev_timer_start(rt->loop, &hr->timer);
	}
	log_event(LOG_INFO, phase_name(pr->id), hr->hook->name, "hook_start", -1, -1,
	    "started (pid %d, attempt %ld)", (int)hr->pid, hr->attempt);
}

void
attempt_log(struct hook_run *hr, int64_t ms)
{
	const char *ph = phase_name(hr->pr->id), *name = hr->hook->name;
	int st = hr->status;

	if (st == 0)
		log_event(LOG_INFO, ph, name, "hook_exit", 0, ms,
		    "succeeded in %lldms", (long long)ms);
	else if (hr->timed_out)
		log_event(LOG_ERR, ph, name, "hook_exit", st, ms,
		    "timed out (status %d) in %lldms", st, (long long)ms);
	else if (hr->exited && st > 128 && WIFSIGNALED(hr->wstatus))
		log_event(LOG_ERR, ph, name, "hook_exit", st, ms,
		    "killed by signal %s (status %d) in %lldms",
		    signal_name(st - 128), st, (long long)ms);
	else
		log_event(LOG_ERR, ph, name, "hook_exit", st, ms,
		    "failed with status %d in %lldms", st, (long long)ms);
}
