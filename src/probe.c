/* probe.c: one try of one probe: resolve, connect to each address in turn (the GET is probehttp.c's, exec: probeexec.c's). */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse.h"
#include "probe.h"
#include "probe_int.h"

static void	 connect_next(struct probe *);

static struct ev_loop *
probe_loop(const struct probe *p)
{
	return p->ctx->rt->loop;
}

static void
close_fd(struct probe *p)
{
	if (p->fd >= 0) {
		ev_io_stop(probe_loop(p), &p->io);
		close(p->fd);
		p->fd = -1;
	}
}

/* Everything the try holds goes: timers, query, socket, command. */
static void
quiet(struct probe *p)
{
	struct ev_loop *loop = probe_loop(p);

	p->active = 0;
	ev_timer_stop(loop, &p->timer);
	ev_timer_stop(loop, &p->step);
	dns_cancel(&p->dns);
	close_fd(p);
	if (p->pid > 0) {
		children_unwatch(&p->child);
		kill(-p->pid, SIGKILL);
		output_close(&p->out);
		p->pid = 0;
	}
}

static void
probe_end(struct probe *p, int ok)
{
	if (!p->active)
		return;
	quiet(p);
	if (ok)
		p->why[0] = '\0';
	p->cb(p, ok, p->arg);
}

static void __attribute__((format(printf, 2, 3)))
probe_fail(struct probe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	probe_end(p, 0);
}

/* Appends to why, for the addresses tried one after the other. */
static void __attribute__((format(printf, 2, 3)))
note(struct probe *p, const char *fmt, ...)
{
	size_t off = strlen(p->why);
	va_list ap;

	if (off + 1 >= sizeof(p->why))
		return;
	va_start(ap, fmt);
	vsnprintf(p->why + off, sizeof(p->why) - off, fmt, ap);
	va_end(ap);
}

static const char *
dur(int64_t ms, char *buf, size_t len)
{
	format_duration(ms, buf, len);
	return buf;
}

/* "connect db:5432: 10.0.0.5: Connection refused, ..." grows from here. */
static void
note_addr(struct probe *p, const char *what)
{
	char a[INET6_ADDRSTRLEN];

	note(p, p->ai > 0 ? ", " : ": ");
	if (p->addrs.n > 1 || probe_has_name(p->t))
		note(p, "%s: ", hosts_text(&p->addrs, p->ai, a, sizeof(a)));
	note(p, "%s", what);
}

/* Where a try stands, for a timeout: "'db' does not resolve: no answer yet". */
void
probe_describe(const struct probe *p, const char *when, char *buf,
    size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!p->active)
		snprintf(buf, len, "%s", p->why[0] != '\0' ? p->why :
		    "not tried yet");
	else if (p->pid > 0)
		snprintf(buf, len, "%s: not done %s", p->t->text, when);
	else if (p->dns.req != NULL)
		snprintf(buf, len, "'%s' does not resolve: no answer from DNS "
		    "%s", p->t->host, when);
	else if (p->fd >= 0 && p->t->kind == PROBE_HTTP && p->reqlen > 0)
		snprintf(buf, len, "%s: no HTTP answer %s", p->t->text, when);
	else if (p->fd >= 0 && p->ai < p->addrs.n)
		snprintf(buf, len, "%s%s%s: no answer %s", p->why,
		    p->ai > 0 ? ", " : ": ", hosts_text(&p->addrs, p->ai, a,
		    sizeof(a)), when);
	else
		snprintf(buf, len, "%s: no answer %s", p->t->text, when);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *p = w->data;
	char d[32], when[48], why[sizeof(p->why)];

	(void)loop;
	(void)revents;
	snprintf(when, sizeof(when), "within %s",
	    dur(p->ctx->timeout_ms, d, sizeof(d)));
	probe_describe(p, when, why, sizeof(why));
	probe_fail(p, "%s%s", why, p->pid > 0 ? ": killed" : "");
}

/* Connected: tcp: and unix: are done; http sends its GET. */
static void
connected(struct probe *p)
{
	ev_timer_stop(probe_loop(p), &p->step);
	if (p->t->kind == PROBE_HTTP)
		probe_http(p);
	else
		probe_end(p, 1);
}

static void
connect_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe *p = w->data;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)loop;
	(void)revents;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0) {
		connected(p);
		return;
	}
	note_addr(p, strerror(err));
	close_fd(p);
	p->ai++;
	connect_next(p);
}

/* One address's share of the try is over: on to the next. */
static void
step_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *p = w->data;

	(void)loop;
	(void)revents;
	note_addr(p, "no answer in its share of the time");
	close_fd(p);
	p->ai++;
	connect_next(p);
}

/*
 * Each address in turn, until one accepts. With a deadline, each gets an
 * equal share of what is left, so that one that never answers cannot keep
 * the next from being tried.
 */
static void
connect_next(struct probe *p)
{
	struct ev_loop *loop = probe_loop(p);
	struct sockaddr_storage *ss;
	ev_tstamp left;

	for (; p->ai < p->addrs.n; p->ai++) {
		ss = &p->addrs.addr[p->ai];
		p->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (p->fd == -1) {
			note_addr(p, strerror(errno));
			continue;
		}
		if (connect(p->fd, (struct sockaddr *)ss,
		    p->addrs.len[p->ai]) == 0) {
			connected(p);
			return;
		}
		if (errno == EINPROGRESS) {
			ev_io_init(&p->io, connect_cb, p->fd, EV_WRITE);
			p->io.data = p;
			ev_io_start(loop, &p->io);
			left = p->deadline - ev_now(loop);
			if (p->deadline > 0 && p->ai + 1 < p->addrs.n) {
				ev_timer_set(&p->step, left /
				    (p->addrs.n - p->ai), 0.);
				ev_timer_start(loop, &p->step);
			}
			return;
		}
		note_addr(p, strerror(errno));
		close_fd(p);
	}
	probe_end(p, 0);
}

static void
dns_cb(void *arg, const struct hosts *h, const char *err)
{
	struct probe *p = arg;

	if (h == NULL) {
		probe_fail(p, "'%s' does not resolve (%s)", p->t->host, err);
		return;
	}
	p->addrs = *h;
	connect_next(p);
}

static void
unix_connect(struct probe *p)
{
	struct sockaddr_un sa;
	size_t n = strlen(p->t->path);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, p->t->path, n);
	if (p->t->path[0] == '@')
		sa.sun_path[0] = '\0';
	p->addrs.n = 0;
	if ((p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    connect(p->fd, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (p->t->path[0] != '@'))) == -1) {
		/* EAGAIN: the listener's backlog is full: not up yet. */
		probe_fail(p, "connect %s: %s", p->t->path, strerror(errno));
		return;
	}
	probe_end(p, 1);
}

/* From the loop, so that the callback never comes from probe_start. */
static void
kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *p = w->data;
	const struct probe_target *t = p->t;

	(void)revents;
	ev_timer_stop(loop, w);
	switch (t->kind) {
	case PROBE_EXEC:
		probe_exec(p);
		break;
	case PROBE_UNIX:
		unix_connect(p);
		break;
	case PROBE_TCP:
	case PROBE_HTTP:
		snprintf(p->why, sizeof(p->why), "connect %s%s%s:%d",
		    strchr(t->host, ':') != NULL ? "[" : "", t->host,
		    strchr(t->host, ':') != NULL ? "]" : "", t->port);
		ev_set_cb(&p->step, step_cb);
		if (hosts_resolve(&p->addrs, hosts_file(), t->host,
		    t->port) > 0)
			connect_next(p);
		else
			dns_resolve(&p->dns, loop, t->host, t->port, dns_cb, p);
		break;
	}
}

void
probe_start(struct probe *p, const struct probe_ctx *ctx,
    const struct probe_target *t, probe_fn cb, void *arg)
{
	struct ev_loop *loop = ctx->rt->loop;

	p->ctx = ctx;
	p->t = t;
	p->cb = cb;
	p->arg = arg;
	p->finish = probe_end;
	p->active = 1;
	p->fd = -1;
	p->pid = 0;
	p->ai = 0;
	p->addrs.n = 0;
	p->dns.req = NULL;
	p->reqlen = p->headlen = 0;
	p->why[0] = '\0';
	ev_timer_init(&p->timer, timer_cb, 0., 0.);
	p->timer.data = p;
	ev_timer_init(&p->step, kick_cb, 0., 0.);
	p->step.data = p;
	p->deadline = 0;
	if (ctx->timeout_ms > 0 &&
	    (t->kind != PROBE_EXEC || ctx->timeout_exec)) {
		p->deadline = ev_now(loop) + (ev_tstamp)ctx->timeout_ms / 1000.;
		ev_timer_set(&p->timer, (ev_tstamp)ctx->timeout_ms / 1000., 0.);
		ev_timer_start(loop, &p->timer);
	}
	ev_timer_start(loop, &p->step);
}

void
probe_stop(struct probe *p)
{
	if (p->ctx != NULL && p->active)
		quiet(p);
}
