/* guard.c: hookrun --hookrun-guard: runs a locked hook so that its whole process group dies with hookrun. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"

extern char **environ;

/*
 * spawn.c started this process in the hook's new process group, as the
 * hook's user, with GUARD_SIGNAL as its parent-death signal. Every signal
 * is blocked and taken with sigwaitinfo: TERM and KILL from hookrun reach
 * the hook through the group; the guard outlives a TERM to report how the
 * hook ended. With -l FD it holds a lock file's descriptor too: should
 * hookrun die, the lock then stays taken until the guard and the group
 * go together, not from the moment hookrun does. The hook does not get it,
 * nor may it take it from the guard: the guard is not dumpable, so that
 * its /proc entries and ptrace are root's alone.
 */
int
guard_main(char **argv)
{
	struct sigaction dfl, old_chld, old_guard;
	sigset_t all, launch, one;
	pid_t parent = getppid(), self = getpid(), pid;
	struct rlimit nocore = { 0, 0 };
	siginfo_t si;
	int st, sig;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &launch);
	prctl(PR_SET_DUMPABLE, 0);
	if (argv[0] != NULL && strcmp(argv[0], "-l") == 0 && argv[1] != NULL) {
		fcntl(atoi(argv[1]), F_SETFD, FD_CLOEXEC);
		argv += 2;
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	/* An ignored CHLD would reap the hook unseen. */
	sigaction(SIGCHLD, &dfl, &old_chld);
	sigaction(GUARD_SIGNAL, &dfl, &old_guard);
	if (argv[0] == NULL || argv[1] == NULL) {
		fprintf(stderr, "hookrun: %s: no command\n", GUARD_FLAG);
		return 64;
	}
	if ((pid = fork()) == -1) {
		fprintf(stderr, "hookrun: fork: %s\n", strerror(errno));
		return 126;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != self)
			_exit(128 + SIGKILL);
		sigaction(SIGCHLD, &old_chld, NULL);
		sigaction(GUARD_SIGNAL, &old_guard, NULL);
		sigprocmask(SIG_SETMASK, &launch, NULL);
		execve(argv[0], argv + 1, environ);
		fprintf(stderr, "hookrun: exec %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		if (sigwaitinfo(&all, &si) == -1)
			continue;
		if (si.si_signo == GUARD_SIGNAL && si.si_pid == parent)
			kill(0, SIGKILL);	/* hookrun is gone: so is the group */
		if (si.si_signo != SIGCHLD || waitpid(pid, &st, WNOHANG) != pid)
			continue;
		if (!WIFSIGNALED(st))
			return WEXITSTATUS(st);
		/*
		 * End as the hook did, so that hookrun logs the same, but
		 * without a core dump of the guard's own: it would say
		 * nothing of the hook, and could overwrite the hook's.
		 */
		sig = WTERMSIG(st);
		setrlimit(RLIMIT_CORE, &nocore);	/* not dumpable already */
		signal(sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, sig);
		kill(self, sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		return 128 + sig;
	}
}
