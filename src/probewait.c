/* probewait.c: polls probe targets, each with a short growing pause, until every one has answered once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "probe.h"

#define BACKOFF_FIRST	0.05
#define BACKOFF_MAX	1.0

static void	 item_try(struct probe_wait_item *);

static void
item_cb(struct probe *p, int ok, void *arg)
{
	struct probe_wait_item *it = arg;
	struct probe_wait *pw = it->pw;
	enum log_level lv = pw->loud ? LOG_INFO : LOG_DEBUG;

	if (ok) {
		it->done = 1;
		log_event(lv, pw->ctx.phase, pw->ctx.name, "probe_ok", -1, -1,
		    "%s answered (try %lu)", it->t->text, it->tries);
		if (--pw->left == 0)
			pw->done(pw->arg);
		return;
	}
	/* Said once for each new reason, not for each try. */
	if (strcmp(it->last, p->why) != 0)
		log_event(lv, pw->ctx.phase, pw->ctx.name, "probe_wait", -1,
		    -1, "waiting for %s: %s", it->t->text, p->why);
	snprintf(it->last, sizeof(it->last), "%s", p->why);
	ev_timer_set(&it->retry, it->backoff, 0.);
	ev_timer_start(pw->ctx.rt->loop, &it->retry);
	it->backoff *= 2;
	if (it->backoff > BACKOFF_MAX)
		it->backoff = BACKOFF_MAX;
}

static void
retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	item_try(w->data);
}

static void
item_try(struct probe_wait_item *it)
{
	it->tries++;
	probe_start(&it->p, &it->pw->ctx, it->t, item_cb, it);
}

int
probe_wait_start(struct probe_wait *pw, const struct probe_ctx *ctx,
    const struct probe_target *t, size_t n, int loud, probe_wait_fn done,
    void *arg)
{
	size_t i;

	memset(pw, 0, sizeof(*pw));
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((pw->items = calloc(n, sizeof(*pw->items))) == NULL)
		return -1;
	pw->ctx = *ctx;
	pw->n = pw->left = n;
	pw->loud = loud;
	pw->done = done;
	pw->arg = arg;
	for (i = 0; i < n; i++) {
		pw->items[i].pw = pw;
		pw->items[i].t = &t[i];
		pw->items[i].backoff = BACKOFF_FIRST;
		ev_timer_init(&pw->items[i].retry, retry_cb, 0., 0.);
		pw->items[i].retry.data = &pw->items[i];
	}
	for (i = 0; i < n; i++)
		item_try(&pw->items[i]);
	return 0;
}

void
probe_wait_stop(struct probe_wait *pw)
{
	size_t i;

	if (pw->items == NULL)
		return;
	for (i = 0; i < pw->n; i++) {
		probe_stop(&pw->items[i].p);
		ev_timer_stop(pw->ctx.rt->loop, &pw->items[i].retry);
	}
	free(pw->items);
	pw->items = NULL;
}

void
probe_wait_pending(const struct probe_wait *pw, char *buf, size_t len)
{
	const struct probe_wait_item *it;
	char now[512];
	size_t i, off = 0;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; pw->items != NULL && i < pw->n && off + 1 < len; i++) {
		it = &pw->items[i];
		if (it->done)
			continue;
		/* The last try that ended says more than one cut short. */
		if (it->last[0] == '\0')
			probe_describe(&it->p, "yet", now, sizeof(now));
		off += (size_t)snprintf(buf + off, len - off, "%s%s: %s",
		    off > 0 ? "; " : "", it->t->text, it->last[0] != '\0' ?
		    it->last : now);
	}
}
