/* ready.c: waits until the app is ready, per [start] ready, within ready_timeout; costs nothing afterwards. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "parse.h"
#include "probe.h"
#include "ready.h"

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
	ev_timer_stop(loop, &r->delay);
	ready_close_fd(r);
	probe_wait_stop(&r->probe);
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
	const struct app *app = app_of(r);
	char d[32], why[600] = "";

	(void)loop;
	(void)revents;
	format_duration(app->ready_timeout_ms, d, sizeof(d));
	if (app->ready_probe.text != NULL)
		probe_wait_pending(&r->probe, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "ready = %s%s", app->ready ==
		    READY_NOTIFY ? "notify" : app->ready == READY_FD ? "fd:" :
		    "delay:", app->ready_arg != NULL ? app->ready_arg : "");
	log_event(LOG_ERR, "start", NULL, "app_not_ready", 125, -1,
	    "app not ready within %s (%s)", d, why);
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

/* A probe answered. */
static void
probe_done(void *arg)
{
	ready_end(arg, 1);
}

/* Each try of tcp:, http:// and unix: is bounded; exec: is bounded by ready_timeout only. */
static void
probe_begin(struct ready *r)
{
	const struct app *app = app_of(r);

	r->ctx.rt = r->rt;
	r->ctx.phase = "start";
	r->ctx.name = "ready";
	r->ctx.proc = NULL;
	r->ctx.workdir = app->proc.workdir;
	r->ctx.timeout_ms = PROBE_TRY_TIMEOUT_MS;
	r->ctx.timeout_exec = 0;
	if (probe_wait_start(&r->probe, &r->ctx, &app->ready_probe, 1, 0,
	    probe_done, r) == -1) {
		log_event(LOG_ERR, "start", "ready", "app_ready", -1, -1,
		    "cannot probe: %s", strerror(errno));
		ready_end(r, 0);
	}
}

static void
delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ready *r = w->data;

	(void)loop;
	(void)revents;
	ready_end(r, 1);
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
	ev_timer_init(&r->delay, delay_cb, 0., 0.);
	r->delay.data = r;
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
	case READY_NONE:	/* never waited for (supervise.c); as delay:0 */
	case READY_DELAY:
		ev_timer_set(&r->delay, (ev_tstamp)app->ready_delay_ms / 1000., 0.);
		ev_timer_start(r->rt->loop, &r->delay);
		break;
	case READY_FD:
		ev_io_init(&r->io, pipe_cb, r->fd, EV_READ);
		r->io.data = r;
		ev_io_start(r->rt->loop, &r->io);
		break;
	case READY_TCP:
	case READY_EXEC:
	case READY_HTTP:
	case READY_UNIX:
		probe_begin(r);
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
