/* lockexec.h: lock = exec:COMMAND, the line protocol; used by lock.c only. */
#ifndef HOOKRUN_LOCKEXEC_H
#define HOOKRUN_LOCKEXEC_H

#include "lock.h"
#include "runtime.h"

/* How long a lock command may take to exit when kill_timeout is none. */
#define LOCK_GRACE_MS	5000

/* Starts COMMAND; the wait ends through lock_settle. */
void	 lockexec_start(struct lock *lk, struct runtime *rt);
/* Writes success or failure, closes its stdin, waits for it to exit. */
void	 lockexec_release(struct lock *lk, int success);
/* lk->timer fired: lock_timeout while waiting, the grace while releasing. */
void	 lockexec_timer(struct lock *lk);
/* Abandons COMMAND: TERM to its group, pipes closed, no more callbacks. */
void	 lockexec_stop(struct lock *lk);

/* In lock.c: ends a wait or a release: stops the timers, calls lk->cb. */
void	 lock_settle(struct lock *lk, enum lock_event ev);

#endif
