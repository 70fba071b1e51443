/* attempt.c: one attempt of a hook: its lock, its process and output, its timeout, TERM and KILL to its group. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attempt.h"
#include "exports.h"
#include "hookproc.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "spawn.h"

/* How long a KILLed hook may take to be gone before hookrun gives up on it. */
#define KILL_BOUND	1.
/* Pauses between looks at a group its hook left behind, s. */
#define GROUP_LOOK_FIRST	0.05
#define GROUP_LOOK_MAX	1.

static void	 finish(struct attempt *);
static void	 out_done(struct output *, void *);
static void	 wait_end(struct attempt *, int);

/*
 * Nothing of the hook is left: its control group is empty, or without one,
 * its process group (its leader may be a zombie still).
 */
static int
group_gone(struct attempt *a)
{
	if (a->cg.open)
		return cgroup_empty(&a->cg);
	return kill(-a->pid, 0) == -1 && errno == ESRCH;
}

static void
report(struct attempt *a)
{
	a->running = 0;
	a->done(a, a->data);
}

/*
 * sig (and CONT, see spawn_kill) to the hook's process group; to the hook
 * itself when the group is empty while the hook is not yet reaped: it left
 * its group, and must not escape its timeout that way.
 */
static void
signal_hook(struct attempt *a, int sig)
{
	if (a->cg.open)
		cgroup_signal(&a->cg, sig);
	else if (spawn_kill(-a->pid, sig) == -1 && errno == ESRCH &&
	    !a->exited)
		spawn_kill(a->pid, sig);
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

/* KILL to the hook's group at once; hookrun gives up a moment later. */
static void
kill_now(struct attempt *a)
{
	a->term_sent = a->kill_sent = 1;
	log_event(LOG_WARN, a->phase, a->hook->name, "hook_kill", -1, -1,
	    "sending KILL to process group %d", (int)a->pid);
	signal_hook(a, SIGKILL);
	ev_timer_stop(a->rt->loop, &a->timer);
	ev_timer_set(&a->timer, KILL_BOUND, 0.);
	ev_timer_start(a->rt->loop, &a->timer);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct attempt *a = w->data;
	char d[32];

	(void)revents;
	if (a->waiting) {
		a->timed_out = 1;
		hookwait_timeout(&a->wait);
		wait_end(a, 124);
		return;
	}
	/* Over but for its output on its way: no fault of the hook's. */
	if (a->exited && group_gone(a))
		return;
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
 * The attempt ends once the hook's process group is empty too. Its orphans
 * are hookrun's children (PID 1 or subreaper): each reaping round is a
 * moment to look again; the timeout, or the KILL's grace, bounds the wait.
 */
static void
group_cb(struct child_watch *w, int wstatus)
{
	struct attempt *a = w->data;

	(void)wstatus;
	if (group_gone(a))
		finish(a);
}

/*
 * A member may also leave the group (setsid) rather than end, which no
 * reaping round tells: looked at again after a growing pause too.
 */
static void
regroup_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct attempt *a = w->data;

	(void)revents;
	if (group_gone(a)) {
		finish(a);
		return;
	}
	if (w->repeat < GROUP_LOOK_MAX)
		w->repeat *= 2;
	ev_timer_again(loop, w);
}

static void
child_cb(struct child_watch *w, int wstatus)
{
	struct attempt *a = w->data;
	struct pollfd look[3];
	int n;

	a->exited = 1;
	a->wstatus = wstatus;
	a->status = a->timed_out ? 124 : children_exit_status(wstatus);
	/*
	 * One look at all of the attempt's pipes, and only those it shows
	 * data in are read. Its exports only when its group is gone: then
	 * nothing of the hook's can add to them after the look.
	 */
	a->gone = group_gone(a);
	n = output_pollfds(&a->out, look);
	if (a->gone)
		n += exports_pollfd(&a->exp, look + n);
	if (n > 0 && poll(look, (nfds_t)n, 0) == -1)
		n = 0;		/* then each is read as if it had data */
	if (a->gone)
		exports_take(&a->exp, look, n);
	/* Its output first: a slow reader of hookrun's delays the rest. */
	output_finish(&a->out, look, n, out_done, a);
}

/* The hook's output is all on its way (see output_finish). */
static void
out_done(struct output *o, void *data)
{
	struct attempt *a = data;

	(void)o;
	a->out_open = 0;
	/*
	 * Its process group still runs: the hook is not over. After a TERM
	 * with no KILL to follow (kill_timeout = 0), hookrun stops waiting.
	 */
	if (a->gone || group_gone(a) || (a->term_sent &&
	    !ev_is_active(&a->timer))) {
		finish(a);
		return;
	}
	/* Its output pipes close now: what the group writes there fails. */
	pipe_close_all(&a->closing);
	if (!a->term_sent)
		log_event(LOG_INFO, a->phase, a->hook->name, "hook_group", -1,
		    -1, "exited, but its process group %d still runs: the hook "
		    "is over once it is empty", (int)a->pid);
	children_watch(&a->group, 0, group_cb, a);
	a->regroup.repeat = GROUP_LOOK_FIRST;
	ev_timer_again(a->rt->loop, &a->regroup);
}

static void
wait_end(struct attempt *a, int status)
{
	a->waiting = 0;
	a->status = status;
	finish(a);
}

static void
wait_done(void *data)
{
	wait_end(data, 0);
}

/* wait =: no process; the hook's timeout is kept here, as for one. */
static void
wait_start(struct attempt *a)
{
	int64_t ms = a->hook->timeout_ms;

	if (hookwait_start(&a->wait, a->rt, a->phase, a->hook, a->number,
	    wait_done, a) == -1) {
		log_event(LOG_ERR, a->phase, a->hook->name, "hook_exec", -1, -1,
		    "cannot wait: %s", strerror(errno));
		wait_end(a, 70);
		return;
	}
	a->waiting = 1;
	if (ms > 0) {
		ev_timer_set(&a->timer, (ev_tstamp)ms / 1000., 0.);
		ev_timer_start(a->rt->loop, &a->timer);
	}
}

static void
spawn_hook(struct attempt *a)
{
	struct runtime *rt = a->rt;
	const struct hook *h = a->hook;

	a->started = mono_now();
	if (h->wait != NULL) {
		wait_start(a);
		return;
	}
	a->pid = hookproc_spawn(rt, h, a->phase, a->number,
	    h->lock != NULL && h->lock_argv == NULL ? a->lock.fd : -1, &a->exp,
	    &a->out, &a->out_open, &a->cg, &a->status);
	/* Closed together once the attempt is over (finish). */
	a->out.closing = a->exp.closing = &a->closing;
	if (a->pid == -1) {
		a->pid = 0;
		finish(a);
		return;
	}
	children_watch(&a->child, a->pid, child_cb, a);
	output_start(rt->loop, &a->out);
	exports_start(rt->loop, &a->exp);
	if (h->timeout_ms > 0) {
		/* From now, not from the loop's last wake-up. */
		ev_now_update(rt->loop);
		ev_timer_set(&a->timer, (ev_tstamp)h->timeout_ms / 1000., 0.);
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
	ev_timer_stop(rt->loop, &a->regroup);
	cgroup_close(&a->cg);
	children_unwatch(&a->child);
	children_unwatch(&a->group);
	if (a->waiting) {
		hookwait_stop(&a->wait);
		a->waiting = 0;
	}
	/* Given up on, or never spawned: what its pipes hold is not waited for. */
	if (a->out_open) {
		output_close(&a->out);
		a->out_open = 0;
	}
	/* Given up on: still running somewhere, it has not succeeded. */
	if (a->pid != 0 && !a->exited)
		a->status = a->timed_out ? 124 : 128 + SIGKILL;
	/* Exited 0, but its group ran on past the timeout: no success. */
	if (a->timed_out && a->status == 0)
		a->status = 124;
	if (a->lock_lost)
		a->status = LOCK_STATUS_FAILED;
	log_result(a);
	exports_collect(rt, &a->exp, a->hook, a->status == 0);
	pipe_close_all(&a->closing);
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
		/*
		 * Another replica may hold the lock already: no grace for a
		 * hook that must not run without it. Its group is KILLed now.
		 */
		a->lock_lost = 1;
		if (a->pid != 0 && !a->kill_sent && !group_gone(a))
			kill_now(a);
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
	ev_init(&a->regroup, regroup_cb);
	a->regroup.data = a;
	if (h->lock == NULL) {
		spawn_hook(a);
		return;
	}
	/* Nor must systemd cut short a wait for the lock. */
	notify_wait(h->lock_timeout_ms);
	notify_send("STATUS=%s: %s: taking the lock (attempt %ld)", phase,
	    h->name, number);
	lock_acquire(&a->lock, rt, h, phase, lock_cb, a);
}

void
attempt_stop(struct attempt *a, int timed_out)
{
	if (!a->running)
		return;
	if (a->waiting) {		/* no process: the wait just ends */
		a->timed_out |= timed_out;
		hookwait_stop(&a->wait);
		wait_end(a, a->timed_out ? 124 : 128 + SIGTERM);
		return;
	}
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
		a->status = timed_out ? 124 : 128 + SIGTERM;
		report(a);
	}
}
