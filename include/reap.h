/* reap.h: the end of the line: every descendant still alive is signalled and waited for. */
#ifndef HOOKRUN_REAP_H
#define HOOKRUN_REAP_H

#include "runtime.h"

/*
 * Sends TERM (and CONT) to every remaining descendant of hookrun, SIGKILL
 * after kill_timeout, and returns once none is left. hookrun is PID 1 or a
 * child subreaper, so every orphan below it is its child: "no child left"
 * means "no descendant left".
 */
void	 reap_descendants(struct runtime *rt);

#endif
