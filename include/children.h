/* children.h: who waits for which child: a registry of owners, and the loop that reaps every child. */
#ifndef HOOKRUN_CHILDREN_H
#define HOOKRUN_CHILDREN_H

#include <stddef.h>
#include <sys/types.h>

struct child_watch;

/* wstatus: the child's wait status; -1 for a watch of any child. */
typedef void (*child_fn)(struct child_watch *w, int wstatus);

/* Embedded in its owner (a hook's attempt, the app, a lock command, a probe). */
struct child_watch {
	struct child_watch	*next;
	pid_t			 pid;		/* 0: any child */
	child_fn		 cb;
	void			*data;
	unsigned		 round;		/* the last reaping round it was called in */
	int			 active;
	int			 stops;		/* set after watching: cb gets stops and
						   continues too, and the watch stays */
};

/*
 * Calls cb once pid has been reaped (then the watch is inactive again), or,
 * with pid 0, after each round in which any child was reaped. A child
 * nobody watches, an orphan, is reaped all the same.
 */
void	 children_watch(struct child_watch *w, pid_t pid, child_fn cb,
	    void *data);
void	 children_unwatch(struct child_watch *w);

/*
 * Reaps every child that has exited, without waiting, and calls their
 * watches: called for each SIGCHLD read, and whenever a look is wanted
 * (no system call once hookrun is known to have no child). Returns the
 * number of watches called: 0 when only orphans were reaped.
 */
int	 children_reap(void);
/* 0 once a reaping round has seen that hookrun has no child at all. */
int	 children_remain(void);
/* A child was started (spawn.c): there is something to reap again. */
void	 children_started(void);

/* The exit status of a wait status: N, or 128+S. */
int	 children_exit_status(int wstatus);
/* "exited with status 3", "was killed by signal TERM". */
void	 children_exit_text(int wstatus, char *buf, size_t len);

#endif
