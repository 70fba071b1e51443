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
#include "exports.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "path.h"
#include "spawn.h"

static void	 timer_cb(struct ev_loop *, ev_timer *, int);
static void	 group_cb(struct ev_loop *, ev_child *, int);
static void	 group_wait(struct hook_run *);
static void	 wait_end(struct hook_run *, int);

void
attempt_init(struct hook_run *hr)
{
	ev_timer_init(&hr->timer, timer_cb, 0., 0.);
	hr->timer.data = hr;
	ev_child_init(&hr->group, group_cb, 0, 0);
	hr->group.data = hr;
}

int
attempt_busy(const struct hook_run *hr)
{
	return hr->pid != 0 || hr->waiting;
}

/* SIGTERM to the hook's group; SIGKILL follows after kill_timeout. */
void
attempt_term(struct hook_run *hr)
{
	struct runtime *rt = hr->pr->rt;
	int64_t grace = rt->cfg->kill_timeout_ms;

	if (hr->waiting) {		/* no process: the wait just ends */
		hookwait_stop(&hr->wait);
		wait_end(hr, hr->timed_out ? 124 : 128 + SIGTERM);
		return;
	}
	hr->term_sent = 1;
	spawn_kill(-hr->pid, SIGTERM);
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
	if (hr->waiting) {
		hr->timed_out = 1;
		hookwait_timeout(&hr->wait);
		wait_end(hr, 124);
		return;
	}
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

/* Its output is all written: after a TERM, the rest of the group gets its grace too. */
static void
output_done(struct output *o, void *arg)
{
	struct hook_run *hr = arg;

	(void)o;
	if (hr->term_sent && ev_is_active(&hr->timer))
		group_wait(hr);
	else
		attempt_end(hr);
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct hook_run *hr = w->data;

	(void)revents;
	ev_child_stop(loop, w);
	hr->exited = 1;
	hr->status = hr->timed_out ? 124 : phase_wait_status(w->rstatus);
	/* In time: the timeout is over; writing its output is not the hook's. */
	if (!hr->term_sent)
		ev_timer_stop(loop, &hr->timer);
	output_finish(&hr->out, output_done, hr);
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
	else if (!ev_is_active(&hr->group))
		ev_child_start(hr->pr->rt->loop, &hr->group);
}

static void
group_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)loop;
	(void)revents;
	group_wait(w->data);
}

static void
wait_end(struct hook_run *hr, int status)
{
	hr->waiting = 0;
	hr->status = status;
	attempt_end(hr);
}

static void
wait_done(void *arg, int status)
{
	wait_end(arg, status);
}

/* wait =: no process; the hook's timeout is kept here, as for one. */
static void
wait_start(struct hook_run *hr)
{
	struct phase_run *pr = hr->pr;
	int64_t ms = hr->hook->timeout_ms;

	if (hookwait_start(&hr->wait, pr->rt, phase_name(pr->id), hr->hook,
	    hr->attempt, wait_done, hr) == -1) {
		log_event(LOG_ERR, phase_name(pr->id), hr->hook->name,
		    "hook_exec", -1, -1, "cannot wait: %s", strerror(errno));
		wait_end(hr, 70);
		return;
	}
	hr->waiting = 1;
	if (ms > 0) {
		ev_timer_set(&hr->timer, (ev_tstamp)ms / 1000., 0.);
		ev_timer_start(pr->rt->loop, &hr->timer);
	}
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

	if (hr->hook->wait != NULL) {
		wait_start(hr);
		return;
	}
	hr->started = mono_now();
	if (exports_open(&hr->exp, p) == -1) {
		e = errno;
		log_event(LOG_ERR, phase_name(pr->id), hr->hook->name, "hook_exec",
		    -1, -1, "HOOKRUN_ENV_FILE: pipe: %s", strerror(e));
		hr->status = spawn_exit_status("pipe", e);
		attempt_end(hr);
		return;
	}
	if ((envp = env_hook(rt, hr->hook, hr->attempt, hr->exp.path, err,
	    sizeof(err))) == NULL) {
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
	notify_wait(hr->hook->timeout_ms > 0 && rt->cfg->kill_timeout_ms > 0 ?
	    hr->hook->timeout_ms + rt->cfg->kill_timeout_ms : 0);
	notify_send("STATUS=%s: %s (attempt %ld)", phase_name(pr->id), hr->hook->name,
	    hr->attempt);

	spawn_req_init(&req, path, p->argv, envp, p);
	req.fd_out = fds[0];
	req.fd_err = fds[1];
	req.extra_from = req.extra_to = hr->exp.wfd;
	req.pdeathsig = SIGKILL;
	/* A locked hook must not go on once hookrun, and its lock, are gone. */
	req.guard = hr->hook->lock != NULL;
	hr->pid = spawn_process(&req, &e, &step);
	close(fds[0]);
	close(fds[1]);
	env_free(envp);
	if (hr->pid == -1) {
		hr->pid = 0;
		output_close(&hr->out);
		hr->status = spawn_failed(hr, step, e);
		attempt_end(hr);
		return;
	}

	ev_child_init(&hr->child, child_cb, hr->pid, 0);
	hr->child.data = hr;
	ev_child_start(rt->loop, &hr->child);
	output_start(rt->loop, &hr->out);
	exports_start(rt->loop, &hr->exp);
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
	else if (hr->exited && st > 128 && WIFSIGNALED(hr->child.rstatus))
		log_event(LOG_ERR, ph, name, "hook_exit", st, ms,
		    "killed by signal %s (status %d) in %lldms",
		    signal_name(st - 128), st, (long long)ms);
	else
		log_event(LOG_ERR, ph, name, "hook_exit", st, ms,
		    "failed with status %d in %lldms", st, (long long)ms);
}
