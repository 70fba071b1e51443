/* lock.h: a hook's lock and once record, taken and given back without blocking the event loop. */
#ifndef HOOKRUN_LOCK_H
#define HOOKRUN_LOCK_H

#include <ev.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "lockexec.h"
#include "runtime.h"

/* LOCK_STATUS_TIMEOUT and LOCK_STATUS_FAILED: see lockexec.h. */

enum lock_event {
	LOCK_ACQUIRED,	/* held: run the hook, then lock_release */
	LOCK_DONE,	/* the once key is recorded: skip the hook; nothing is held */
	LOCK_TIMEOUT,	/* lock_timeout passed; nothing is held */
	LOCK_FAILED,	/* could not be taken (logged); nothing is held */
	LOCK_LOST,	/* exec: the command exited while held (logged): stop
			   the hook, then lock_release all the same */
	LOCK_RELEASED	/* lock_release has finished */
};

enum lock_state { LOCK_IDLE, LOCK_WAITING, LOCK_HELD, LOCK_RELEASING };

struct lock;
typedef void (*lock_fn)(struct lock *, enum lock_event, void *data);

/* Embedded in the hook's run; a zeroed one is idle. Callers read state only. */
struct lock {
	enum lock_state		 state;
	struct ev_loop		*loop;
	const struct hook	*hook;
	const char		*phase;
	lock_fn			 cb;
	void			*data;
	ev_timer		 timer;		/* lock_timeout */
	ev_tstamp		 since;		/* the wait began */
	int			 waited;	/* "waiting" was logged */
	/* lock = PATH */
	ev_timer		 retry;		/* the next try, with a growing delay */
	ev_tstamp		 delay;
	int			 fd;		/* the open lock file; -1 */
	/* lock = exec:COMMAND */
	struct lockexec		 ex;
};

/*
 * Takes h's lock for one attempt (phase names it in messages; the key given
 * to a lock command is "PHASE:NAME"). cb gets exactly one of ACQUIRED, DONE,
 * TIMEOUT or FAILED, possibly before lock_acquire returns; after ACQUIRED,
 * also LOST should an exec lock be lost. The once key is checked under the
 * lock.
 */
void	 lock_acquire(struct lock *lk, struct runtime *rt, const struct hook *h,
	    const char *phase, lock_fn cb, void *data);
/*
 * Gives back a held (or lost) lock, recording the once key first when
 * success. cb gets RELEASED, possibly before lock_release returns.
 */
void	 lock_release(struct lock *lk, int success, lock_fn cb);
/*
 * Abandons a wait for the lock (a stop signal, the phase's deadline): no
 * callback follows. Returns 1 when there was a wait to abandon.
 */
int	 lock_cancel(struct lock *lk);

#endif
