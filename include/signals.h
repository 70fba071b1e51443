/* signals.h: which signals hookrun catches, and handing each to the supervisor. */
#ifndef HOOKRUN_SIGNALS_H
#define HOOKRUN_SIGNALS_H

#include <ev.h>

typedef void (*signals_fn)(int sig, void *arg);

/*
 * Catches every signal that can be caught, real-time ones included, but
 * CHLD (libev's, though through the same handler), TTIN and TTOU (ignored:
 * hookrun must be able to write to a terminal it does not own), and hands
 * each to fn from the event loop. Fault signals (SEGV, BUS, ILL, FPE, TRAP,
 * SYS) and PIPE are handed on only when another process sent them: a real
 * fault still kills hookrun, a closed output gives EPIPE. In a child between
 * clone and exec, a signal gets the launcher's action, as after the exec.
 */
void	 signals_init(struct ev_loop *loop, signals_fn fn, void *arg);
/* 1 for TERM, INT and QUIT: the signals that stop hookrun. */
int	 signals_stops(int sig);

#endif
