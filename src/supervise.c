/* supervise.c: the app: spawn, post_start hooks, signal forwarding, restart policy, the stop sequence. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "children.h"
#include "health.h"
#include "jobctl.h"
#include "log.h"
#include "memory.h"
#include "notify.h"
#include "parse.h"
#include "phase.h"
#include "ready.h"
#include "restart.h"
#include "signals.h"
#include "spawn.h"
#include "status.h"
#include "supervise.h"

enum sv_state {
	SV_RUNNING,		/* the app runs (or has just exited) */
	SV_PRE_STOP,		/* stopping: pre_stop hooks run */
	SV_STOPPING,		/* stopping: the stop signal was sent */
	SV_RESTART_WAIT,	/* the restart delay runs */
	SV_DONE
};

struct supervisor {
	struct runtime		*rt;
	enum sv_state		 state;
	pid_t			 pid;		/* 0: the app is not running */
	struct child_watch	 child;
	ev_timer		 timer;		/* stop_timeout, restart delay */
	ev_timer		 trim;		/* memory_trim, once running a while */
	struct phase_run	 post;		/* post_start */
	struct phase_run	 pre;		/* pre_stop */
	double			 started;	/* of the app, monotonic s */
	struct restart		 restart;
	int			 last_status;	/* N, or 128+S */
	int			 forced;	/* a post_start hook's status */
	int			 exit_status;
	int			 foreground;	/* the app was given the terminal */
	struct ready		 ready;
	int			 ready_sent;	/* READY=1 went to systemd */
	int			 stopping_sent;	/* and STOPPING=1 */
	struct health		 health;
	int			 heal;		/* stopping to restart an unhealthy app */
	int			 signaled;	/* the app's last exit was by a signal */
	char			 why[64];	/* and how it went, for STATUS= */
};

static struct supervisor *active;

static void	 sv_step(struct supervisor *);
static void	 stop_begin(struct supervisor *);
static void	 app_ready(void *, int);
static void	 app_health(void *, int);
static void	 restart_or_done(struct supervisor *, int);

static int
app_target(const struct supervisor *sv)
{
	return sv->rt->cfg->app.signal_group ? -sv->pid : sv->pid;
}

/* Tells systemd, once, that hookrun is on its way down. */
static void
stopping(struct supervisor *sv)
{
	if (!sv->stopping_sent)
		notify_send("STOPPING=1\nSTATUS=stopping");
	sv->stopping_sent = 1;
}

static void
sv_done(struct supervisor *sv)
{
	const struct app *app = &sv->rt->cfg->app;

	ev_timer_stop(sv->rt->loop, &sv->timer);
	stopping(sv);
	sv->state = SV_DONE;
	if (sv->forced)
		sv->exit_status = sv->forced;
	else if (sv->last_status >= 0)
		sv->exit_status = app->success_status[sv->last_status & 255] ?
		    0 : sv->last_status;
	/*
	 * Killed by the stop signal hookrun was given: no failure of its own.
	 * A forced status was said where it was decided; this is a backstop.
	 */
	if (sv->forced)
		notify_failed("start: app stopped (status %d)", sv->forced);
	else if (sv->exit_status != 0 &&
	    !(sv->rt->stop_sig != 0 && sv->signaled))
		notify_failed("start: app %s", sv->why);
}

/*
 * Nothing is due until the app changes: the memory that loading and the
 * hooks touched goes back once the app has been running a moment, so that
 * an app that is over at once costs none of it, and a waiting hookrun
 * stays small.
 */
#define TRIM_AFTER	0.1

static void
trim_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	memory_trim();
}

/* Ready, and post_start done: tell systemd once. */
static void
running(struct supervisor *sv)
{
	ev_timer_stop(sv->rt->loop, &sv->trim);
	ev_timer_set(&sv->trim, TRIM_AFTER, 0.);
	ev_timer_start(sv->rt->loop, &sv->trim);
	status_state(STATUS_RUNNING);
	notify_wait_over();
	if (!sv->ready_sent)
		notify_send("READY=1\nSTATUS=running");
	else
		notify_send("STATUS=running");
	sv->ready_sent = 1;
}

static void
post_done(struct phase_run *pr)
{
	struct supervisor *sv = pr->data;

	if (pr->result != 0 && sv->state == SV_RUNNING && sv->pid != 0) {
		log_event(LOG_ERR, "post_start", NULL, "phase_abort",
		    pr->result, -1, "hook %s failed: stopping the app",
		    pr->failed != NULL ? pr->failed : "?");
		notify_failed("post_start: %s failed (status %d): stopping the "
		    "app", pr->failed != NULL ? pr->failed : "?", pr->result);
		sv->forced = pr->result;
		stop_begin(sv);
		return;
	}
	if (pr->result == 0 && sv->state == SV_RUNNING && sv->pid != 0)
		running(sv);
	sv_step(sv);
}

static void
pre_done(struct phase_run *pr)
{
	sv_step(pr->data);
}

static void
app_exit_cb(struct child_watch *w, int wstatus)
{
	struct supervisor *sv = w->data;
	int st = children_exit_status(wstatus);

	if (WIFSTOPPED(wstatus) || WIFCONTINUED(wstatus)) {
		jobctl_app_stopped(sv->pid, wstatus, sv->foreground);
		return;
	}
	/* Take the terminal back, if the app had it (TTOU is blocked). */
	if (sv->foreground)
		tcsetpgrp(STDIN_FILENO, getpgrp());
	ready_stop(&sv->ready);
	health_stop(&sv->health);
	notify_app_alive(0);
	sv->pid = 0;
	sv->rt->app_pid = 0;
	status_app(0);
	status_ready(0);
	sv->rt->app_status = st;
	sv->last_status = st;
	sv->signaled = WIFSIGNALED(wstatus);
	if (sv->signaled)
		snprintf(sv->why, sizeof(sv->why), "killed by signal %s "
		    "(status %d)", signal_name(WTERMSIG(wstatus)), st);
	else
		snprintf(sv->why, sizeof(sv->why), "exited with status %d", st);
	log_event(LOG_INFO, "start", NULL, "app_exit", st, -1, "app %s",
	    sv->why);
	sv_step(sv);
}

/* How long the ready wait may last: ready_timeout, or a shorter delay; 0: no bound. */
static int64_t
ready_wait_ms(const struct app *app)
{
	if (app->ready == READY_DELAY && (app->ready_timeout_ms == 0 ||
	    app->ready_delay_ms < app->ready_timeout_ms))
		return app->ready_delay_ms;
	return app->ready_timeout_ms;
}

static void
app_start(struct supervisor *sv)
{
	struct runtime *rt = sv->rt;

	sv->state = SV_RUNNING;
	if (ready_prepare(&sv->ready, rt) == -1) {
		log_event(LOG_ERR, "start", NULL, "app_ready", -1, -1,
		    "ready = %s: %s", rt->cfg->app.ready_arg, strerror(errno));
		sv->forced = 70;
		notify_failed("start: app not started (status 70)");
		sv_done(sv);
		return;
	}
	sv->pid = app_spawn(rt, sv->ready.child_fd, &sv->foreground,
	    &sv->forced);
	if (sv->pid == -1) {
		sv->pid = 0;
		ready_stop(&sv->ready);
		notify_failed("start: app not started (status %d)", sv->forced);
		sv_done(sv);
		return;
	}
	sv->started = mono_now();
	rt->app_pid = sv->pid;
	status_app(sv->pid);
	status_state(STATUS_START);
	status_health(STATUS_HEALTH_NONE);
	children_watch(&sv->child, sv->pid, app_exit_cb, sv);
	sv->child.stops = 1;
	log_event(LOG_INFO, "start", NULL, "app_start", -1, -1,
	    "app started (pid %d)", (int)sv->pid);
	notify_app_alive(1);
	notify_send("STATUS=start: waiting for the app to be ready");
	/* ready = none: ready now, not one loop round later. */
	if (rt->cfg->app.ready == READY_NONE)
		app_ready(sv, 1);
	else {
		notify_wait(ready_wait_ms(&rt->cfg->app));
		ready_start(&sv->ready, app_ready, sv);
	}
}

static void
app_ready(void *arg, int ok)
{
	struct supervisor *sv = arg;
	struct runtime *rt = sv->rt;
	char d[32];

	if (!ok) {
		format_duration(rt->cfg->app.ready_timeout_ms, d, sizeof(d));
		notify_failed("start: app not ready within %s: stopping it", d);
		sv->forced = 125;
		stop_begin(sv);
		return;
	}
	if (rt->cfg->app.ready != READY_NONE)
		log_event(LOG_INFO, "start", NULL, "app_ready", -1, -1,
		    "app is ready");
	status_ready(1);
	health_start(&sv->health, rt, app_health, sv);
	if (rt->cfg->phases[PHASE_POST_START].nhooks > 0) {
		status_state(STATUS_POST_START);
		phase_start(&sv->post, rt, PHASE_POST_START, post_done, sv);
	} else
		running(sv);
}

/*
 * The health check turned. Unhealthy: systemd's watchdog pings stop, and
 * on_unhealthy decides: restart (the stop sequence, then a restart with
 * its delay and limit, whatever restart = says), stop (125), or carry on.
 */
static void
app_health(void *arg, int healthy)
{
	struct supervisor *sv = arg;

	notify_app_alive(healthy);
	if (healthy || sv->state != SV_RUNNING || sv->pid == 0)
		return;
	switch (sv->rt->cfg->app.on_unhealthy) {
	case UNHEALTHY_RESTART:
		log_event(LOG_WARN, "start", "health", "app_restart", -1, -1,
		    "on_unhealthy = restart: stopping the app to start it "
		    "again");
		notify_send("STATUS=restarting the unhealthy app");
		sv->heal = 1;
		stop_begin(sv);
		break;
	case UNHEALTHY_STOP:
		log_event(LOG_ERR, "start", "health", "app_stop", 125, -1,
		    "on_unhealthy = stop: stopping");
		sv->forced = 125;
		stop_begin(sv);
		break;
	case UNHEALTHY_IGNORE:
		log_event(LOG_WARN, "start", "health", "app_unhealthy", -1,
		    -1, "on_unhealthy = ignore: carrying on");
		break;
	}
}

/*
 * The app is down while running: restart it, or go down too (heal: restart
 * whatever the policy says).
 */
static void
restart_or_done(struct supervisor *sv, int heal)
{
	int64_t delay_ms;
	int r;

	r = restart_next(&sv->restart, sv->last_status, sv->started, heal,
	    &delay_ms);
	if (r == -1)
		notify_failed("start: restart limit reached: app %s", sv->why);
	if (r <= 0) {
		sv_done(sv);
		return;
	}
	sv->state = SV_RESTART_WAIT;
	status_state(STATUS_RESTARTING);
	status_restarts(sv->restart.count);
	ev_timer_set(&sv->timer, (ev_tstamp)delay_ms / 1000., 0.);
	ev_timer_start(sv->rt->loop, &sv->timer);
}

static void
send_stop_signal(struct supervisor *sv)
{
	const struct config *cfg = sv->rt->cfg;
	int sig = cfg->app.stop_signal;

	if (sig == 0)
		sig = sv->rt->stop_sig != 0 ? sv->rt->stop_sig : SIGTERM;
	log_event(LOG_INFO, "start", NULL, "app_stop", -1, -1,
	    "sending %s to the app (pid %d)", signal_name(sig), (int)sv->pid);
	/* systemd must let the app have its stop_timeout (0: no bound). */
	notify_wait(cfg->stop_timeout_ms);
	spawn_kill(app_target(sv), sig);
	if (cfg->stop_timeout_ms > 0) {
		ev_timer_set(&sv->timer, (ev_tstamp)cfg->stop_timeout_ms / 1000.,
		    0.);
		ev_timer_start(sv->rt->loop, &sv->timer);
	}
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct supervisor *sv = w->data;
	char d[32];

	(void)loop;
	(void)revents;
	if (sv->state == SV_RESTART_WAIT) {
		app_start(sv);
		return;
	}
	if (sv->state == SV_STOPPING && sv->pid != 0) {
		format_duration(sv->rt->cfg->stop_timeout_ms, d, sizeof(d));
		log_event(LOG_WARN, "start", NULL, "app_kill", -1, -1,
		    "app still running %s after the stop signal: sending KILL", d);
		kill(app_target(sv), SIGKILL);
	}
}

static void
sv_step(struct supervisor *sv)
{
	switch (sv->state) {
	case SV_RUNNING:
		if (sv->pid != 0)
			return;
		if (sv->post.running) {
			phase_stop(&sv->post);
			return;
		}
		restart_or_done(sv, 0);
		return;
	case SV_PRE_STOP:
		if (sv->pre.running)
			return;
		sv->state = SV_STOPPING;
		if (sv->pid != 0)
			send_stop_signal(sv);
		/* FALLTHROUGH */
	case SV_STOPPING:
		if (sv->post.running)
			phase_stop(&sv->post);
		if (sv->pid != 0 || sv->post.running)
			return;
		if (sv->heal) {
			sv->heal = 0;
			restart_or_done(sv, 1);
			return;
		}
		sv_done(sv);
		return;
	case SV_RESTART_WAIT:
	case SV_DONE:
		return;
	}
}

static void
stop_begin(struct supervisor *sv)
{
	struct runtime *rt = sv->rt;

	ready_stop(&sv->ready);
	health_stop(&sv->health);
	if (!sv->heal)
		stopping(sv);
	status_state(sv->heal ? STATUS_RESTARTING : STATUS_STOPPING);
	if (sv->post.running)
		phase_stop(&sv->post);
	sv->state = SV_PRE_STOP;
	if (sv->pid != 0 && rt->cfg->phases[PHASE_PRE_STOP].nhooks > 0)
		phase_start(&sv->pre, rt, PHASE_PRE_STOP, pre_done, sv);
	sv_step(sv);
}

/* The first TERM, INT or QUIT: remembered, and said once. */
static void
stop_received(struct runtime *rt, int sig)
{
	if (rt->stop_sig != 0)
		return;
	rt->stop_sig = sig;
	log_event(LOG_INFO, NULL, NULL, "signal", -1, -1,
	    "received %s: stopping", signal_name(sig));
}

void
supervise_signal(int sig, void *arg)
{
	struct runtime *rt = arg;
	struct supervisor *sv = active;

	if (!signals_stops(sig)) {
		if (sv != NULL && sv->pid != 0) {
			log_debug("forwarding %s to the app", signal_name(sig));
			kill(app_target(sv), sig);
		} else
			log_debug("received %s: no app to forward it to",
			    signal_name(sig));
		return;
	}
	if (rt->stoppable != NULL) {
		if (rt->stop_sig == 0)
			notify_send("STOPPING=1\nSTATUS=stopping");
		stop_received(rt, sig);
		phase_stop(rt->stoppable);
		return;
	}
	if (sv == NULL || sv->state == SV_DONE) {
		log_debug("received %s: already stopping", signal_name(sig));
		return;
	}
	if (sv->heal && (sv->state == SV_PRE_STOP ||
	    sv->state == SV_STOPPING)) {
		/* Stopping to restart, and now told to stop: stop for good. */
		sv->heal = 0;
		stop_received(rt, sig);
		stopping(sv);
		status_state(STATUS_STOPPING);
		return;
	}
	switch (sv->state) {
	case SV_RUNNING:
		stop_received(rt, sig);
		stop_begin(sv);
		break;
	case SV_PRE_STOP:
		log_event(LOG_INFO, NULL, NULL, "signal", -1, -1,
		    "received %s again: skipping the rest of pre_stop",
		    signal_name(sig));
		phase_stop(&sv->pre);
		break;
	case SV_STOPPING:
		if (sv->pid != 0)
			spawn_kill(app_target(sv), sig);
		break;
	case SV_RESTART_WAIT:
		stop_received(rt, sig);
		sv_done(sv);
		break;
	case SV_DONE:
		break;
	}
}

/*
 * Static, not on the stack: supervise_run runs once, and what the loader
 * zeroed is touched only where used (a health check is 6 KiB), where the
 * stack's 11 KiB stayed dirty as long as hookrun ran.
 */
static struct supervisor sv;

int
supervise_run(struct runtime *rt)
{
	sv.rt = rt;
	sv.last_status = -1;
	if (restart_init(&sv.restart, rt->cfg) == -1) {
		log_err("supervise: %s", strerror(errno));
		return 70;
	}
	ev_timer_init(&sv.timer, timer_cb, 0., 0.);
	sv.timer.data = &sv;
	ev_timer_init(&sv.trim, trim_cb, TRIM_AFTER, 0.);
	active = &sv;
	app_start(&sv);
	while (sv.state != SV_DONE)
		signals_run_once(rt->loop);
	ev_timer_stop(rt->loop, &sv.trim);
	active = NULL;
	notify_app_close(rt->loop);
	restart_free(&sv.restart);
	return sv.exit_status;
}
