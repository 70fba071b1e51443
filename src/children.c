/* children.c: reaps every child of hookrun and hands each exit to the watch that owns its pid. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/wait.h>

#include "children.h"
#include "parse.h"

/*
 * hookrun is PID 1 or a child subreaper: besides the processes it starts,
 * every orphan below it becomes its child. One waitpid(-1) loop reaps them
 * all; a watch per started process gets its status. A handful of watches
 * are active at any time (a hook, its lock command, the app, a probe), so
 * a list is enough.
 */
static struct child_watch	*watches;
static unsigned			 rounds;
static int			 remain = 1;	/* not known to be childless */

void
children_watch(struct child_watch *w, pid_t pid, child_fn cb, void *data)
{
	if (w->active)
		children_unwatch(w);
	w->pid = pid;
	w->cb = cb;
	w->data = data;
	w->round = rounds;
	w->stops = 0;
	w->active = 1;
	w->next = watches;
	watches = w;
}

void
children_unwatch(struct child_watch *w)
{
	struct child_watch **p;

	if (!w->active)
		return;
	for (p = &watches; *p != NULL; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	w->active = 0;
	w->next = NULL;
}

/* The owner of pid, taken off the list before it is called; 0: none. */
static int
dispatch(pid_t pid, int wstatus)
{
	struct child_watch *w;

	for (w = watches; w != NULL; w = w->next)
		if (w->pid == pid)
			break;
	if (w == NULL)
		return 0;	/* an orphan, or a process given up on */
	if (WIFSTOPPED(wstatus) || WIFCONTINUED(wstatus)) {
		if (!w->stops)
			return 0;
		w->cb(w, wstatus);
		return 1;
	}
	children_unwatch(w);
	w->cb(w, wstatus);
	return 1;
}

/*
 * The watches of any child, each once per round. A callback may start or
 * stop watches, so the walk starts over after each one.
 */
static int
dispatch_any(void)
{
	struct child_watch *w;
	int called = 0;

	rounds++;
again:
	for (w = watches; w != NULL; w = w->next)
		if (w->pid == 0 && w->round != rounds) {
			w->round = rounds;
			w->cb(w, -1);
			called++;
			goto again;
		}
	return called;
}

int
children_reap(void)
{
	int wstatus, n = 0, called = 0;
	pid_t pid;

	/*
	 * No child at all: none can appear but through spawn.c (an orphan's
	 * parent is a descendant, so a child of hookrun's until reaped).
	 */
	if (!remain)
		return 0;
	/*
	 * A callback may start a process that has exited by the time it
	 * returns (a hook that does nothing): the same loop reaps it.
	 */
	while ((pid = waitpid(-1, &wstatus, WNOHANG | WUNTRACED |
	    WCONTINUED)) > 0) {
		if (!WIFSTOPPED(wstatus) && !WIFCONTINUED(wstatus))
			n++;
		called += dispatch(pid, wstatus);
	}
	remain = !(pid == -1 && errno == ECHILD);
	if (n > 0)
		called += dispatch_any();
	return called;
}

int
children_remain(void)
{
	return remain;
}

void
children_started(void)
{
	remain = 1;
}

void
children_exit_text(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "was killed by signal %s",
		    signal_name(WTERMSIG(wstatus)));
	else
		snprintf(buf, len, "ended (wait status %#x)", wstatus);
}

int
children_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 70;
}
