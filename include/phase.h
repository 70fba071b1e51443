/* phase.h: runs the hooks of one phase: in order, with timeouts, retries and the deadline. */
#ifndef HOOKRUN_PHASE_H
#define HOOKRUN_PHASE_H

#include <ev.h>
#include <sys/types.h>

#include "children.h"
#include "config.h"
#include "lock.h"
#include "output.h"
#include "runtime.h"

struct phase_run;

/* One hook, through its attempts. */
struct hook_run {
	struct phase_run	*pr;
	struct hook		*hook;
	long			 attempt;
	int64_t			 delay_ms;	/* the next retry delay */
	pid_t			 pid;		/* 0: not running */
	struct child_watch	 child;
	struct child_watch	 group;		/* any child: is the group gone? */
	int			 wstatus;
	ev_timer		 timer;		/* timeout, kill grace or retry delay */
	ev_tstamp		 started;
	int			 term_sent;	/* timed out, deadline or stop */
	int			 timed_out;	/* result is 124 */
	int			 kill_sent;
	int			 exited;
	int			 status;
	int			 lock_lost;	/* exec lock gone while it ran */
	struct lock		 lock;		/* taken for each attempt */
	struct output		 out;
};

typedef void (*phase_done_fn)(struct phase_run *);

struct phase_run {
	struct runtime		*rt;
	enum phase_id		 id;
	struct phase		*ph;
	size_t			 next;		/* index of the next hook */
	struct hook_run		 hr;
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
