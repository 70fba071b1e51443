/* probe_int.h: what the files of one probe try share: probe.c hands probehttp.c and */
/* probeexec.c the try, and the function that ends it. */
#ifndef HOOKRUN_PROBE_INT_H
#define HOOKRUN_PROBE_INT_H

#include <stdarg.h>
#include <stdio.h>

#include "probe.h"

/* Why the try failed, into p->why. */
static inline void __attribute__((format(printf, 2, 3)))
probe_say(struct probe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
}

/* probehttp.c: p->fd is connected: GET, then the status line; then p->finish. */
void	 probe_http(struct probe *p);
/* probeexec.c: runs the exec: command; p->finish when it has exited. */
void	 probe_exec(struct probe *p);

#endif
