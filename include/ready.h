/* ready.h: is the app ready? none, notify, fd:N, delay:D or a probe, within ready_timeout. */
#ifndef HOOKRUN_READY_H
#define HOOKRUN_READY_H

#include <ev.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "probe.h"
#include "runtime.h"

/* ok: 1 ready, 0 not ready within ready_timeout. */
typedef void (*ready_fn)(void *arg, int ok);

struct ready {
	struct runtime	*rt;
	ready_fn	 cb;
	void		*arg;
	int		 waiting;
	ev_timer	 timeout;	/* ready_timeout */
	ev_timer	 delay;		/* delay:D */
	ev_io		 io;		/* fd:N pipe */
	int		 fd;
	char		 pipebuf[64];
	int		 child_fd;	/* fd:N: the end the app gets */
	struct probe_ctx ctx;		/* a probe: where it runs */
	struct probe_wait probe;	/* a probe: polled until it answers */
};

/*
 * Before the app is spawned: makes the fd:N pipe (child_fd is then the end
 * to give the app as N) or the notify socket. Returns -1 with errno.
 */
int	 ready_prepare(struct ready *r, struct runtime *rt);
/* After the app is spawned: waits, then calls cb once (never from here). */
void	 ready_start(struct ready *r, ready_fn cb, void *arg);
/* Stops waiting: no callback comes. Closes what prepare made. */
void	 ready_stop(struct ready *r);

#endif
