/* ready.c: waits until the app is ready, per [start] ready, within ready_timeout; costs nothing afterwards. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "children.h"
#include "env.h"
#include "hosts.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "path.h"
#include "ready.h"
#include "spawn.h"

#define BACKOFF_FIRST	0.05
#define BACKOFF_MAX	1.0

static void	 probe_again(struct ready *);
static void	 tcp_try(struct ready *);

static const char *const kind_names[] = {
	[READY_NONE] = "none", [READY_NOTIFY] = "notify", [READY_FD] = "fd",
	[READY_TCP] = "tcp", [READY_EXEC] = "exec", [READY_DELAY] = "delay"
};

static const struct app *
app_of(const struct ready *r)
{
	return &r->rt->cfg->app;
}

static void
ready_close_fd(struct ready *r)
{
	if (r->fd >= 0) {
		ev_io_stop(r->rt->loop, &r->io);
		close(r->fd);
		r->fd = -1;
	}
}

/* No more waiting: timers, probe and pipe or socket go. */
static void
ready_quiet(struct ready *r)
{
	struct ev_loop *loop = r->rt->loop;

	r->waiting = 0;
	ev_timer_stop(loop, &r->timeout);
	ev_timer_stop(loop, &r->retry);
	ready_close_fd(r);
	if (r->probe > 0) {
		children_unwatch(&r->probe_child);
		kill(-r->probe, SIGKILL);
		output_finish(loop, &r->probe_out);
		r->probe = 0;
	}
}

/* Ends the wait, ready or not; the callback runs once. */
static void
ready_end(struct ready *r, int ok)
{
	if (!r->waiting)
		return;
	ready_quiet(r);
	r->cb(r->arg, ok);
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ready *r = w->data;
	char d[32];

	(void)loop;
	(void)revents;
	format_duration(app_of(r)->ready_timeout_ms, d, sizeof(d));
	log_event(LOG_ERR, "start", NULL, "app_not_ready", 125, -1,
	    "app not ready within %s (ready = %s%s%s)", d,
	    kind_names[app_of(r)->ready], app_of(r)->ready_arg ? ":" : "",
	    app_of(r)->ready_arg ? app_of(r)->ready_arg : "");
	ready_end(r, 0);
}

static void
notify_ready(void *arg)
{
	ready_end(arg, 1);
}

/* fd:N: a newline on the pipe. */
static void
pipe_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ready *r = w->data;
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(r->fd, r->pipebuf, sizeof(r->pipebuf));
	if (n > 0 && memchr(r->pipebuf, '\n', (size_t)n) != NULL) {
		ready_end(r, 1);
		return;
	}
	if (n == 0) {
		log_event(LOG_WARN, "start", NULL, "app_ready", -1, -1,
		    "the app closed descriptor %d without writing a newline",
		    app_of(r)->ready_fd);
		ready_close_fd(r);
	}
}

/* The pause between probes grows, so a slow app costs little. */
static void
retry_later(struct ready *r)
{
	ev_timer_set(&r->retry, r->backoff, 0.);
	ev_timer_start(r->rt->loop, &r->retry);
	r->backoff *= 2;
	if (r->backoff > BACKOFF_MAX)
		r->backoff = BACKOFF_MAX;
}

static void
tcp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ready *r = w->data;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)loop;
	(void)revents;
	if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
		ready_end(r, 1);
		return;
	}
	ready_close_fd(r);
	r->ai++;
	tcp_try(r);
}

/* Connects to the next address; after the last, waits and starts again. */
static void
tcp_try(struct ready *r)
{
	const struct app *app = app_of(r);
	struct sockaddr_storage *ss;

	if (r->ai == 0)
		hosts_resolve(&r->hosts, "/etc/hosts", app->ready_host,
		    atoi(app->ready_port));
	if (r->hosts.n == 0) {
		log_event(LOG_WARN, "start", NULL, "app_ready", -1, -1,
		    "ready: '%s' is neither an address nor in /etc/hosts",
		    app->ready_host);
		retry_later(r);
		return;
	}
	for (; r->ai < r->hosts.n; r->ai++) {
		ss = &r->hosts.addr[r->ai];
		r->fd = socket(ss->ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (r->fd >= 0 && connect(r->fd, (struct sockaddr *)ss,
		    r->hosts.len[r->ai]) == 0) {
			ready_end(r, 1);
			return;
		}
		if (r->fd >= 0 && errno == EINPROGRESS) {
			ev_io_init(&r->io, tcp_cb, r->fd, EV_WRITE);
			r->io.data = r;
			ev_io_start(r->rt->loop, &r->io);
			return;
		}
		ready_close_fd(r);
	}
	r->ai = 0;
	retry_later(r);
}

static void
probe_cb(struct child_watch *w, int wstatus)
{
	struct ready *r = w->data;

	output_finish(r->rt->loop, &r->probe_out);
	r->probe = 0;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		ready_end(r, 1);
	else
		retry_later(r);
}

/* exec:COMMAND, run again until it exits 0. */
static void
probe_start(struct ready *r)
{
	const struct app *app = app_of(r);
	struct proc none;
	struct spawn_req req;
	char path[PATH_MAX], err[256], **envp;
	const char *step = "exec", *exec;
	int fds[2], e;

	memset(&none, 0, sizeof(none));
	if ((e = path_exec(app->ready_path, app->proc.workdir,
	    app->ready_argv[0], path, sizeof(path), &exec)) != 0) {
		log_event(LOG_ERR, "start", "ready", "app_ready", -1, -1,
		    "exec %s: %s", app->ready_argv[0], strerror(e));
		retry_later(r);
		return;
	}
	if ((envp = env_build(r->rt, &none, NULL, err, sizeof(err))) == NULL)
		goto fail;
	if (output_open(&r->probe_out, "start", "ready", fds) == -1) {
		env_free(envp);
		goto fail;
	}
	spawn_req_init(&req, exec, app->ready_argv, envp, NULL);
	req.workdir = app->proc.workdir;
	req.fd_out = fds[0];
	req.fd_err = fds[1];
	req.pdeathsig = SIGKILL;
	r->probe = spawn_process(&req, &e, &step);
	env_free(envp);
	if (r->probe == -1) {
		r->probe = 0;
		output_finish(r->rt->loop, &r->probe_out);
		log_event(LOG_ERR, "start", "ready", "app_ready", -1, -1,
		    "%s %s: %s", step, app->ready_argv[0], strerror(e));
		retry_later(r);
		return;
	}
	children_watch(&r->probe_child, r->probe, probe_cb, r);
	output_start(r->rt->loop, &r->probe_out);
	return;
fail:
	log_event(LOG_ERR, "start", "ready", "app_ready", -1, -1,
	    "cannot run the probe: %s", strerror(errno));
	retry_later(r);
}

static void
probe_again(struct ready *r)
{
	if (app_of(r)->ready == READY_TCP)
		tcp_try(r);
	else
		probe_start(r);
}

static void
retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ready *r = w->data;

	(void)loop;
	(void)revents;
	if (app_of(r)->ready == READY_DELAY || app_of(r)->ready == READY_NONE)
		ready_end(r, 1);
	else
		probe_again(r);
}

int
ready_prepare(struct ready *r, struct runtime *rt)
{
	const struct app *app = &rt->cfg->app;
	int fds[2];

	memset(r, 0, sizeof(*r));
	r->rt = rt;
	r->fd = r->child_fd = -1;
	ev_timer_init(&r->timeout, timeout_cb, 0., 0.);
	r->timeout.data = r;
	ev_timer_init(&r->retry, retry_cb, 0., 0.);
	r->retry.data = r;
	if (app->ready == READY_FD) {
		if (pipe2(fds, O_CLOEXEC) == -1)
			return -1;
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
		r->fd = fds[0];
		r->child_fd = fds[1];
	} else if (app->ready == READY_NOTIFY && notify_app_path() == NULL)
		return notify_app_open(rt->loop, notify_ready, r,
		    app->proc.user != NULL ? app->proc.uid : (uid_t)-1,
		    app->proc.user != NULL || app->proc.group != NULL ?
		    app->proc.gid : (gid_t)-1);
	return 0;
}

void
ready_start(struct ready *r, ready_fn cb, void *arg)
{
	const struct app *app = app_of(r);

	r->cb = cb;
	r->arg = arg;
	r->waiting = 1;
	r->backoff = BACKOFF_FIRST;
	if (r->child_fd >= 0) {
		close(r->child_fd);	/* the app has its copy */
		r->child_fd = -1;
	}
	if (app->ready_timeout_ms > 0) {
		ev_timer_set(&r->timeout, (ev_tstamp)app->ready_timeout_ms / 1000.,
		    0.);
		ev_timer_start(r->rt->loop, &r->timeout);
	}
	switch (app->ready) {
	case READY_NONE:
		/* From the loop, like every other kind. */
		ev_timer_set(&r->retry, 0., 0.);
		ev_timer_start(r->rt->loop, &r->retry);
		break;
	case READY_DELAY:
		ev_timer_set(&r->retry, (ev_tstamp)app->ready_delay_ms / 1000., 0.);
		ev_timer_start(r->rt->loop, &r->retry);
		break;
	case READY_FD:
		ev_io_init(&r->io, pipe_cb, r->fd, EV_READ);
		r->io.data = r;
		ev_io_start(r->rt->loop, &r->io);
		break;
	case READY_TCP:
	case READY_EXEC:
		probe_again(r);
		break;
	case READY_NOTIFY:
		break;
	}
}

void
ready_stop(struct ready *r)
{
	if (r->rt == NULL)
		return;
	ready_quiet(r);
	if (r->child_fd >= 0) {
		close(r->child_fd);
		r->child_fd = -1;
	}
}
