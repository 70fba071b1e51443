/* hookproc.h: starting one attempt's process: environment, private exports channel, executable, output pipes. */
#ifndef HOOKRUN_HOOKPROC_H
#define HOOKRUN_HOOKPROC_H

#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "exports.h"
#include "output.h"
#include "runtime.h"

/*
 * Starts attempt number of hook h of phase: opens its HOOKRUN_ENV_FILE
 * channel (exp) and its output pipes (out, *out_open then 1), builds its
 * environment, finds its executable, and spawns it in a process group of
 * its own, and a control group of its own (cg) where hookrun may make one
 * (under a guard when locked: lockfd, a lock file's descriptor or -1, is
 * then the guard's to hold too). Returns its pid, or -1 after saying why,
 * with *status the failure's exit status (126, 127, 71). Whatever was
 * opened is left in exp, out and cg for the caller to close.
 */
pid_t	 hookproc_spawn(struct runtime *rt, const struct hook *h,
	    const char *phase, long number, int lockfd, struct exports *exp,
	    struct output *out, int *out_open, struct cgroup_hook *cg,
	    int *status);

#endif
