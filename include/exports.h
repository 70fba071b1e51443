/* exports.h: HOOKRUN_ENV_FILE: each attempt's own channel for the variables it hands on to later hooks and the app. */
#ifndef HOOKRUN_EXPORTS_H
#define HOOKRUN_EXPORTS_H

#include <ev.h>
#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "pipe.h"
#include "runtime.h"

/*
 * Sizes that keep every later exec clear of E2BIG (a single string of
 * 128 KiB, or all of them past ARG_MAX, fails every hook and the app).
 */
#define EXPORTS_VALUE_MAX	(64 * 1024)	/* one KEY=value */
#define EXPORTS_TOTAL_MAX	(256 * 1024)	/* all exports; and what one attempt may write */

/*
 * One attempt's channel: a pipe, nothing on disk. The hook gets its write
 * end as descriptor wfd (HOOKRUN_ENV_FILE=/dev/fd/N, so that
 * `echo K=V >> "$HOOKRUN_ENV_FILE"` works), owned by the hook's user so
 * that it can open it again. Nobody else has it, and hookrun reads it
 * while the hook runs. A zeroed one is closed.
 */
struct exports {
	int		 open;
	int		 rfd;		/* hookrun's end */
	int		 wfd;		/* the hook's end, kept until the attempt is over */
	ev_io		 io;
	char		*buf;		/* what the hook wrote */
	size_t		 len;
	size_t		 cap;
	int		 over;		/* it wrote more than EXPORTS_TOTAL_MAX */
	int		 nonblock;	/* O_NONBLOCK set (no RWF_NOWAIT here) */
	int		 taken;		/* read after its hook's group was gone */
	struct pipe_closing *closing;	/* its pipe closes there; NULL: at once */
	char		 path[32];	/* "/dev/fd/N" */
};

/* Makes the channel for a hook that runs as p's user. -1 with errno. */
int	 exports_open(struct exports *x, const struct proc *p);
/*
 * The hook is spawned: reads what it writes as it writes, so that it never
 * blocks on a full pipe.
 */
void	 exports_start(struct ev_loop *loop, struct exports *x);
/* Adds x's read end to p (events POLLIN); returns how many (0 or 1). */
int	 exports_pollfd(const struct exports *x, struct pollfd *p);
/*
 * The hook's process group is gone, so none of it can write more: reads
 * what look (a poll(2) just made, nlook entries) says is there, or all
 * there is when look has no word of it; exports_collect reads no more.
 */
void	 exports_take(struct exports *x, const struct pollfd *look, int nlook);
/*
 * The attempt is over: reads what is left without waiting (unless taken) (a background
 * child may still hold the write end), closes the channel and, when ok,
 * adds its KEY=value lines to rt->exports. Lines that are malformed, keys
 * h may not export (its exports =, or by default: any but LD_* for a hook
 * of hookrun's own user, none for one of a less privileged user), and
 * sizes past the limits are reported, naming the hook; never applied.
 */
void	 exports_collect(struct runtime *rt, struct exports *x,
	    const struct hook *h, int ok);
/* Frees rt->exports (at exit). */
void	 exports_free(struct runtime *rt);

#endif
