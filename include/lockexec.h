/* lockexec.h: lock = exec:COMMAND: the lock command and its line protocol, for lock.c. */
#ifndef HOOKRUN_LOCKEXEC_H
#define HOOKRUN_LOCKEXEC_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "children.h"
#include "config.h"
#include "runtime.h"

/* How long a lock command may take to exit when kill_timeout is none. */
#define LOCK_GRACE_MS	5000

/* The status of an attempt that failed at its lock (lock.h's too). */
#define LOCK_STATUS_TIMEOUT	124	/* lock_timeout passed, as for a hook's timeout */
#define LOCK_STATUS_FAILED	69	/* could not be taken, or lost (EX_UNAVAILABLE) */

/* What the command did; each but LOST ends what lockexec_start began. */
enum lockexec_event {
	LOCKEXEC_LOCKED,	/* it answered "locked": the lock is held */
	LOCKEXEC_DONE,		/* it answered "done" and exited: nothing is held */
	LOCKEXEC_FAILED,	/* it could not start, said something else, or
				   exited without answering (logged) */
	LOCKEXEC_LOST,		/* it exited while the lock was held (logged):
				   lockexec_release follows all the same */
	LOCKEXEC_EXITED		/* it exited after lockexec_release */
};

struct lockexec;
typedef void (*lockexec_fn)(struct lockexec *, enum lockexec_event,
    void *data);

/* Embedded in struct lock; callers read pid only. */
struct lockexec {
	struct ev_loop		*loop;
	const struct hook	*hook;
	const char		*phase;
	lockexec_fn		 cb;
	void			*data;
	int			 state;		/* lockexec.c's */
	int64_t			 grace_ms;	/* how long it may take to exit */
	pid_t			 pid;		/* 0: not running */
	struct child_watch	 child;
	ev_io			 io;
	ev_timer		 timer;		/* the grace to exit, then KILL */
	int			 kill_sent;
	int			 to;		/* its stdin; -1 */
	int			 from;		/* its stdout; -1 */
	char			 said[64];	/* its first line, so far */
	size_t			 saidlen;
	int			 done;		/* it answered "done" */
	int			 success;	/* "success" was written */
};

/*
 * Starts h's lock command (the key it gets is "PHASE:NAME"); cb gets
 * LOCKED, DONE or FAILED, possibly before this returns; after LOCKED,
 * LOST should the command exit.
 */
void	 lockexec_start(struct lockexec *x, struct runtime *rt,
	    const struct hook *h, const char *phase, lockexec_fn cb,
	    void *data);
/* Writes success or failure, closes its stdin; cb gets EXITED. */
void	 lockexec_release(struct lockexec *x, int success);
/* lock_timeout passed before it answered: says so, then lockexec_stop. */
void	 lockexec_timeout(struct lockexec *x, int64_t timeout_ms);
/* Abandons it: TERM to its group, pipes closed, no more callbacks. */
void	 lockexec_stop(struct lockexec *x);

#endif
