/* lock.c: a hook's lock without blocking the event loop: lock = PATH polled on a timer, then the once check and record. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "lockfile.h"
#include "log.h"
#include "parse.h"

/* Tries at a growing interval: quick when the holder is quick, cheap when not. */
#define RETRY_FIRST	0.005
#define RETRY_MAX	0.2

static int64_t
waited_ms(const struct lock *lk)
{
	return (int64_t)((ev_time() - lk->since) * 1000.);
}

/* Ends a wait or a release: stops the timers, calls lk->cb. */
static void
settle(struct lock *lk, enum lock_event ev)
{
	ev_timer_stop(lk->loop, &lk->timer);
	ev_timer_stop(lk->loop, &lk->retry);
	if (ev == LOCK_ACQUIRED && lk->waited) {
		int64_t ms = waited_ms(lk);

		log_event(LOG_INFO, lk->phase, lk->hook->name, "lock_acquired",
		    -1, ms, "lock acquired after %lldms", (long long)ms);
	}
	lk->state = ev == LOCK_ACQUIRED ? LOCK_HELD : LOCK_IDLE;
	lk->cb(lk, ev, lk->data);
}

/* Closes the lock file; held: the lock is ours, and its note goes too. */
static void
file_close(struct lock *lk, int held)
{
	if (lk->fd >= 0 && held)
		lockfile_unlock(lk->fd);
	else if (lk->fd >= 0)
		close(lk->fd);
	lk->fd = -1;
}

static void
file_failed(struct lock *lk, const char *err, int held)
{
	log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_error",
	    LOCK_STATUS_FAILED, -1, "%s", err);
	file_close(lk, held);
	settle(lk, LOCK_FAILED);
}

/* "held by host H pid N since T", or "holder unknown". */
static const char *
holder_text(const struct lock *lk, char *buf, size_t len)
{
	char note[400];

	lockfile_holder(lk->fd, note, sizeof(note));
	snprintf(buf, len, "%s%s", note[0] != '\0' ? "held by " :
	    "holder unknown", note);
	return buf;
}

/* Whose once records: "PHASE:NAME", as a lock command's HOOKRUN_LOCK_KEY. */
static const char *
once_hook(const struct lock *lk, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", lk->phase, lk->hook->name);
	return buf;
}

static void
file_try(struct lock *lk)
{
	const char *path = lk->hook->lock, *once = lk->hook->once;
	char err[PATH_MAX + 128], hk[320];
	int r;

	if ((r = lockfile_try(lk->fd, path, err, sizeof(err))) == -1) {
		file_failed(lk, err, 0);
		return;
	}
	if (r == 1) {
		if (!lk->waited) {
			log_event(LOG_INFO, lk->phase, lk->hook->name,
			    "lock_wait", -1, -1, "waiting for lock %s (%s)",
			    path, holder_text(lk, err, sizeof(err)));
			lk->waited = 1;
		}
		ev_timer_set(&lk->retry, lk->delay, 0.);
		ev_timer_start(lk->loop, &lk->retry);
		if ((lk->delay *= 2) > RETRY_MAX)
			lk->delay = RETRY_MAX;
		return;
	}
	if (once != NULL) {
		if ((r = lockfile_once_check(path, once_hook(lk, hk,
		    sizeof(hk)), once, err, sizeof(err))) == -1) {
			file_failed(lk, err, 1);
			return;
		}
		if (r == 1) {
			log_debug("%s:%s: once key '%s' is in %s.once",
			    lk->phase, lk->hook->name, once, path);
			file_close(lk, 1);
			settle(lk, LOCK_DONE);
			return;
		}
	}
	settle(lk, LOCK_ACQUIRED);
}

static void
retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	file_try(w->data);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct lock *lk = w->data;
	char d[32], holder[512];

	(void)loop;
	(void)revents;
	if (lk->hook->lock_argv != NULL) {
		lockexec_timeout(&lk->ex, lk->hook->lock_timeout_ms);
		settle(lk, LOCK_TIMEOUT);
		return;
	}
	format_duration(lk->hook->lock_timeout_ms, d, sizeof(d));
	log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_timeout",
	    LOCK_STATUS_TIMEOUT, waited_ms(lk), "lock %s not acquired within "
	    "%s (%s)", lk->hook->lock, d, holder_text(lk, holder,
	    sizeof(holder)));
	file_close(lk, 0);
	settle(lk, LOCK_TIMEOUT);
}

/* What the lock command did, as lock events. */
static void
ex_cb(struct lockexec *x, enum lockexec_event ev, void *data)
{
	struct lock *lk = data;

	(void)x;
	switch (ev) {
	case LOCKEXEC_LOCKED:
		settle(lk, LOCK_ACQUIRED);
		break;
	case LOCKEXEC_DONE:
		settle(lk, LOCK_DONE);
		break;
	case LOCKEXEC_FAILED:
		settle(lk, LOCK_FAILED);
		break;
	case LOCKEXEC_LOST:
		lk->cb(lk, LOCK_LOST, lk->data);
		break;
	case LOCKEXEC_EXITED:
		settle(lk, LOCK_RELEASED);
		break;
	}
}

void
lock_acquire(struct lock *lk, struct runtime *rt, const struct hook *h,
    const char *phase, lock_fn cb, void *data)
{
	char err[PATH_MAX + 128];

	memset(lk, 0, sizeof(*lk));
	lk->loop = rt->loop;
	lk->hook = h;
	lk->phase = phase;
	lk->cb = cb;
	lk->data = data;
	lk->fd = -1;
	/* lock_timeout counts from now, not from the loop's last wakeup. */
	ev_now_update(rt->loop);
	lk->since = ev_now(rt->loop);
	lk->delay = RETRY_FIRST;
	lk->state = LOCK_WAITING;
	ev_timer_init(&lk->timer, timer_cb, 0., 0.);
	lk->timer.data = lk;
	ev_timer_init(&lk->retry, retry_cb, 0., 0.);
	lk->retry.data = lk;
	if (h->lock_timeout_ms > 0) {
		ev_timer_set(&lk->timer, (ev_tstamp)h->lock_timeout_ms / 1000.,
		    0.);
		ev_timer_start(lk->loop, &lk->timer);
	}
	if (h->lock_argv != NULL) {
		lockexec_start(&lk->ex, rt, h, phase, ex_cb, lk);
		return;
	}
	if ((lk->fd = lockfile_open(h->lock, err, sizeof(err))) == -1) {
		file_failed(lk, err, 0);
		return;
	}
	file_try(lk);
}

void
lock_release(struct lock *lk, int success, lock_fn cb)
{
	const char *path = lk->hook->lock, *once = lk->hook->once;

	lk->cb = cb;
	if (lk->hook->lock_argv != NULL) {
		lk->state = LOCK_RELEASING;
		lockexec_release(&lk->ex, success);
		return;
	}
	if (success && once != NULL) {
		char err[PATH_MAX + 128], hk[320];

		if (lockfile_once_add(path, once_hook(lk, hk, sizeof(hk)), once,
		    err, sizeof(err)) == -1)
			log_event(LOG_ERR, lk->phase, lk->hook->name,
			    "once_record", -1, -1, "once key '%s' not recorded: "
			    "%s: the hook will run again", once, err);
		else
			log_debug("%s:%s: once key '%s' recorded in %s.once",
			    lk->phase, lk->hook->name, once, path);
	}
	file_close(lk, 1);
	settle(lk, LOCK_RELEASED);
}

int
lock_cancel(struct lock *lk)
{
	if (lk->state != LOCK_WAITING)
		return 0;
	ev_timer_stop(lk->loop, &lk->timer);
	ev_timer_stop(lk->loop, &lk->retry);
	if (lk->hook->lock_argv != NULL)
		lockexec_stop(&lk->ex);
	else
		file_close(lk, 0);
	lk->state = LOCK_IDLE;
	return 1;
}
