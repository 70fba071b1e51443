/* health.h: [start] health: the probe run every health_interval once the app is ready, and what makes it unhealthy. */
#ifndef HOOKRUN_HEALTH_H
#define HOOKRUN_HEALTH_H

#include <ev.h>

#include "probe.h"
#include "runtime.h"

/* healthy: 0 the app has just become unhealthy, 1 it is healthy again. */
typedef void (*health_fn)(void *arg, int healthy);

struct health {
	struct runtime		*rt;
	struct probe_ctx	 ctx;
	struct probe		 probe;
	ev_timer		 timer;		/* every health_interval */
	ev_tstamp		 grace_end;	/* health_start_period */
	int			 in_grace;
	long			 fails;		/* consecutive, counted ones */
	int			 unhealthy;
	int			 active;
	char			 last[512];	/* the last failure said */
	health_fn		 cb;
	void			*arg;
};

/*
 * Starts checking (nothing without [start] health): one wake-up per
 * health_interval, each try bounded by health_timeout; health_retries
 * consecutive failures, not counting those within health_start_period
 * before a first success, make the app unhealthy: cb(arg, 0); a success
 * after that: cb(arg, 1). Never calls cb from here. h is all zero before
 * its first start (static storage, or memset): without a check, nothing
 * but h->rt is written, so that its pages are never touched.
 */
void	 health_start(struct health *h, struct runtime *rt, health_fn cb,
	    void *arg);
/* Stops checking. Safe on one that never started. */
void	 health_stop(struct health *h);

#endif
