/* restart.h: the restart policy: whether the app goes again, after which delay, within the limit. */
#ifndef HOOKRUN_RESTART_H
#define HOOKRUN_RESTART_H

#include <stdint.h>

#include "config.h"

struct restart {
	const struct config	*cfg;
	int64_t			 delay_ms;	/* the next delay */
	double			*times;		/* of the last restarts, a ring */
	long			 count;
};

/* 0, or -1 with errno (no memory for the limit's ring). */
int	 restart_init(struct restart *r, const struct config *cfg);
void	 restart_free(struct restart *r);

/*
 * The app, started at started (monotonic s), is down with status: 1 when
 * it is to start again after *delay_ms (logged), 0 when the policy says no
 * (force: whatever it says), -1 when the limit is reached (logged).
 */
int	 restart_next(struct restart *r, int status, double started,
	    int force, int64_t *delay_ms);

#endif
