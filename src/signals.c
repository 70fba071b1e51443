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
static int		 quiet;		/* the loop watches nothing but sfd */
static void		(*before_wait)(void);	/* as a prepare watcher would */

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

/*
 * Reads what is pending (the descriptor blocks: it is read when it is
 * readable, or when waiting on it is all there is to do) and hands it on.
 * What one read leaves comes back on the next round. Returns 0 when the
 * handler said nothing came of it (the loop still watches just sfd).
 */
static int
signals_read(struct ev_loop *loop)
{
	struct signalfd_siginfo si[16];
	ssize_t n;
	size_t i;
	int changed = 0;

	n = read(sfd, si, sizeof(si));
	if (n <= 0)
		return n == -1 && errno != EINTR;
	/* Timers started from here count from now, however long it waited. */
	ev_now_update(loop);
	for (i = 0; i < (size_t)n / sizeof(si[0]); i++)
		if (wanted(&si[i]))
			changed |= handler((int)si[i].ssi_signo, handler_arg);
	return changed;
}

static void
signals_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)w;
	(void)revents;
	signals_read(loop);
}

/*
 * ev_run returns the number of active watchers (libev's activecnt, since
 * 4.15; documented as true or false): 1 is sio alone, no timer, no other
 * descriptor. Then, until a signal changes something, waiting on sfd is
 * all the loop would do.
 */
#if EV_VERSION_MAJOR == 4 && EV_VERSION_MINOR >= 15
#define EV_RUN_COUNTS	1
#else
#define EV_RUN_COUNTS	0
#endif

void
signals_run_once(struct ev_loop *loop)
{
	if (quiet && ev_is_active(&sio)) {
		if (before_wait != NULL)
			before_wait();
		quiet = !signals_read(loop);
		return;
	}
	quiet = ev_run(loop, EVRUN_ONCE) == 1 && EV_RUN_COUNTS &&
	    ev_is_active(&sio);
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
	if ((sfd = signalfd(-1, &all, SFD_CLOEXEC)) == -1)
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
signals_before_wait(void (*fn)(void))
{
	before_wait = fn;
}

int
signals_stops(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}
