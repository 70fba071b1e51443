/* status.h: hookrun's state in status_file, for hookrun --status: written on each change (status.c), read (statusread.c). */
#ifndef HOOKRUN_STATUS_H
#define HOOKRUN_STATUS_H

#include <ev.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

enum status_state {
	STATUS_PRE_START,	/* pre_start hooks run */
	STATUS_START,		/* the app runs, not ready yet */
	STATUS_POST_START,	/* ready; post_start hooks run */
	STATUS_RUNNING,		/* ready, post_start done */
	STATUS_STOPPING,	/* pre_stop hooks, the stop signal */
	STATUS_RESTARTING,	/* the app is down, to be started again */
	STATUS_POST_STOP,	/* post_stop hooks run */
	STATUS_EXITED,		/* hookrun has exited */
	STATUS_STATE_COUNT
};

enum status_health {
	STATUS_HEALTH_NONE,	/* no health check */
	STATUS_HEALTH_STARTING,	/* none has passed yet */
	STATUS_HEALTH_HEALTHY,
	STATUS_HEALTH_UNHEALTHY,
	STATUS_HEALTH_COUNT
};

/* The file's contents: "KEY=VALUE" lines. */
struct status_info {
	int		  version;
	long		  pid;		/* hookrun's */
	unsigned long	  pidns;	/* its PID namespace's inode; 0: unknown */
	enum status_state state;
	char		  hook[256];	/* "PHASE:NAME" of the hook running, or "" */
	long		  app_pid;	/* 0: none */
	int		  ready;
	enum status_health health;
	long		  restarts;
	long long	  since;	/* when state last changed: Unix time */
	int		  exit_status;	/* -1: none yet */
};

/* status.c: the writer. */

/*
 * Starts keeping the state in path (NULL: nowhere). Its directory must be
 * owned by root or hookrun's user and writable by no one else (hookrun
 * makes it when missing); so must every directory above it, but for a
 * sticky one. A file that cannot be kept is said once (a warning when loud,
 * the path being configured, else a debug line), never fatal. The file is
 * rewritten 50 ms after a change, with whatever else changed meanwhile.
 */
void	 status_open(struct ev_loop *loop, const char *path, int loud);
void	 status_state(enum status_state st);
/* phase NULL: no hook runs. */
void	 status_hook(const char *phase, const char *hook);
void	 status_app(pid_t pid);
void	 status_ready(int ready);
void	 status_health(enum status_health h);
void	 status_restarts(long n);
/* hookrun exits with status: written now. */
void	 status_exit(int status);

/* statusread.c: the reader, hookrun --status. Pure but for status_show. */

const char *status_state_name(enum status_state st);
const char *status_health_name(enum status_health h);
/* Formats si as the file holds it; returns the length (< len) or -1. */
int	 status_format(const struct status_info *si, char *buf, size_t len);
/* Reads text (the file's); -1 with a reason in err when it is not one. */
int	 status_parse(const char *text, struct status_info *si, char *err,
	    size_t len);
/* This process's PID namespace: the inode of /proc/self/ns/pid; 0: unknown. */
unsigned long status_pidns(void);
/* --status's exit status: 0 running and not unhealthy, 1 on the way up or down, 2 down or unhealthy. */
int	 status_code(const struct status_info *si);
/*
 * hookrun --status: reads path, prints it (as JSON with json), returns
 * status_code, or 2 when hookrun is not running (no file, or its pid gone).
 */
int	 status_show(FILE *out, const char *path, int json);

#endif
