/* phase.c: runs one phase: its hooks in order, each with its timeout, retries and on_failure, within the deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "lock.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "path.h"
#include "phase.h"
#include "spawn.h"

static void	 hook_next(struct phase_run *);
static void	 attempt_start(struct hook_run *);
static void	 attempt_end(struct hook_run *);
static void	 attempt_after(struct hook_run *);
static void	 released_cb(struct lock *, enum lock_event, void *);
static void	 timer_cb(struct ev_loop *, ev_timer *, int);
static void	 group_cb(struct ev_loop *, ev_child *, int);
static void	 group_wait(struct hook_run *);

int
phase_wait_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 70;
}

static const char *
pname(const struct phase_run *pr)
{
	return phase_name(pr->id);
}

static void
phase_end(struct phase_run *pr)
{
	ev_timer_stop(pr->rt->loop, &pr->deadline);
	pr->running = 0;
	if (pr->done != NULL)
		pr->done(pr);
}

static void
hook_next(struct phase_run *pr)
{
	struct hook_run *hr = &pr->hr;

	if (pr->stopping || pr->next >= pr->ph->nhooks) {
		phase_end(pr);
		return;
	}
	memset(hr, 0, sizeof(*hr));
	hr->pr = pr;
	hr->hook = pr->ph->hooks[pr->next++];
	hr->delay_ms = hr->hook->retry_delay_ms;
	ev_timer_init(&hr->timer, timer_cb, 0., 0.);
	hr->timer.data = hr;
	ev_child_init(&hr->group, group_cb, 0, 0);
	hr->group.data = hr;
	attempt_start(hr);
}

/* SIGTERM to the hook's group; SIGKILL follows after kill_timeout. */
static void
hook_term(struct hook_run *hr)
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
		log_event(LOG_ERR, pname(pr), hr->hook->name, "hook_timeout",
		    -1, -1, "timed out after %s: sending TERM to process group %d",
		    d, (int)hr->pid);
		hook_term(hr);
		return;
	}
	if (hr->kill_sent) {		/* KILLed, yet not seen to go: move on */
		attempt_end(hr);
		return;
	}
	hr->kill_sent = 1;
	format_duration(pr->rt->cfg->kill_timeout_ms, d, sizeof(d));
	log_event(LOG_WARN, pname(pr), hr->hook->name, "hook_kill", -1, -1,
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
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct hook_run *hr = w->data;

	(void)revents;
	ev_child_stop(loop, w);
	hr->exited = 1;
	hr->status = hr->timed_out ? 124 : phase_wait_status(w->rstatus);
	output_finish(loop, &hr->out);
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

/*
 * No hook process (a retry delay, a lock wait or release) and the phase must
 * end: a wait ends now, a release is let finish (its callback then sees
 * pr->stopping).
 */
static void
hook_abandon(struct phase_run *pr)
{
	struct hook_run *hr = &pr->hr;

	ev_timer_stop(pr->rt->loop, &hr->timer);
	if (hr->lock.state == LOCK_RELEASING)
		return;
	if (lock_cancel(&hr->lock))
		log_event(LOG_ERR, pname(pr), hr->hook->name, "lock_cancel",
		    -1, -1, "stopped while waiting for the lock: not run");
	phase_end(pr);
}

static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct phase_run *pr = w->data;
	struct hook_run *hr = &pr->hr;
	char d[32];

	(void)loop;
	(void)revents;
	format_duration(pr->ph->deadline_ms, d, sizeof(d));
	log_event(LOG_ERR, pname(pr), NULL, "phase_deadline", 124, -1,
	    "deadline %s passed", d);
	pr->result = 124;
	pr->failed = hr->hook != NULL ? hr->hook->name : NULL;
	pr->stopping = 1;
	if (hr->pid != 0 && !hr->exited && !hr->term_sent) {
		hr->timed_out = 1;
		hook_term(hr);
	} else if (hr->pid == 0)
		hook_abandon(pr);
}

static int
spawn_failed(struct hook_run *hr, const char *step, int err)
{
	log_event(LOG_ERR, pname(hr->pr), hr->hook->name, "hook_exec",
	    -1, -1, "%s %s: %s", step, strcmp(step, "chdir") == 0 ?
	    hr->hook->proc.workdir : hr->hook->proc.argv[0], strerror(err));
	return spawn_exit_status(step, err);
}

static void
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
		log_event(LOG_ERR, pname(pr), hr->hook->name, "hook_exec", -1,
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
	if (output_open(&hr->out, pname(pr), hr->hook->name, fds) == -1) {
		e = errno;
		env_free(envp);
		hr->status = spawn_failed(hr, "pipe", e);
		attempt_end(hr);
		return;
	}

	/* systemd's start or stop timeout must not cut a hook short. */
	if (hr->hook->timeout_ms > 0)
		notify_extend(hr->hook->timeout_ms + rt->cfg->kill_timeout_ms);
	notify_send("STATUS=%s: %s (attempt %ld)", pname(pr), hr->hook->name,
	    hr->attempt);

	spawn_req_init(&req, path, p->argv, envp, p);
	req.fd_out = fds[0];
	req.fd_err = fds[1];
	req.pdeathsig = SIGKILL;
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

	ev_child_init(&hr->child, child_cb, hr->pid, 0);
	hr->child.data = hr;
	ev_child_start(rt->loop, &hr->child);
	output_start(rt->loop, &hr->out);
	if (hr->hook->timeout_ms > 0) {
		ev_timer_set(&hr->timer, (ev_tstamp)hr->hook->timeout_ms / 1000., 0.);
		ev_timer_start(rt->loop, &hr->timer);
	}
	log_event(LOG_INFO, pname(pr), hr->hook->name, "hook_start", -1, -1,
	    "started (pid %d, attempt %ld)", (int)hr->pid, hr->attempt);
}

/* The lock's answer: run the hook, skip it, stop it, or fail the attempt. */
static void
lock_cb(struct lock *lk, enum lock_event ev, void *data)
{
	struct hook_run *hr = data;

	(void)lk;
	switch (ev) {
	case LOCK_ACQUIRED:
		attempt_spawn(hr);
		break;
	case LOCK_DONE:
		log_event(LOG_INFO, pname(hr->pr), hr->hook->name, "hook_skip",
		    0, -1, "once key '%s' already recorded: skipped",
		    hr->hook->once);
		hook_next(hr->pr);
		break;
	case LOCK_LOST:
		hr->lock_lost = 1;
		if (hr->pid != 0 && !hr->exited && !hr->term_sent)
			hook_term(hr);
		break;
	case LOCK_TIMEOUT:
		hr->timed_out = 1;
		hr->status = LOCK_STATUS_TIMEOUT;
		attempt_end(hr);
		break;
	default:
		hr->status = LOCK_STATUS_FAILED;
		attempt_end(hr);
		break;
	}
}

static void
attempt_start(struct hook_run *hr)
{
	struct phase_run *pr = hr->pr;

	hr->attempt++;
	hr->pid = 0;
	hr->term_sent = hr->timed_out = hr->kill_sent = hr->exited = 0;
	hr->lock_lost = 0;
	hr->started = mono_now();
	if (hr->hook->lock == NULL) {
		attempt_spawn(hr);
		return;
	}
	/* Nor must systemd cut short a wait for the lock. */
	if (hr->hook->lock_timeout_ms > 0)
		notify_extend(hr->hook->lock_timeout_ms);
	notify_send("STATUS=%s: %s: taking the lock (attempt %ld)", pname(pr),
	    hr->hook->name, hr->attempt);
	lock_acquire(&hr->lock, pr->rt, hr->hook, pname(pr), lock_cb, hr);
}

static void
attempt_log(struct hook_run *hr, int64_t ms)
{
	const char *ph = pname(hr->pr), *name = hr->hook->name;
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

static void
attempt_end(struct hook_run *hr)
{
	struct phase_run *pr = hr->pr;
	struct runtime *rt = pr->rt;
	struct hook *h = hr->hook;
	int64_t ms = (int64_t)((mono_now() - hr->started) * 1000.);

	ev_timer_stop(rt->loop, &hr->timer);
	if (hr->lock_lost)
		hr->status = LOCK_STATUS_FAILED;
	attempt_log(hr, ms);
	ev_child_stop(rt->loop, &hr->group);
	env_exports_collect(rt, h, hr->status == 0);
	hr->pid = 0;
	if (hr->lock.state == LOCK_HELD)
		lock_release(&hr->lock, hr->status == 0, released_cb);
	else
		attempt_after(hr);
}

static void
released_cb(struct lock *lk, enum lock_event ev, void *data)
{
	(void)lk;
	(void)ev;
	attempt_after(data);
}

/* The attempt is over, its lock given back: next hook, retry, or the end. */
static void
attempt_after(struct hook_run *hr)
{
	struct phase_run *pr = hr->pr;
	struct runtime *rt = pr->rt;
	struct hook *h = hr->hook;
	char d[32];

	if (hr->status == 0) {
		hook_next(pr);
		return;
	}
	if (!pr->stopping && hr->attempt <= h->retries) {
		format_duration(hr->delay_ms, d, sizeof(d));
		log_event(LOG_WARN, pname(pr), h->name, "hook_retry", -1, -1,
		    "retrying in %s (attempt %ld of %ld)", d, hr->attempt + 1,
		    h->retries + 1);
		ev_timer_set(&hr->timer, (ev_tstamp)hr->delay_ms / 1000., 0.);
		ev_timer_start(rt->loop, &hr->timer);
		if (hr->delay_ms < INT64_MAX / 2)
			hr->delay_ms *= 2;
		return;
	}
	if (!pr->stopping && h->on_failure == ON_FAILURE_IGNORE) {
		log_event(LOG_WARN, pname(pr), h->name, "hook_ignored", -1, -1,
		    "on_failure = ignore: continuing");
		hook_next(pr);
		return;
	}
	if (pr->result == 0) {
		pr->result = hr->status;
		pr->failed = h->name;
	}
	pr->stopping = 1;
	phase_end(pr);
}

void
phase_start(struct phase_run *pr, struct runtime *rt, enum phase_id id,
    phase_done_fn done, void *data)
{
	memset(pr, 0, sizeof(*pr));
	pr->rt = rt;
	pr->id = id;
	pr->ph = &rt->cfg->phases[id];
	pr->done = done;
	pr->data = data;
	pr->running = 1;
	ev_timer_init(&pr->deadline, deadline_cb,
	    (ev_tstamp)pr->ph->deadline_ms / 1000., 0.);
	pr->deadline.data = pr;
	if (pr->ph->deadline_ms > 0 && pr->ph->nhooks > 0)
		ev_timer_start(rt->loop, &pr->deadline);
	hook_next(pr);
}

void
phase_stop(struct phase_run *pr)
{
	struct hook_run *hr = &pr->hr;

	if (!pr->running || pr->stopping)
		return;
	pr->stopping = 1;
	if (hr->pid != 0 && !hr->exited && !hr->term_sent)
		hook_term(hr);
	else if (hr->pid == 0)
		hook_abandon(pr);
}

int
phase_run(struct runtime *rt, enum phase_id id, const char **failed)
{
	struct phase_run pr;

	phase_start(&pr, rt, id, NULL, NULL);
	rt->stoppable = id == PHASE_POST_STOP ? NULL : &pr;
	while (pr.running)
		ev_run(rt->loop, EVRUN_ONCE);
	rt->stoppable = NULL;
	if (failed != NULL)
		*failed = pr.failed;
	return pr.result;
}
