/* attempt.h: one attempt of a hook: its lock, its process and output, its timeout, TERM and KILL. */
#ifndef HOOKRUN_ATTEMPT_H
#define HOOKRUN_ATTEMPT_H

#include <ev.h>
#include <sys/types.h>

#include "cgroup.h"
#include "children.h"
#include "config.h"
#include "exports.h"
#include "hookwait.h"
#include "lock.h"
#include "output.h"
#include "runtime.h"

struct attempt;

/* The attempt is over; its result is in a->status (a->skipped: not run). */
typedef void (*attempt_fn)(struct attempt *a, void *data);

/*
 * Owned by the caller (phase.c), reused for each attempt. Every watcher in
 * it is stopped before done is called, and it may be started again only
 * after that: nothing of libev points into it while it is idle.
 */
struct attempt {
	struct runtime		*rt;
	const struct hook	*hook;
	const char		*phase;		/* its name, for messages */
	long			 number;	/* 1, 2, ... */
	attempt_fn		 done;
	void			*data;
	int			 running;	/* from attempt_start until done */
	pid_t			 pid;		/* 0: no process */
	struct child_watch	 child;		/* its process */
	struct child_watch	 group;		/* any child: is its group gone? */
	ev_timer		 timer;		/* timeout, KILL grace, last bound */
	ev_timer		 regroup;	/* another look at a group left behind */
	double			 started;	/* of the process, monotonic s */
	int			 out_open;
	int			 term_sent;	/* timed out, or stopped */
	int			 kill_sent;
	int			 timed_out;	/* the result is 124 */
	int			 exited;	/* its process was reaped */
	int			 gone;		/* and then its group was empty */
	int			 wstatus;	/* and how */
	int			 lock_lost;	/* an exec lock went while it ran */
	int			 skipped;	/* its once key was recorded */
	int			 status;	/* 0, or the failure's exit status */
	int			 waiting;	/* wait =: its targets are polled */
	struct lock		 lock;
	struct output		 out;
	struct exports		 exp;		/* this attempt's HOOKRUN_ENV_FILE */
	struct pipe_closing	 closing;	/* out's and exp's pipes, done with */
	struct hookwait		 wait;		/* wait =: no process */
	struct cgroup_hook	 cg;		/* its control group, where there is one */
};

/*
 * Runs attempt number of hook h of phase: takes its lock if it has one,
 * spawns it (or, for wait =, polls its targets), waits for it within its
 * timeout (TERM to its process group, KILL after kill_timeout), gives the
 * lock back, and calls done, possibly before returning. An attempt ends
 * when its process is reaped, its output is written and, after a TERM, its
 * group is empty; or when hookrun gives up on it a second after the KILL:
 * a failure then (124 after a timeout), never a success.
 */
void	 attempt_start(struct attempt *a, struct runtime *rt,
	    const struct hook *h, const char *phase, long number,
	    attempt_fn done, void *data);
/*
 * Ends a running attempt early (the phase's deadline, a stop signal): its
 * process group gets TERM (then KILL), or a wait for the lock ends at once
 * (done is then called from here). timed_out makes the result 124.
 */
void	 attempt_stop(struct attempt *a, int timed_out);

#endif
