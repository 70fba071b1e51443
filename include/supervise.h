/* supervise.h: the app: spawn, post_start, signals, restart policy, the stop sequence. */
#ifndef HOOKRUN_SUPERVISE_H
#define HOOKRUN_SUPERVISE_H

#include "runtime.h"

/*
 * Runs the app until it is down for good (exited and not restarted, or
 * stopped); returns hookrun's exit status for it.
 */
int	 supervise_run(struct runtime *rt);

/* Where every caught signal goes, whatever hookrun is doing (signals_init). */
void	 supervise_signal(int sig, void *rt);

#endif
