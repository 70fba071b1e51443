/* phase.c: runs one phase: its hooks in order, each with its timeout, retries and on_failure, within the deadline. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include "attempt.h"
#include "env.h"
#include "lock.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "phase.h"

static void	 hook_next(struct phase_run *);
static void	 attempt_after(struct hook_run *);
static void	 released_cb(struct lock *, enum lock_event, void *);

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
	attempt_init(hr);
	attempt_start(hr);
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
		attempt_term(hr);
	} else if (hr->pid == 0)
		hook_abandon(pr);
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
			attempt_term(hr);
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

void
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

void
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
	children_unwatch(&hr->group);
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
		attempt_term(hr);
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
