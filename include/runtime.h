/* runtime.h: what the phase runner, the supervisor and main share while hookrun runs. */
#ifndef HOOKRUN_RUNTIME_H
#define HOOKRUN_RUNTIME_H

#include <ev.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

struct phase_run;

struct runtime {
	struct ev_loop		*loop;
	struct config		*cfg;
	char			**exports;	/* "KEY=VALUE" from HOOKRUN_ENV_FILE, NULL-terminated */
	pid_t			  app_pid;	/* 0: no app running */
	int			  app_status;	/* -1: the app never ran */
	int			  stop_sig;	/* TERM, INT or QUIT received; 0: none */
	struct phase_run	 *stoppable;	/* the phase a stop signal ends */
};

/* Seconds on the monotonic clock: durations that no clock change can bend. */
static inline double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
