/* signals.h: which signals hookrun catches, and handing each to the supervisor. */
#ifndef HOOKRUN_SIGNALS_H
#define HOOKRUN_SIGNALS_H

#include <ev.h>

typedef void (*signals_fn)(int sig, void *arg);

/*
 * Catches every signal that can be caught, real-time ones included, but
 * CHLD (libev's), TTIN and TTOU
 * (ignored: hookrun must be able to write to a terminal it does not own),
 * and hands each to fn. Fault signals (SEGV, BUS, ILL, FPE, TRAP, SYS) are
 * handed on only when another process sent them; a real fault still kills
 * hookrun; likewise PIPE, so that a closed output gives EPIPE. Children get the launcher's
 * dispositions back (spawn.c).
 */
void	 signals_init(struct ev_loop *loop, signals_fn fn, void *arg);
/* 1 for TERM, INT and QUIT: the signals that stop hookrun. */
int	 signals_stops(int sig);

#endif
