/* attempt.h: one attempt of a hook, between phase.c (which hook, when) and attempt.c (its process). */
#ifndef HOOKRUN_ATTEMPT_H
#define HOOKRUN_ATTEMPT_H

#include <stdint.h>

#include "phase.h"

/* attempt.c */
void	 attempt_init(struct hook_run *hr);	/* its timer and watchers */
void	 attempt_spawn(struct hook_run *hr);	/* runs it; attempt_end follows */
void	 attempt_term(struct hook_run *hr);	/* TERM to its group, KILL later */
void	 attempt_log(struct hook_run *hr, int64_t ms);
/* 1 while the attempt runs: its process, or its wait = polling. */
int	 attempt_busy(const struct hook_run *hr);

/* phase.c */
void	 attempt_start(struct hook_run *hr);	/* an attempt (again): lock, then spawn */
void	 attempt_end(struct hook_run *hr);	/* its result is known */

#endif
