/* hookwait.h: a wait = hook's attempt: no process, its targets polled until each has answered. */
#ifndef HOOKRUN_HOOKWAIT_H
#define HOOKRUN_HOOKWAIT_H

#include "config.h"
#include "probe.h"
#include "runtime.h"

/* Every target answered. */
typedef void (*hookwait_fn)(void *arg);

struct hookwait {
	struct probe_ctx	 ctx;
	struct probe_wait	 pw;
	const struct hook	*hook;
	hookwait_fn		 done;
	void			*arg;
};

/*
 * Starts polling h's targets (exec: ones run as the hook would); done runs
 * once, from the loop, when each has answered. The hook's timeout, retries
 * and lock are its caller's. -1 with errno when it cannot start (no memory).
 */
int	 hookwait_start(struct hookwait *w, struct runtime *rt,
	    const char *phase, const struct hook *h, long attempt,
	    hookwait_fn done, void *arg);
/* Stops polling: no callback comes. Safe on a wait that is not active. */
void	 hookwait_stop(struct hookwait *w);
/* The hook's timeout: says what did not answer, and why; then stops. */
void	 hookwait_timeout(struct hookwait *w);

#endif
