/* planprobe.c: --dry-run's lines for probes: wait targets, ready and health, and whether each name resolves now. */
/* It starts nothing: it reads the hosts file, asks DNS, and looks executables up on PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "hosts.h"
#include "log.h"
#include "parse.h"
#include "path.h"
#include "plan.h"
#include "probe.h"

/* How long the plan waits for DNS, for each name. */
#define PLAN_DNS_TIMEOUT	3.0

static void
put_addrs(FILE *out, const struct hosts *h, const char *from)
{
	char a[64];
	int i;

	for (i = 0; i < h->n; i++)
		fprintf(out, "%s%s", i > 0 ? ", " : "",
		    hosts_text(h, i, a, sizeof(a)));
	fprintf(out, " (%s)\n", from);
}

/* "HOST: ADDRESSES (hosts file)", "(DNS)", or "does not resolve now". */
static void
put_host(FILE *out, const char *indent, const struct probe_target *t)
{
	struct hosts h;
	char err[256];

	if (!probe_has_name(t))
		return;
	fprintf(out, "%s%s: ", indent, t->host);
	if (hosts_resolve(&h, hosts_file(), t->host, t->port) > 0)
		put_addrs(out, &h, hosts_file());
	else if (dns_lookup_now(t->host, t->port, &h, PLAN_DNS_TIMEOUT, err,
	    sizeof(err)) > 0)
		put_addrs(out, &h, "DNS");
	else
		fprintf(out, "does not resolve now (%s)\n", err);
}

/* An exec: probe's command, as put_path in plan.c shows a hook's. */
static int
put_exec(FILE *out, const char *indent, const struct probe_target *t,
    const char *phase, const char *hook, const char *workdir)
{
	char resolved[PATH_MAX];
	const char *why;
	int e;

	fprintf(out, "%spath: ", indent);
	if ((e = path_resolve_at(workdir, t->argv[0], resolved,
	    sizeof(resolved))) == 0) {
		fprintf(out, "%s\n", resolved);
		return 0;
	}
	why = e == ENOENT ? "not found" : e == EACCES ? "not executable" :
	    strerror(e);
	fprintf(out, "%s\n", why);
	log_event(LOG_ERR, phase, hook, "plan", -1, -1, "%s: %s: %s",
	    t->text, t->argv[0], why);
	return 1;
}

static void
put_codes(FILE *out, const char *indent, const struct probe_target *t)
{
	int c, any = 0;

	for (c = HTTP_CODE_MIN; c <= HTTP_CODE_MAX; c++)
		if (http_codes_has(&t->ok, c) && (c < 200 || c > 399)) {
			fprintf(out, "%s%d", any ? ", " : indent, c);
			any = 1;
		}
	if (any)
		fputc('\n', out);
}

int
plan_probe_detail(FILE *out, const char *indent, const struct probe_target *t,
    const char *phase, const char *hook, const char *workdir)
{
	char more[64];

	switch (t->kind) {
	case PROBE_TCP:
		put_host(out, indent, t);
		break;
	case PROBE_HTTP:
		put_host(out, indent, t);
		snprintf(more, sizeof(more), "%sanswers: 2xx, 3xx, ", indent);
		put_codes(out, more, t);
		break;
	case PROBE_UNIX:
		break;
	case PROBE_EXEC:
		return put_exec(out, indent, t, phase, hook, workdir);
	}
	return 0;
}

int
plan_wait(FILE *out, const struct hook *h, const char *phase)
{
	size_t i;
	int errors = 0;

	for (i = 0; i < h->nwait; i++) {
		fprintf(out, "    wait: %s\n", h->wait[i].text);
		errors += plan_probe_detail(out, "      ", &h->wait[i], phase,
		    h->name, h->proc.workdir);
	}
	return errors;
}

int
plan_health(FILE *out, const struct app *a)
{
	static const char *const unhealthy[] = { "restart", "stop", "ignore" };
	char b1[32], b2[32], b3[32];

	if (a->health.text == NULL)
		return 0;
	format_duration(a->health_interval_ms, b1, sizeof(b1));
	format_duration(a->health_timeout_ms, b2, sizeof(b2));
	format_duration(a->health_start_period_ms, b3, sizeof(b3));
	fprintf(out, "    health: %s, every %s, timeout %s\n"
	    "    health_retries: %ld, start period %s, on_unhealthy %s\n",
	    a->health.text, b1, b2, a->health_retries, b3,
	    unhealthy[a->on_unhealthy]);
	return plan_probe_detail(out, "      ", &a->health, "start", "health",
	    a->proc.workdir);
}
