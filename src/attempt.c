/* attempt.c: one attempt of a hook: its lock, its process and output, its timeout, TERM and KILL to its group. */
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

/* How long a KILLed hook may take to be gone before hookrun gives up on it. */
#define KILL_BOUND	1.

static void	 finish(struct attempt *);

static void
report(struct attempt *a)
{
	a->running = 0;
	a->done(a, a->data);
}

/*
 * sig to the hook's process group; to the hook itself when the group is
 * empty while the hook is not yet reaped: it left its group, and must not
 * escape its timeout that way.
 */
static void
signal_hook(struct attempt *a, int sig)
{
	if (kill(-a->pid, sig) == -1 && errno == ESRCH && !a->exited)
		kill(a->pid, sig);
}

/* TERM to the hook's group; KILL follows after kill_timeout. */
static void
term(struct attempt *a)
{
	int64_t grace = a->rt->cfg->kill_timeout_ms;

	a->term_sent = 1;
	signal_hook(a, SIGTERM);
	ev_timer_stop(a->rt->loop, &a->timer);
	if (grace > 0) {
		ev_timer_set(&a->timer, (ev_tstamp)grace / 1000., 0.);
		ev_timer_start(a->rt->loop, &a->timer);
	}
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct attempt *a = w->data;
	char d[32];

	(void)revents;
	if (!a->term_sent) {
		a->timed_out = 1;
		format_duration(a->hook->timeout_ms, d, sizeof(d));
		log_event(LOG_ERR, a->phase, a->hook->name, "hook_timeout",
		    -1, -1, "timed out after %s: sending TERM to process "
		    "group %d", d, (int)a->pid);
		term(a);
		return;
	}
	if (!a->kill_sent) {
		a->kill_sent = 1;
		format_duration(a->rt->cfg->kill_timeout_ms, d, sizeof(d));
		log_event(LOG_WARN, a->phase, a->hook->name, "hook_kill", -1, -1,
		    "still running %s after TERM: sending KILL to process "
		    "group %d", d, (int)a->pid);
		signal_hook(a, SIGKILL);
		/* A KILL cannot be refused, but its dying takes a moment. */
		ev_timer_set(w, KILL_BOUND, 0.);
		ev_timer_start(loop, w);
		return;
	}
	log_event(LOG_ERR, a->phase, a->hook->name, "hook_abandon", -1, -1,
	    "%s %d still there %gs after KILL: giving up on it",
	    a->exited ? "process group" : "process", (int)a->pid, KILL_BOUND);
	finish(a);
}

/*
 * After a TERM, the attempt ends once the hook's process group is empty.
 * Its orphans are hookrun's children (PID 1 or subreaper): each reaping
 * round is a moment to look again; the timer bounds the wait.
 */
static void
group_cb(struct child_watch *w, int wstatus)
{
	struct attempt *a = w->data;

	(void)wstatus;
	if (kill(-a->pid, 0) == -1)
		finish(a);
}

static void
child_cb(struct child_watch *w, int wstatus)
{
	struct attempt *a = w->data;

	a->exited = 1;
	a->wstatus = wstatus;
	a->status = a->timed_out ? 124 : children_exit_status(wstatus);
	output_finish(a->rt->loop, &a->out);
	a->out_open = 0;
	/* After a TERM, the rest of the group gets its grace too. */
	if (a->term_sent && ev_is_active(&a->timer)) {
		if (kill(-a->pid, 0) == -1)
			finish(a);
		else
			children_watch(&a->group, 0, group_cb, a);
	} else
		finish(a);
}

static void
spawn_failed(struct attempt *a, const char *step, int err)
{
	log_event(LOG_ERR, a->phase, a->hook->name, "hook_exec", -1, -1,
	    "%s %s: %s", step, strcmp(step, "chdir") == 0 ?
	    a->hook->proc.workdir : a->hook->proc.argv[0], strerror(err));
	a->status = spawn_exit_status(step, err);
	finish(a);
}

static void
spawn_hook(struct attempt *a)
{
	struct runtime *rt = a->rt;
	const struct proc *p = &a->hook->proc;
	char err[512], path[PATH_MAX], **envp;
	const char *step = "exec", *exec = path;
	struct spawn_req req;
	int fds[2], e;

	a->started = mono_now();
	if ((envp = env_hook(rt, a->hook, a->number, err, sizeof(err))) ==
	    NULL) {
		log_event(LOG_ERR, a->phase, a->hook->name, "hook_exec", -1,
		    -1, "%s", err);
		a->status = 126;
		finish(a);
		return;
	}
	/* The guard of a locked hook cannot tell a failed exec: checked here. */
	if (a->hook->lock != NULL && p->path == NULL)
		e = path_resolve_at(p->workdir, p->argv[0], path, sizeof(path));
	else
		e = path_exec(p->path, p->workdir, p->argv[0], path,
		    sizeof(path), &exec);
	if (e != 0) {
		env_free(envp);
		spawn_failed(a, "exec", e);
		return;
	}
	if (output_open(&a->out, a->phase, a->hook->name, fds) == -1) {
		e = errno;
		env_free(envp);
		spawn_failed(a, "pipe", e);
		return;
	}
	a->out_open = 1;

	/* systemd's start or stop timeout must not cut a hook short. */
	if (a->hook->timeout_ms > 0)
		notify_extend(a->hook->timeout_ms + rt->cfg->kill_timeout_ms);
	notify_send("STATUS=%s: %s (attempt %ld)", a->phase, a->hook->name,
	    a->number);

	spawn_req_init(&req, exec, p->argv, envp, p);
	req.fd_out = fds[0];
	req.fd_err = fds[1];
	req.pdeathsig = SIGKILL;
	/* A locked hook must not go on once hookrun, and its lock, are gone. */
	req.guard = a->hook->lock != NULL;
	a->pid = spawn_process(&req, &e, &step);
	env_free(envp);
	if (a->pid == -1) {
		a->pid = 0;
		spawn_failed(a, step, e);
		return;
	}
	log_event(LOG_INFO, a->phase, a->hook->name, "hook_start", -1, -1,
	    "started (pid %d, attempt %ld)", (int)a->pid, a->number);
	children_watch(&a->child, a->pid, child_cb, a);
	output_start(rt->loop, &a->out);
	if (a->hook->timeout_ms > 0) {
		ev_timer_set(&a->timer, (ev_tstamp)a->hook->timeout_ms / 1000.,
		    0.);
		ev_timer_start(rt->loop, &a->timer);
	}
}

static void
log_result(struct attempt *a)
{
	const char *ph = a->phase, *name = a->hook->name;
	int64_t ms = (int64_t)((mono_now() - a->started) * 1000.);
	int st = a->status;

	if (st == 0)
		log_event(LOG_INFO, ph, name, "hook_exit", 0, ms,
		    "succeeded in %lldms", (long long)ms);
	else if (a->timed_out)
		log_event(LOG_ERR, ph, name, "hook_exit", st, ms,
		    "timed out (status %d) in %lldms", st, (long long)ms);
	else if (a->exited && st > 128 && WIFSIGNALED(a->wstatus))
		log_event(LOG_ERR, ph, name, "hook_exit", st, ms,
		    "killed by signal %s (status %d) in %lldms",
		    signal_name(st - 128), st, (long long)ms);
	else
		log_event(LOG_ERR, ph, name, "hook_exit", st, ms,
		    "failed with status %d in %lldms", st, (long long)ms);
}

static void
released_cb(struct lock *lk, enum lock_event ev, void *data)
{
	(void)lk;
	(void)ev;
	report(data);
}

/*
 * The process is reaped (its group gone after a TERM), or given up on, or
 * never ran: every watcher stops, then the lock is given back.
 */
static void
finish(struct attempt *a)
{
	struct runtime *rt = a->rt;

	ev_timer_stop(rt->loop, &a->timer);
	children_unwatch(&a->child);
	children_unwatch(&a->group);
	if (a->out_open) {
		output_finish(rt->loop, &a->out);
		a->out_open = 0;
	}
	/* Given up on: still running somewhere, it has not succeeded. */
	if (a->pid != 0 && !a->exited)
		a->status = a->timed_out ? 124 : 128 + SIGKILL;
	if (a->lock_lost)
		a->status = LOCK_STATUS_FAILED;
	log_result(a);
	env_exports_collect(rt, a->hook, a->status == 0);
	a->pid = 0;
	if (a->lock.state == LOCK_HELD)
		lock_release(&a->lock, a->status == 0, released_cb);
	else
		report(a);
}

/* The lock's answer: run the hook, skip it, stop it, or fail the attempt. */
static void
lock_cb(struct lock *lk, enum lock_event ev, void *data)
{
	struct attempt *a = data;

	(void)lk;
	switch (ev) {
	case LOCK_ACQUIRED:
		spawn_hook(a);
		break;
	case LOCK_DONE:
		log_event(LOG_INFO, a->phase, a->hook->name, "hook_skip", 0, -1,
		    "once key '%s' already recorded: skipped", a->hook->once);
		a->skipped = 1;
		report(a);
		break;
	case LOCK_LOST:
		a->lock_lost = 1;
		if (a->pid != 0 && !a->exited && !a->term_sent)
			term(a);
		break;
	case LOCK_TIMEOUT:
		a->timed_out = 1;
		a->status = LOCK_STATUS_TIMEOUT;
		finish(a);
		break;
	default:
		a->status = LOCK_STATUS_FAILED;
		finish(a);
		break;
	}
}

void
attempt_start(struct attempt *a, struct runtime *rt, const struct hook *h,
    const char *phase, long number, attempt_fn done, void *data)
{
	/* Idle (see attempt.h): no watcher of it is active. */
	memset(a, 0, sizeof(*a));
	a->rt = rt;
	a->hook = h;
	a->phase = phase;
	a->number = number;
	a->done = done;
	a->data = data;
	a->running = 1;
	a->started = mono_now();
	ev_timer_init(&a->timer, timer_cb, 0., 0.);
	a->timer.data = a;
	if (h->lock == NULL) {
		spawn_hook(a);
		return;
	}
	/* Nor must systemd cut short a wait for the lock. */
	if (h->lock_timeout_ms > 0)
		notify_extend(h->lock_timeout_ms);
	notify_send("STATUS=%s: %s: taking the lock (attempt %ld)", phase,
	    h->name, number);
	lock_acquire(&a->lock, rt, h, phase, lock_cb, a);
}

void
attempt_stop(struct attempt *a, int timed_out)
{
	if (!a->running)
		return;
	if (a->pid != 0) {
		if (!a->exited && !a->term_sent) {
			a->timed_out |= timed_out;
			term(a);
		}
		return;
	}
	/* No process: a wait for the lock ends now; a release is let finish. */
	if (lock_cancel(&a->lock)) {
		log_event(LOG_ERR, a->phase, a->hook->name, "lock_cancel",
		    -1, -1, "stopped while waiting for the lock: not run");
		a->cancelled = 1;
		a->status = timed_out ? 124 : 128 + SIGTERM;
		report(a);
	}
}
