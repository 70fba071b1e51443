/* phase.c: runs one phase: its hooks in order, each attempt retried per retries, on_failure, within the deadline. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "notify.h"
#include "parse.h"
#include "phase.h"
#include "status.h"

static void	 hook_next(struct phase_run *);

static const char *
pname(const struct phase_run *pr)
{
	return phase_name(pr->id);
}

static void
phase_end(struct phase_run *pr)
{
	ev_timer_stop(pr->rt->loop, &pr->deadline);
	ev_timer_stop(pr->rt->loop, &pr->retry);
	pr->running = 0;
	status_hook(NULL, NULL);
	if (pr->done != NULL)
		pr->done(pr);
}

static void	 attempt_done(struct attempt *, void *);

static void
attempt_next(struct phase_run *pr)
{
	pr->attempts++;
	status_hook(pname(pr), pr->hook->name);
	attempt_start(&pr->attempt, pr->rt, pr->hook, pname(pr), pr->attempts,
	    attempt_done, pr);
}

static void
hook_next(struct phase_run *pr)
{
	if (pr->stopping || pr->next >= pr->ph->nhooks) {
		phase_end(pr);
		return;
	}
	pr->hook = pr->ph->hooks[pr->next++];
	pr->attempts = 0;
	pr->delay_ms = pr->hook->retry_delay_ms;
	attempt_next(pr);
}

static void
retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	attempt_next(w->data);
}

/* An attempt is over, its lock given back: next hook, retry, or the end. */
static void
attempt_done(struct attempt *a, void *data)
{
	struct phase_run *pr = data;
	const struct hook *h = pr->hook;
	char d[32];

	if (a->status == 0 || a->skipped) {
		hook_next(pr);
		return;
	}
	if (!pr->stopping && pr->attempts <= h->retries) {
		format_duration(pr->delay_ms, d, sizeof(d));
		log_event(LOG_WARN, pname(pr), h->name, "hook_retry", -1, -1,
		    "retrying in %s (attempt %ld of %ld)", d, pr->attempts + 1,
		    h->retries + 1);
		/* Nor must systemd cut the delay short. */
		if (pr->delay_ms > 0)
			notify_wait(pr->delay_ms);
		ev_timer_set(&pr->retry, (ev_tstamp)pr->delay_ms / 1000., 0.);
		ev_timer_start(pr->rt->loop, &pr->retry);
		if (pr->delay_ms < INT64_MAX / 2)
			pr->delay_ms *= 2;
		return;
	}
	if (!pr->stopping && h->on_failure == ON_FAILURE_IGNORE) {
		log_event(LOG_WARN, pname(pr), h->name, "hook_ignored", -1, -1,
		    "on_failure = ignore: continuing");
		hook_next(pr);
		return;
	}
	if (pr->result == 0) {
		pr->result = a->status;
		pr->failed = h->name;
	}
	pr->stopping = 1;
	phase_end(pr);
}

/* Stops the phase: a running attempt is ended (done follows), a retry delay now. */
static void
phase_halt(struct phase_run *pr, int timed_out)
{
	pr->stopping = 1;
	if (pr->attempt.running)
		attempt_stop(&pr->attempt, timed_out);
	else
		phase_end(pr);
}

static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct phase_run *pr = w->data;
	char d[32];

	(void)loop;
	(void)revents;
	format_duration(pr->ph->deadline_ms, d, sizeof(d));
	log_event(LOG_ERR, pname(pr), NULL, "phase_deadline", 124, -1,
	    "deadline %s passed", d);
	pr->result = 124;
	pr->failed = pr->hook != NULL ? pr->hook->name : NULL;
	phase_halt(pr, 1);
}

void
phase_start(struct phase_run *pr, struct runtime *rt, enum phase_id id,
    phase_done_fn done, void *data)
{
	/* A phase_run is reused only once ended: none of its watchers is active. */
	memset(pr, 0, sizeof(*pr));
	pr->rt = rt;
	pr->id = id;
	pr->ph = &rt->cfg->phases[id];
	pr->done = done;
	pr->data = data;
	pr->running = 1;
	ev_timer_init(&pr->retry, retry_cb, 0., 0.);
	pr->retry.data = pr;
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
	if (!pr->running || pr->stopping)
		return;
	phase_halt(pr, 0);
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
