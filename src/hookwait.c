/* hookwait.c: a wait = hook's attempt: no process is run; it succeeds once each of its targets has answered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attempt.h"
#include "log.h"
#include "notify.h"
#include "parse.h"

static void
wait_done(void *arg)
{
	hookwait_end(arg, 0);
}

/* "tcp:db:5432, http://auth:8080/health" for messages. */
static void
targets_text(const struct hook *h, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < h->nwait && off + 1 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i > 0 ? ", " : "", h->wait[i].text);
}

void
hookwait_start(struct hook_run *hr)
{
	struct phase_run *pr = hr->pr;
	struct runtime *rt = pr->rt;
	const struct hook *h = hr->hook;
	struct probe_ctx *c = &hr->wait_ctx;
	char what[512];

	hr->started = mono_now();
	c->rt = rt;
	c->phase = phase_name(pr->id);
	c->name = h->name;
	c->proc = &h->proc;		/* exec: targets run as the hook would */
	c->workdir = h->proc.workdir;
	c->timeout_ms = PROBE_TRY_TIMEOUT_MS;
	c->timeout_exec = 0;
	if (h->timeout_ms > 0)
		notify_extend(h->timeout_ms);
	notify_send("STATUS=%s: %s: waiting (attempt %ld)", c->phase, h->name,
	    hr->attempt);
	if (probe_wait_start(&hr->wait, c, h->wait, h->nwait, 1, wait_done,
	    hr) == -1) {
		log_event(LOG_ERR, c->phase, h->name, "hook_exec", -1, -1,
		    "cannot wait: %s", strerror(errno));
		hr->status = 70;
		attempt_end(hr);
		return;
	}
	hr->waiting = 1;
	if (h->timeout_ms > 0) {
		ev_timer_set(&hr->timer, (ev_tstamp)h->timeout_ms / 1000., 0.);
		ev_timer_start(rt->loop, &hr->timer);
	}
	targets_text(h, what, sizeof(what));
	log_event(LOG_INFO, c->phase, h->name, "hook_start", -1, -1,
	    "waiting for %s (attempt %ld)", what, hr->attempt);
}

/* The hook's timeout: says what did not answer, and why, then 124. */
void
hookwait_timeout(struct hook_run *hr)
{
	char d[32], why[1024];

	hr->timed_out = 1;
	format_duration(hr->hook->timeout_ms, d, sizeof(d));
	probe_wait_pending(&hr->wait, why, sizeof(why));
	log_event(LOG_ERR, phase_name(hr->pr->id), hr->hook->name,
	    "hook_timeout", -1, -1, "timed out after %s waiting for %s", d,
	    why);
	hookwait_end(hr, 124);
}

void
hookwait_end(struct hook_run *hr, int status)
{
	probe_wait_stop(&hr->wait);
	hr->waiting = 0;
	hr->status = status;
	attempt_end(hr);
}
