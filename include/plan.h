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

#endif
