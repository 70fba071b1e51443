/* phase.h: runs the hooks of one phase: in order, with retries, on_failure and the deadline. */
#ifndef HOOKRUN_PHASE_H
#define HOOKRUN_PHASE_H

#include <ev.h>
#include <stdint.h>

#include "attempt.h"
#include "config.h"
#include "runtime.h"

struct phase_run;

typedef void (*phase_done_fn)(struct phase_run *);

struct phase_run {
	struct runtime		*rt;
	enum phase_id		 id;
	struct phase		*ph;
	size_t			 next;		/* index of the next hook */
	const struct hook	*hook;		/* the one running, or waiting */
	long			 attempts;	/* of it, so far */
	int64_t			 delay_ms;	/* its next retry delay */
	struct attempt		 attempt;
	ev_timer		 retry;		/* the delay before its next attempt */
	ev_timer		 deadline;
	int			 stopping;	/* no more hooks, no retries */
	int			 running;
	int			 result;	/* 0, or the failed hook's status */
	const char		*failed;	/* that hook's name */
	phase_done_fn		 done;
	void			*data;
};

/* Starts a phase; done is called once its last hook has ended. */
void	 phase_start(struct phase_run *pr, struct runtime *rt,
	    enum phase_id id, phase_done_fn done, void *data);
/* Runs a phase to its end; returns its result, *failed the hook's name. */
int	 phase_run(struct runtime *rt, enum phase_id id, const char **failed);
/* Ends a phase early: its running hook gets SIGTERM (and SIGKILL after kill_timeout). */
void	 phase_stop(struct phase_run *pr);

#endif
