/* log.h: hookrun's own messages on stderr: text, JSON, journald priority prefixes. */
#ifndef HOOKRUN_LOG_H
#define HOOKRUN_LOG_H

#include <stdint.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* verbosity: -1 (-q: errors and warnings), 0 (default), 1 (-v). */
void	 log_init(int verbosity, int json);
void	 log_set_json(int json);

/*
 * One event: "hookrun: PHASE:HOOK: message" (phase and hook may be NULL),
 * or one JSON object with level, phase, hook, event, status, duration_ms
 * (status < 0 and duration_ms < 0 are left out) and message.
 */
void	 log_event(enum log_level, const char *phase, const char *hook,
	    const char *event, int status, int64_t duration_ms,
	    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Shorthands without phase, hook, status or duration. */
void	 log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
