/* hookwait.c: a wait = hook's attempt: no process is run; it succeeds once each of its targets has answered. */
#include <stdio.h>
#include <string.h>

#include "hookwait.h"
#include "log.h"
#include "notify.h"
#include "parse.h"

static void
all_answered(void *arg)
{
	struct hookwait *w = arg;

	hookwait_stop(w);
	w->done(w->arg);
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

int
hookwait_start(struct hookwait *w, struct runtime *rt, const char *phase,
    const struct hook *h, long attempt, hookwait_fn done, void *arg)
{
	struct probe_ctx *c = &w->ctx;
	char what[512];

	memset(w, 0, sizeof(*w));
	w->hook = h;
	w->done = done;
	w->arg = arg;
	c->rt = rt;
	c->phase = phase;
	c->name = h->name;
	c->proc = &h->proc;	/* exec: targets run as the hook would */
	c->workdir = h->proc.workdir;
	c->timeout_ms = PROBE_TRY_TIMEOUT_MS;
	c->timeout_exec = 0;
	/* systemd must let the wait have its timeout (0: no bound). */
	notify_wait(h->timeout_ms);
	notify_send("STATUS=%s: %s: waiting (attempt %ld)", phase, h->name,
	    attempt);
	if (probe_wait_start(&w->pw, c, h->wait, h->nwait, 1, all_answered,
	    w) == -1)
		return -1;
	targets_text(h, what, sizeof(what));
	log_event(LOG_INFO, phase, h->name, "hook_start", -1, -1,
	    "waiting for %s (attempt %ld)", what, attempt);
	return 0;
}

void
hookwait_timeout(struct hookwait *w)
{
	char d[32], why[1024];

	format_duration(w->hook->timeout_ms, d, sizeof(d));
	probe_wait_pending(&w->pw, why, sizeof(why));
	log_event(LOG_ERR, w->ctx.phase, w->hook->name, "hook_timeout", -1,
	    -1, "timed out after %s waiting for %s", d, why);
	hookwait_stop(w);
}

void
hookwait_stop(struct hookwait *w)
{
	probe_wait_stop(&w->pw);
}
