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
static pid_t		 self;		/* hookrun, not a child before its exec */

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
 * Every caught signal comes here, in place of libev's own handler:
 * - In a child between clone and exec (it shares hookrun's memory until it
 *   execs), the signal takes the action the launcher gave it, as it would
 *   after the exec; so children need not reset every handler before exec.
 * - Fault signals and PIPE are handed on only when another process sent
 *   them. A real fault has si_code > 0: it restores the default action, and
 *   returning re-runs the faulting instruction, which then kills hookrun as
 *   it should. The kernel's own PIPE (a write to a closed pipe) comes as
 *   SI_USER from hookrun itself: it is dropped, and the write gets EPIPE.
 * - Everything else goes to libev.
 */
static void
catch_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (getpid() != self) {
		signal(sig, spawn_was_ignored(sig) ? SIG_IGN : SIG_DFL);
		if (!spawn_was_ignored(sig))
			kill(getpid(), sig);	/* pending until this returns */
		return;
	}
	if (is_fault(sig) && si->si_code > 0) {
		signal(sig, SIG_DFL);
		return;
	}
	if ((is_fault(sig) || sig == SIGPIPE) &&
	    (si->si_code > 0 || si->si_pid == self))
		return;
	ev_feed_signal(sig);
}

static void
catch(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = catch_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void
signals_init(struct ev_loop *loop, signals_fn fn, void *arg)
{
	struct sigaction sa;
	int sig;

	self = getpid();
	handler = fn;
	handler_arg = arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGTTIN, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	spawn_ignored(SIGTTIN);
	spawn_ignored(SIGTTOU);
	catch(SIGCHLD);		/* libev's watcher, our handler */

	/* 32 and 33, below SIGRTMIN, belong to the C library's threads. */
	for (sig = 1; sig <= SIGRTMAX && sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD ||
		    sig == SIGTTIN || sig == SIGTTOU ||
		    (sig >= 32 && sig < SIGRTMIN))
			continue;
		ev_signal_init(&watchers[sig], signal_cb, sig);
		ev_signal_start(loop, &watchers[sig]);
		catch(sig);
	}
}

int
signals_stops(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}
