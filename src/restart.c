/* restart.c: the restart policy: restart = no | on-failure | always, the doubling delay, the limit. */
#include <stdlib.h>

#include "log.h"
#include "parse.h"
#include "restart.h"
#include "runtime.h"

int
restart_init(struct restart *r, const struct config *cfg)
{
	r->cfg = cfg;
	r->delay_ms = cfg->restart_delay_ms;
	r->times = NULL;
	r->count = 0;
	if (cfg->restart_limit > 0 && (r->times = calloc(
	    (size_t)cfg->restart_limit, sizeof(*r->times))) == NULL)
		return -1;
	return 0;
}

void
restart_free(struct restart *r)
{
	free(r->times);
	r->times = NULL;
}

int
restart_next(struct restart *r, int st, double started, int force,
    int64_t *delay_ms)
{
	const struct config *cfg = r->cfg;
	long lim = cfg->restart_limit;
	int64_t max = cfg->restart_delay_max_ms;	/* 0: no cap */
	double now = mono_now(), oldest;
	char d[32], w[32];

	if (!force && (cfg->restart == RESTART_NO ||
	    (cfg->restart == RESTART_ON_FAILURE &&
	    (st == 0 || cfg->app.success_status[st & 255]))))
		return 0;
	if (lim > 0) {
		oldest = r->times[r->count % lim];
		if (r->count >= lim &&
		    (now - oldest) * 1000. < (double)cfg->restart_window_ms) {
			format_duration(cfg->restart_window_ms, w, sizeof(w));
			log_event(LOG_ERR, "start", NULL, "restart_limit", st, -1,
			    "restart limit reached (%ld in %s): giving up", lim, w);
			return -1;
		}
		r->times[r->count % lim] = now;
	}
	r->count++;
	/*
	 * A run longer than the longest delay (without a cap: than the delay
	 * it waited) starts the backoff anew.
	 */
	if (max > 0 ? (now - started) * 1000. >= (double)max :
	    (now - started) * 1000. >= (double)r->delay_ms)
		r->delay_ms = cfg->restart_delay_ms;
	format_duration(r->delay_ms, d, sizeof(d));
	log_event(LOG_WARN, "start", NULL, "app_restart", st, r->delay_ms,
	    "restarting in %s (restart %ld)", d, r->count);
	*delay_ms = r->delay_ms;
	r->delay_ms *= 2;
	if (max > 0 && r->delay_ms > max)
		r->delay_ms = max;
	if (r->delay_ms > PARSE_DURATION_MAX_MS)
		r->delay_ms = PARSE_DURATION_MAX_MS;
	return 1;
}
