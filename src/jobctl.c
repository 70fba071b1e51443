/* jobctl.c: job control in an interactive shell: when Ctrl-Z stops the app, hookrun, the */
/* shell's job, stops too; continued, it continues the app, as dumb-init does. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobctl.h"
#include "log.h"
#include "parse.h"

static int
terminal_stop(int sig)
{
	return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

void
jobctl_app_stopped(pid_t app, int wstatus, int foreground)
{
	/*
	 * As PID 1 there is no shell waiting on hookrun: a container's
	 * Ctrl-Z is the app's alone.
	 */
	if (!WIFSTOPPED(wstatus) || !terminal_stop(WSTOPSIG(wstatus)) ||
	    getpid() == 1)
		return;
	log_debug("the app was stopped by %s: stopping too",
	    signal_name(WSTOPSIG(wstatus)));
	/* Returns once hookrun is continued (fg or bg in the shell). */
	kill(getpid(), SIGSTOP);
	log_debug("continued: continuing the app");
	/* TTOU is blocked: hookrun may take the terminal from the shell. */
	if (foreground)
		tcsetpgrp(STDIN_FILENO, app);
	kill(-app, SIGCONT);
}
