/* signals.c: catches every signal hookrun can, through libev, and hands each to one function. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"
#include "spawn.h"

static ev_signal	 watchers[NSIG];
static signals_fn	 handler;
static void		*handler_arg;

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	handler(w->signum, handler_arg);
}

static int
is_fault(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
	    sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS;
}

/*
 * Fault signals and PIPE are handed on only when another process sent them.
 * A real fault has si_code > 0; it restores the default action, and
 * returning re-runs the faulting instruction, which then kills hookrun as it
 * should. The kernel's own PIPE (a write to a closed pipe) comes as SI_USER
 * from hookrun itself: it is dropped, and the write fails with EPIPE.
 */
static void
sent_only_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si->si_code > 0 && sig != SIGPIPE)
		signal(sig, SIG_DFL);
	else if (si->si_code <= 0 && si->si_pid != getpid())
		ev_feed_signal(sig);
}

void
signals_init(struct ev_loop *loop, signals_fn fn, void *arg)
{
	struct sigaction sa;
	int sig;

	handler = fn;
	handler_arg = arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGTTIN, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	spawn_touched(SIGTTIN);
	spawn_touched(SIGTTOU);
	spawn_touched(SIGCHLD);

	/* 32 and 33, below SIGRTMIN, belong to the C library's threads. */
	for (sig = 1; sig <= SIGRTMAX && sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD ||
		    sig == SIGTTIN || sig == SIGTTOU ||
		    (sig >= 32 && sig < SIGRTMIN))
			continue;
		ev_signal_init(&watchers[sig], signal_cb, sig);
		ev_signal_start(loop, &watchers[sig]);
		spawn_touched(sig);
		if (is_fault(sig) || sig == SIGPIPE) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = sent_only_handler;
			sa.sa_flags = SA_SIGINFO | SA_RESTART;
			sigfillset(&sa.sa_mask);
			sigaction(sig, &sa, NULL);
		}
	}
}

int
signals_stops(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}
