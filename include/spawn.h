/* spawn.h: the only place that creates processes. */
#ifndef HOOKRUN_SPAWN_H
#define HOOKRUN_SPAWN_H

#include <signal.h>
#include <sys/types.h>

#include "config.h"

struct spawn_req {
	const char	 *path;		/* the executable (path_exec) */
	char *const	 *argv;
	char *const	 *envp;
	const char	 *workdir;	/* NULL: hookrun's */
	int		  set_uid;	/* switch to uid/gid (root only) */
	int		  set_gid;
	uid_t		  uid;
	gid_t		  gid;
	const gid_t	 *groups;	/* with set_gid: all of them, gid first */
	size_t		  ngroups;	/* 0: gid alone */
	int		  fd_in;	/* dup'd to 0 when >= 0 */
	int		  fd_out;	/* dup'd to 1 when >= 0 */
	int		  fd_err;	/* dup'd to 2 when >= 0 */
	int		  extra_from;	/* dup'd to extra_to when >= 0 */
	int		  extra_to;
	int		  launcher_fds;	/* keeps the launcher's descriptors past 2;
					   0: closes them, but extra_to */
	int		  pdeathsig;	/* signal on hookrun's death; 0: none */
	int		  guard;	/* run under guard.c: the whole group dies
					   with hookrun, not just this process */
	int		  cgroup_fd;	/* cgroup.procs to join first; -1: none */
	int		  guard_fd;	/* a lock file the guard holds too, so that
					   the lock outlives hookrun until the
					   group is gone; -1: none */
	int		  foreground;	/* make its group the terminal's foreground */
	char		 *listen_pid;	/* when set, "LISTEN_PID=" + room for the pid,
					   filled in by the child before exec */
};

/*
 * A request to run path with argv and envp, as p's user, in p's workdir (p
 * NULL: hookrun's), with the launcher's descriptors: no redirections yet.
 * A process of p's user (user =) gets none past 2 unless launcher_fds is
 * set again: they were opened by, and for, root and the app.
 */
void	 spawn_req_init(struct spawn_req *req, const char *path,
	    char *const *argv, char *const *envp, const struct proc *p);

/*
 * Records what children get back: the signal mask hookrun was started with,
 * whether SIGCHLD was ignored (the one disposition hookrun changes), and
 * the launcher's umask (hookrun's own is 022, so that the files it makes
 * have the modes it asks for without a chmod).
 */
void	 spawn_init(const sigset_t *launch_mask, int chld_ignored,
	    mode_t launch_umask);

/*
 * Starts req in a new process group with the launcher's signal state and
 * descriptors (plus fd_out, fd_err, extra). Returns the pid, or -1 with
 * *err set to the errno of the step that failed and *step to its name
 * ("exec", "chdir", "setuid", ...): exec failures are reported here, not
 * through the exit status. A child that failed is left to be reaped.
 */
pid_t	 spawn_process(const struct spawn_req *req, int *err, const char **step);

/* hookrun itself ran out of descriptors (EX_OSERR). */
#define SPAWN_STATUS_NOFILE	71

/*
 * The exit status for a failed spawn: 127 when exec found nothing,
 * SPAWN_STATUS_NOFILE when hookrun had no descriptor left, else 126.
 */
int	 spawn_exit_status(const char *step, int err);

/*
 * kill(2), followed by SIGCONT for any signal but KILL and CONT: a stopped
 * process acts on a TERM only once continued (systemd does the same).
 */
int	 spawn_kill(pid_t target, int sig);

/* Gives back the pages the children's stack touched (while nothing spawns). */
void	 spawn_trim(void);

#endif
