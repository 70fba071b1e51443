/* app.h: starting the app process itself. */
#ifndef HOOKRUN_APP_H
#define HOOKRUN_APP_H

#include <sys/types.h>

#include "runtime.h"

/*
 * Spawns [start]'s app with its environment (its own NOTIFY_SOCKET for
 * ready = notify, LISTEN_PID for socket activation), ready_fd (>= 0) as its
 * ready = fd:N descriptor, and the terminal's foreground when hookrun has
 * it (*foreground says so). Returns the pid, or -1 after logging why, with
 * *status the exit status that failure means (126, 127).
 */
pid_t	 app_spawn(struct runtime *rt, int ready_fd, int *foreground,
	    int *status);

#endif
