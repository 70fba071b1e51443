/* probe.h: probes of a dependency or the app (tcp, http, unix, exec), shared by ready =, wait = and health =. */
/* Parsed in probeparse.c (pure), run once in probe.c, polled until they answer in probewait.c. */
#ifndef HOOKRUN_PROBE_H
#define HOOKRUN_PROBE_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "children.h"
#include "config.h"
#include "dns.h"
#include "hosts.h"
#include "http.h"
#include "output.h"
#include "runtime.h"

/* A try of tcp:, http:// or unix: in ready = or wait = ends after this. */
#define PROBE_TRY_TIMEOUT_MS	5000

#define PROBE_KINDS	"tcp:HOST:PORT, http://HOST:PORT/PATH, unix:PATH or " \
			"exec:COMMAND"

/*
 * Parses one probe: "tcp:HOST:PORT", "http://HOST[:PORT][/PATH]" (port 80,
 * path "/" by default), "unix:/PATH" (or "unix:@NAME", an abstract socket),
 * "exec:COMMAND" (split like exec). HOST is a name or an address, an IPv6
 * one in brackets ("[::1]"; tcp: also bare). Fills t (free with
 * probe_target_free), or returns -1 with a reason in err. Pure.
 */
int	 probe_parse(const char *s, struct probe_target *t, char *err,
	    size_t len);
void	 probe_target_free(struct probe_target *t);
/* Frees t[0..n) and t itself. */
void	 probe_targets_free(struct probe_target *t, size_t n);
/* 1 when the probe names a host that may need DNS (not an address). */
int	 probe_has_name(const struct probe_target *t);

/* Where and how a probe runs: the same for each of its tries. */
struct probe_ctx {
	struct runtime	*rt;
	const char	*phase;		/* for messages and exec: output */
	const char	*name;		/* "ready", "health", or the hook's name */
	const struct proc *proc;	/* exec: its user and env; NULL: hookrun's */
	const char	*workdir;	/* exec: NULL: hookrun's */
	int64_t		 timeout_ms;	/* of one try; 0: none */
	int		 timeout_exec;	/* 0: exec: tries are not bounded */
};

/* ok: 1 the target answered as it should; 0 not (p->why says why). */
struct probe;
typedef void (*probe_fn)(struct probe *p, int ok, void *arg);

/* One try of one target. */
struct probe {
	const struct probe_ctx	*ctx;
	const struct probe_target *t;
	probe_fn		 cb;
	void			*arg;
	void			(*finish)(struct probe *, int ok); /* probe.c's end */
	int			 active;
	ev_tstamp		 deadline;	/* of the whole try; 0: none */
	ev_timer		 timer;		/* the deadline */
	ev_timer		 step;		/* the start, or one address's share */
	ev_io			 io;
	int			 fd;
	struct dns_query	 dns;
	struct hosts		 addrs;
	int			 ai;		/* the address tried now */
	char			 head[64];	/* http: the start of the answer */
	size_t			 headlen;
	char			 req[2048];	/* http: the request */
	size_t			 reqlen, reqoff;
	pid_t			 pid;		/* exec */
	struct child_watch	 child;
	int			 wstatus;	/* how it ended */
	struct output		 out;
	char			 why[512];	/* the last failure */
};

/*
 * Starts one try of t: resolves its host (an address, the hosts file, then
 * DNS), connects to each address in turn until one answers, for http sends
 * a GET and reads the status; exec: runs the command. cb runs once, from
 * the event loop (never from here), unless probe_stop comes first.
 */
void	 probe_start(struct probe *p, const struct probe_ctx *ctx,
	    const struct probe_target *t, probe_fn cb, void *arg);
/* Ends a try early: no callback comes. Safe on a probe that is not active. */
void	 probe_stop(struct probe *p);
/*
 * What a try in progress is waiting for ("'db' does not resolve: no answer
 * from DNS WHEN"); for one that has ended, why it failed.
 */
void	 probe_describe(const struct probe *p, const char *when, char *buf,
	    size_t len);

/* Polls targets, each with a short growing pause, until every one has answered once. */
struct probe_wait;
typedef void (*probe_wait_fn)(void *arg);

struct probe_wait_item {
	struct probe_wait	*pw;
	const struct probe_target *t;
	struct probe		 p;
	ev_timer		 retry;
	ev_tstamp		 backoff;
	int			 done;
	unsigned long		 tries;
	char			 last[512];	/* why its last try failed */
};

struct probe_wait {
	struct probe_ctx	 ctx;
	struct probe_wait_item	*items;
	size_t			 n;
	size_t			 left;
	int			 loud;		/* progress at info level, not debug */
	probe_wait_fn		 done;
	void			*arg;
};

/*
 * Starts polling the n targets t[0..n); done runs once, from the loop,
 * when each has answered (a try that fails is tried again after 50 ms,
 * doubling to 1 s). -1 with errno (no memory).
 */
int	 probe_wait_start(struct probe_wait *pw, const struct probe_ctx *ctx,
	    const struct probe_target *t, size_t n, int loud,
	    probe_wait_fn done, void *arg);
/* Stops polling: no callback comes. Safe on a wait that is not active. */
void	 probe_wait_stop(struct probe_wait *pw);
/* "tcp:db:5432: 'db' does not resolve (...)" for each target not yet answered, "; "-separated. */
void	 probe_wait_pending(const struct probe_wait *pw, char *buf, size_t len);

#endif
