/* spawn.c: the only place that creates processes: process group, signal state, descriptors, user, parent-death signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "guard.h"
#include "spawn.h"

/*
 * Children are started with clone(CLONE_VM | CLONE_VFORK), as posix_spawn
 * does: no page tables are copied, and hookrun waits until the child has
 * exec'd or failed, so an exec failure is known here, with its errno. The
 * child shares hookrun's memory until exec: it only makes system calls, on a
 * stack of its own, and writes nothing but its error into struct child.
 */
#define CHILD_STACK	(64 * 1024)

static sigset_t		 launch_mask;
static unsigned char	 launch_ignored[NSIG];
static pid_t		 self;
static int		 guard_ok;	/* /proc/self/exe can be run */
static unsigned char	 ignored[NSIG];	/* by hookrun, not by its launcher */
static char		 child_stack[CHILD_STACK] __attribute__((aligned(4096)));

struct child {
	const struct spawn_req	*req;
	const char		*path;		/* req's, or the guard's */
	char *const		*argv;
	int			 pdeathsig;
	struct sigaction	 dfl;
	struct sigaction	 ign;
	pid_t			 parent;
	volatile int		 err;
	const char *volatile	 step;
};

void
spawn_init(void)
{
	struct sigaction sa;
	int sig;

	self = getpid();
	guard_ok = access("/proc/self/exe", X_OK) == 0;
	sigprocmask(SIG_SETMASK, NULL, &launch_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			launch_ignored[sig] = 1;
}

void
spawn_ignored(int sig)
{
	if (sig > 0 && sig < NSIG)
		ignored[sig] = 1;
}

int
spawn_was_ignored(int sig)
{
	return sig > 0 && sig < NSIG && launch_ignored[sig];
}

static int
child_fail(struct child *c, const char *step)
{
	c->err = errno;
	c->step = step;
	_exit(127);
}

static int
child_dup(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to);
}

/*
 * Closes every descriptor past 2 but keep (-1: none); one at a time, up to
 * the limit, on a kernel older than close_range(2) (5.9).
 */
static void
child_close_from3(int keep)
{
	struct rlimit rl;
	long fd, max = 65536;

	if (keep < 3 ? close_range(3, ~0U, 0) == 0 :
	    (keep == 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
	    close_range((unsigned)keep + 1, ~0U, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (long)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		if (fd != keep)
			close((int)fd);
}

/* Writes the decimal pid after "LISTEN_PID=" in place. */
static void
child_listen_pid(char *s, pid_t pid)
{
	char digits[16];
	int n = 0;

	s += strlen("LISTEN_PID=");
	do
		digits[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0);
	while (n > 0)
		*s++ = digits[--n];
	*s = '\0';
}

static int
child_main(void *arg)
{
	struct child *c = arg;
	const struct spawn_req *r = c->req;
	int sig;

	/*
	 * Every signal is blocked here (see spawn_process). What hookrun
	 * ignores and the launcher ignored get the launcher's action back;
	 * caught signals are reset by exec, and until then signals.c's
	 * handler gives them the launcher's action in a child.
	 */
	for (sig = 1; sig < NSIG; sig++)
		if (ignored[sig] || launch_ignored[sig])
			sigaction(sig, launch_ignored[sig] ? &c->ign : &c->dfl,
			    NULL);
	/*
	 * A process of another user that is not handed the terminal gets a
	 * session of its own: in hookrun's, the terminal hookrun runs on is
	 * its controlling one, and TIOCSTI would type commands into root's
	 * shell. Its process group is still its pid.
	 */
	if (r->set_uid && !r->foreground) {
		if (setsid() == -1)
			child_fail(c, "setsid");
	} else if (setpgid(0, 0) == -1)
		child_fail(c, "setpgid");
	if (r->foreground && tcsetpgrp(STDIN_FILENO, getpid()) == -1 &&
	    errno != ENOTTY)
		child_fail(c, "tcsetpgrp");
	if (r->fd_in >= 0 && child_dup(r->fd_in, STDIN_FILENO) == -1)
		child_fail(c, "dup2");
	if (r->fd_out >= 0 && child_dup(r->fd_out, STDOUT_FILENO) == -1)
		child_fail(c, "dup2");
	if (r->fd_err >= 0 && child_dup(r->fd_err, STDERR_FILENO) == -1)
		child_fail(c, "dup2");
	if (r->extra_from >= 0 && child_dup(r->extra_from, r->extra_to) == -1)
		child_fail(c, "dup2");
	if (!r->launcher_fds)
		child_close_from3(r->extra_from >= 0 ? r->extra_to : -1);
	if (r->set_gid) {
		if (r->ngroups > 0 ? setgroups(r->ngroups, r->groups) == -1 :
		    setgroups(1, &r->gid) == -1)
			child_fail(c, "setgroups");
		if (setgid(r->gid) == -1)
			child_fail(c, "setgid");
	}
	if (r->set_uid && setuid(r->uid) == -1)
		child_fail(c, "setuid");
	/* As the user, as systemd's WorkingDirectory=: root's search rights
	 * must not take it where it could not go itself. */
	if (r->workdir != NULL && chdir(r->workdir) == -1)
		child_fail(c, "chdir");
	/* After the user switch, which clears the parent-death signal. */
	if (c->pdeathsig) {
		if (prctl(PR_SET_PDEATHSIG, c->pdeathsig) == -1)
			child_fail(c, "prctl");
		if (getppid() != c->parent)
			_exit(128 + c->pdeathsig);
	}
	if (r->listen_pid != NULL)
		child_listen_pid(r->listen_pid, getpid());
	sigprocmask(SIG_SETMASK, &launch_mask, NULL);
	execve(c->path, c->argv, r->envp);
	return child_fail(c, "exec");
}

/* "/proc/self/exe --hookrun-guard PATH ARGV...": the guard's argv. */
static char **
guard_argv(const char *path, char *const *argv)
{
	char **v;
	size_t n = 0, i;

	while (argv[n] != NULL)
		n++;
	if ((v = calloc(n + 4, sizeof(*v))) == NULL)
		return NULL;
	v[0] = "hookrun";
	v[1] = GUARD_FLAG;
	v[2] = (char *)path;
	for (i = 0; i < n; i++)
		v[3 + i] = argv[i];
	return v;
}

int
spawn_exit_status(const char *step, int err)
{
	if (err == EMFILE || err == ENFILE)
		return SPAWN_STATUS_NOFILE;
	return strcmp(step, "exec") == 0 && err == ENOENT ? 127 : 126;
}

int
spawn_kill(pid_t target, int sig)
{
	int r = kill(target, sig);

	if (r == 0 && sig != SIGKILL && sig != SIGCONT)
		(void)kill(target, SIGCONT);
	return r;
}

void
spawn_trim(void)
{
	madvise(child_stack, sizeof(child_stack), MADV_DONTNEED);
}

void
spawn_req_init(struct spawn_req *req, const char *path, char *const *argv,
    char *const *envp, const struct proc *p)
{
	memset(req, 0, sizeof(*req));
	req->path = path;
	req->argv = argv;
	req->envp = envp;
	req->fd_in = req->fd_out = req->fd_err = req->extra_from = -1;
	req->launcher_fds = p == NULL || p->user == NULL;
	if (p == NULL)
		return;
	req->workdir = p->workdir;
	req->set_uid = p->user != NULL;
	req->set_gid = p->user != NULL || p->group != NULL;
	req->uid = p->uid;
	req->gid = p->gid;
	/* Without user, group = sets the one group, and no others are kept. */
	if (p->user != NULL) {
		req->groups = p->groups;
		req->ngroups = p->ngroups;
	}
}

pid_t
spawn_process(const struct spawn_req *req, int *err, const char **step)
{
	struct child c;
	sigset_t all, old;
	char **gargv = NULL;
	pid_t pid;
	int saved;

	memset(&c, 0, sizeof(c));
	c.req = req;
	c.path = req->path;
	c.argv = req->argv;
	c.pdeathsig = req->pdeathsig;
	if (req->guard && guard_ok &&
	    (gargv = guard_argv(req->path, req->argv)) != NULL) {
		/* hookrun itself, as the guard, runs path in its place */
		c.path = "/proc/self/exe";
		c.argv = gargv;
		c.pdeathsig = GUARD_SIGNAL;
	}
	c.dfl.sa_handler = SIG_DFL;
	c.ign.sa_handler = SIG_IGN;
	c.parent = self;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(child_main, child_stack + sizeof(child_stack),
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(gargv);

	if (pid == -1) {
		*err = saved;
		*step = "clone";
		return -1;
	}
	if (c.err != 0) {
		/* The child has exited; libev reaps it. */
		*err = c.err;
		*step = c.step;
		return -1;
	}
	return pid;
}
