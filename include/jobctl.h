/* jobctl.h: job control in an interactive shell: hookrun stops with its app, and goes on with it. */
#ifndef HOOKRUN_JOBCTL_H
#define HOOKRUN_JOBCTL_H

#include <sys/types.h>

/*
 * The app (process group app) was stopped, as wstatus says. When it was
 * by a terminal's signal (Ctrl-Z: TSTP, or TTIN, TTOU) and hookrun is not
 * PID 1, hookrun stops too, so that the shell whose job it is sees the job
 * stopped and gives its prompt back; once continued (fg, bg), hookrun
 * gives the app the terminal again when it had it (foreground) and
 * continues it. Any other stop is the app's own business.
 */
void	 jobctl_app_stopped(pid_t app, int wstatus, int foreground);

#endif
