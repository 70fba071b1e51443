/* spawn.c: the only place that creates processes: process group, signal state, descriptors, user, parent-death signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "children.h"
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
static int		 chld_ignored;	/* by the launcher: hookrun set it back */
static mode_t		 launch_umask = 022;	/* hookrun's own is 022 */
static pid_t		 self;		/* hookrun's pid, once a child needs it */
static int		 guard_ok = -1;	/* /proc/self/exe can be run; -1: unknown */
static char		 child_stack[CHILD_STACK] __attribute__((aligned(4096)));

struct child {
	const struct spawn_req	*req;
	const char		*path;		/* req's, or the guard's */
	char *const		*argv;
	int			 pdeathsig;
	int			 keep_fd;	/* the guard's copy of the lock; -1 */
	struct sigaction	 ign;
	pid_t			 parent;
	volatile int		 err;
	const char *volatile	 step;
};

void
spawn_init(const sigset_t *mask, int chld_was_ignored, mode_t umask_was)
{
	launch_mask = *mask;
	chld_ignored = chld_was_ignored;
	launch_umask = umask_was;
}

/*
 * The child ends with a bare exit_group: _exit is noreturn, and a
 * sanitizer would have a noreturn call on a stack it does not know warn on
 * the child's stderr.
 */
static void
child_exit(int status)
{
	syscall(SYS_exit_group, status);
}

static int
child_fail(struct child *c, const char *step)
{
	c->err = errno;
	c->step = step;
	child_exit(127);
	return -1;
}

static int
child_dup(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to);
}

/*
 * Closes every descriptor past 2 but keep1 and keep2 (-1: none); one at a
 * time, up to the limit, on a kernel older than close_range(2) (5.9).
 */
static void
child_close_from3(int keep1, int keep2)
{
	struct rlimit rl;
	long fd, max = 65536;
	int keep[2], i, from = 3, ok = 1;

	keep[0] = keep1 < keep2 ? keep1 : keep2;
	keep[1] = keep1 < keep2 ? keep2 : keep1;
	/* The ranges around what is kept, lowest first. */
	for (i = 0; i < 2 && ok; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			ok = close_range((unsigned)from, (unsigned)keep[i] - 1,
			    0) == 0;
		from = keep[i] + 1;
	}
	if (ok && close_range((unsigned)from, ~0U, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (long)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		if (fd != keep1 && fd != keep2)
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

	/*
	 * hookrun blocks what it handles and installs no handler, so every
	 * disposition is the launcher's already, but SIGCHLD's when the
	 * launcher ignored it. The mask is given back last, just before exec.
	 */
	if (chld_ignored)
		sigaction(SIGCHLD, &c->ign, NULL);
	/* Its control group first, before anything it does can leave it. */
	if (r->cgroup_fd >= 0 && write(r->cgroup_fd, "0", 1) == -1)
		child_fail(c, "cgroup");
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
	if (c->keep_fd >= 0 && fcntl(c->keep_fd, F_SETFD, 0) == -1)
		child_fail(c, "fcntl");
	if (!r->launcher_fds)
		child_close_from3(r->extra_from >= 0 ? r->extra_to : -1,
		    c->keep_fd);
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
			child_exit(128 + c->pdeathsig);
	}
	if (r->listen_pid != NULL)
		child_listen_pid(r->listen_pid, getpid());
	if (launch_umask != 022)
		umask(launch_umask);
	sigprocmask(SIG_SETMASK, &launch_mask, NULL);
	execve(c->path, c->argv, r->envp);
	return child_fail(c, "exec");
}

/* "/proc/self/exe --hookrun-guard [-l FD] PATH ARGV...": the guard's argv. */
static char **
guard_argv(const char *path, char *const *argv, const char *lockfd)
{
	char **v;
	size_t n = 0, i, k = 0;

	while (argv[n] != NULL)
		n++;
	if ((v = calloc(n + 6, sizeof(*v))) == NULL)
		return NULL;
	v[k++] = "hookrun";
	v[k++] = GUARD_FLAG;
	if (lockfd != NULL) {
		v[k++] = "-l";
		v[k++] = (char *)lockfd;
	}
	v[k++] = (char *)path;
	for (i = 0; i < n; i++)
		v[k++] = argv[i];
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
	req->guard_fd = req->cgroup_fd = -1;
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
	char **gargv = NULL, lockfd[16];
	pid_t pid;
	int saved;

	memset(&c, 0, sizeof(c));
	c.req = req;
	c.path = req->path;
	c.argv = req->argv;
	c.pdeathsig = req->pdeathsig;
	if (req->guard && guard_ok < 0)
		guard_ok = access("/proc/self/exe", X_OK) == 0;
	c.keep_fd = -1;
	if (req->guard_fd >= 0)
		snprintf(lockfd, sizeof(lockfd), "%d", req->guard_fd);
	if (req->guard && guard_ok && (gargv = guard_argv(req->path,
	    req->argv, req->guard_fd >= 0 ? lockfd : NULL)) != NULL) {
		/* hookrun itself, as the guard, runs path in its place */
		c.path = "/proc/self/exe";
		c.argv = gargv;
		c.pdeathsig = GUARD_SIGNAL;
		c.keep_fd = req->guard_fd;
	}
	c.ign.sa_handler = SIG_IGN;
	if (c.pdeathsig && self == 0)
		self = getpid();
	c.parent = self;

	/* Every signal hookrun handles is blocked already (signals.c). */
	pid = clone(child_main, child_stack + sizeof(child_stack),
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	saved = errno;
	free(gargv);

	if (pid == -1) {
		*err = saved;
		*step = "clone";
		return -1;
	}
	children_started();
	if (c.err != 0) {
		/* The child has exited; children.c reaps it. */
		*err = c.err;
		*step = c.step;
		return -1;
	}
	return pid;
}
