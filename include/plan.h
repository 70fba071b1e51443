/* plan.h: --dry-run: the resolved plan, printed from struct config; starts nothing. */
#ifndef HOOKRUN_PLAN_H
#define HOOKRUN_PLAN_H

#include <stdio.h>
#include "config.h"

/*
 * Prints the plan to out (only the phase `only` when only >= 0). Reports a
 * hook or app executable that is missing or not executable on stderr.
 * Returns the number of such errors.
 */
int	 plan_print(FILE *out, const struct config *cfg, int only);

/*
 * planprobe.c: a probe's detail lines, each starting with indent: whether
 * its host resolves now (hosts file, then DNS), the HTTP statuses it takes,
 * an exec: command's path (an error when missing). Return the errors.
 */
int	 plan_probe_detail(FILE *out, const char *indent,
	    const struct probe_target *t, const char *phase, const char *hook,
	    const char *workdir);
/* A wait = hook's targets. */
int	 plan_wait(FILE *out, const struct hook *h, const char *phase);
/* [start] health and its settings. */
int	 plan_health(FILE *out, const struct app *a);

#endif
