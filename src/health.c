/* health.c: [start] health: runs the probe every health_interval once the app is ready, counts failures, says when it turns. */
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "log.h"
#include "status.h"

static const struct app *
app_of(const struct health *h)
{
	return &h->rt->cfg->app;
}

static void
result_cb(struct probe *p, int ok, void *arg)
{
	struct health *h = arg;
	const struct app *a = app_of(h);

	if (ok) {
		h->fails = 0;
		h->in_grace = 0;	/* a success ends the start period */
		h->last[0] = '\0';
		status_health(STATUS_HEALTH_HEALTHY);
		if (h->unhealthy) {
			h->unhealthy = 0;
			log_event(LOG_INFO, "start", "health", "app_healthy",
			    -1, -1, "the app is healthy again");
			h->cb(h->arg, 1);
		}
		return;
	}
	if (h->in_grace && ev_now(h->rt->loop) < h->grace_end) {
		log_event(LOG_DEBUG, "start", "health", "health_fail", -1, -1,
		    "failed within health_start_period: %s", p->why);
		return;
	}
	h->in_grace = 0;
	h->fails++;
	/* Once unhealthy, only a new reason is worth a line. */
	if (!h->unhealthy || strcmp(h->last, p->why) != 0)
		log_event(LOG_WARN, "start", "health", "health_fail", -1, -1,
		    "check failed (%ld in a row): %s", h->fails, p->why);
	snprintf(h->last, sizeof(h->last), "%s", p->why);
	if (h->fails >= a->health_retries && !h->unhealthy) {
		h->unhealthy = 1;
		status_health(STATUS_HEALTH_UNHEALTHY);
		log_event(LOG_ERR, "start", "health", "app_unhealthy", -1, -1,
		    "the app is unhealthy: %ld checks failed in a row",
		    h->fails);
		h->cb(h->arg, 0);
	}
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct health *h = w->data;

	(void)loop;
	(void)revents;
	/* A try longer than the interval: the next one waits its turn. */
	if (!h->probe.active)
		probe_start(&h->probe, &h->ctx, &app_of(h)->health, result_cb,
		    h);
}

void
health_start(struct health *h, struct runtime *rt, health_fn cb, void *arg)
{
	const struct app *a = &rt->cfg->app;
	ev_tstamp every = (ev_tstamp)a->health_interval_ms / 1000.;

	/* Without a check, nothing more is touched: h is zero already. */
	if (a->health.text == NULL) {
		h->rt = rt;
		return;
	}
	memset(h, 0, sizeof(*h));
	h->rt = rt;
	h->cb = cb;
	h->arg = arg;
	h->ctx.rt = rt;
	h->ctx.phase = "start";
	h->ctx.name = "health";
	h->ctx.proc = NULL;
	h->ctx.workdir = a->proc.workdir;
	h->ctx.timeout_ms = a->health_timeout_ms;
	h->ctx.timeout_exec = 1;
	h->in_grace = a->health_start_period_ms > 0;
	h->grace_end = ev_now(rt->loop) +
	    (ev_tstamp)a->health_start_period_ms / 1000.;
	ev_timer_init(&h->timer, timer_cb, every, every);
	h->timer.data = h;
	ev_timer_start(rt->loop, &h->timer);
	h->active = 1;
	status_health(STATUS_HEALTH_STARTING);
}

void
health_stop(struct health *h)
{
	if (h->rt == NULL || !h->active)
		return;
	ev_timer_stop(h->rt->loop, &h->timer);
	probe_stop(&h->probe);
	h->active = 0;
}
