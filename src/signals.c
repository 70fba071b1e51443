/* signals.c: every signal hookrun handles, blocked once, read from one signalfd and handed to one function. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "signals.h"

/*
 * No handler is ever installed: a child between clone and exec, which
 * shares hookrun's memory, can never run one, and children start with the
 * launcher's dispositions untouched, needing only its mask back.
 */
static int		 sfd = -1;
static ev_io		 sio;
static signals_fn	 handler;
static void		*handler_arg;
static pid_t		 self;		/* hookrun's pid, once needed */

static int
is_fault(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
	    sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS;
}

/* Whether a signal read is handed on (see signals.h). */
static int
wanted(const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;

	if (sig == SIGTTIN || sig == SIGTTOU)
		return 0;
	if (!is_fault(sig) && sig != SIGPIPE)
		return 1;
	if (si->ssi_code > 0)
		return 0;
	if (self == 0)
		self = getpid();
	return (pid_t)si->ssi_pid != self;
}

static void
signals_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct signalfd_siginfo si[16];
	ssize_t n;
	size_t i;

	(void)loop;
	(void)w;
	(void)revents;
	/* Level-triggered: what one read leaves comes back on the next round. */
	n = read(sfd, si, sizeof(si));
	if (n <= 0)
		return;
	for (i = 0; i < (size_t)n / sizeof(si[0]); i++)
		if (wanted(&si[i]))
			handler((int)si[i].ssi_signo, handler_arg);
}

int
signals_init(struct ev_loop *loop, signals_fn fn, void *arg,
    struct signals_launch *launch)
{
	struct sigaction dfl, old;
	sigset_t all;

	handler = fn;
	handler_arg = arg;
	/* All but KILL, STOP and the C library's own two (32 and 33). */
	sigfillset(&all);
	if ((sfd = signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	sigprocmask(SIG_BLOCK, &all, &launch->mask);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &dfl, &old);
	launch->chld_ignored = old.sa_handler == SIG_IGN;
	ev_io_init(&sio, signals_cb, sfd, EV_READ);
	ev_io_start(loop, &sio);
	return sfd;
}

void
signals_close(struct ev_loop *loop)
{
	if (sfd < 0)
		return;
	ev_io_stop(loop, &sio);
	close(sfd);
	sfd = -1;
}

int
signals_stops(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}
