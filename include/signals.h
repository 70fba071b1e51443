/* signals.h: the signals hookrun handles, blocked once and read from one descriptor on the loop. */
#ifndef HOOKRUN_SIGNALS_H
#define HOOKRUN_SIGNALS_H

#include <ev.h>
#include <signal.h>
#include <sys/types.h>

/* Returns 0 when nothing came of sig but reaping orphans or forwarding it. */
typedef int (*signals_fn)(int sig, void *arg);

/* What hookrun was started with: its children get it back (spawn_init). */
struct signals_launch {
	sigset_t	 mask;
	int		 chld_ignored;	/* SIGCHLD was ignored */
};

/*
 * Blocks every signal that can be blocked and reads them from one signalfd
 * watched on loop: nothing else changes, no handler is installed, so the
 * dispositions the launcher gave hookrun are those its children inherit.
 * Only an ignored SIGCHLD is set back to the default action, or children
 * would be reaped unseen; *launch says so, with the launcher's mask.
 *
 * Each signal read goes to fn, but TTIN and TTOU (blocked, hookrun never
 * stops on a terminal it does not own: the kernel treats a blocked TTOU as
 * an ignored one), and PIPE and the fault signals (SEGV, BUS, ILL, FPE,
 * TRAP, SYS) unless another process sent them: a write to a closed output
 * gives EPIPE, and a real fault is delivered by the kernel whatever the
 * mask, with its default action: it still kills hookrun. Returns the
 * descriptor (above 2), or -1 with errno.
 */
int	 signals_init(struct ev_loop *loop, signals_fn fn, void *arg,
	    struct signals_launch *launch);
/*
 * One round of the loop, as ev_run(loop, EVRUN_ONCE); but when the signal
 * descriptor is all that the loop watches (no timer, no other descriptor:
 * an app running and nothing else due), a blocking read of it instead: one
 * system call per signal, not an epoll_wait and a read.
 */
void	 signals_run_once(struct ev_loop *loop);
/*
 * fn runs before each such blocking read, where the loop's prepare watchers
 * do not: a handler that returned 0 may still have left work for one.
 */
void	 signals_before_wait(void (*fn)(void));
/* 1 for TERM, INT and QUIT: the signals that stop hookrun. */
int	 signals_stops(int sig);

#endif
