/* log.c: hookrun's own messages on stderr: text, JSON, and journald priority prefixes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "sink.h"

static int	 log_verbosity;
static int	 log_json;
static int	 log_journal;	/* stderr is the journal: "<N>" prefixes */

static const char *const level_names[] = { "error", "warning", "info", "debug" };
static const int syslog_prio[] = { 3, 4, 6, 7 };

/* JOURNAL_STREAM is "DEV:INODE" of the journal stream systemd gave us. */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* Messages stderr had no room for while its reader was slow. */
static void
log_dropped(unsigned long count)
{
	log_warn("%lu message%s dropped: standard error was not being read",
	    count, count == 1 ? "" : "s");
}

void
log_init(int verbosity, int json)
{
	log_verbosity = verbosity;
	log_json = json;
	log_journal = stderr_is_journal();
	sink_on_dropped(log_dropped);
}

void
log_set_json(int json)
{
	log_json = json;
}

static size_t
json_field(char *buf, size_t len, size_t off, const char *key, const char *val)
{
	if (val == NULL || off + strlen(key) + 8 >= len)
		return off;
	off += (size_t)snprintf(buf + off, len - off, "%s\"%s\":\"",
	    off > 1 ? "," : "", key);
	off = json_escape(buf, len, off, val);
	if (off + 2 < len) {
		buf[off++] = '"';
		buf[off] = '\0';
	}
	return off;
}

static void
log_vevent(enum log_level level, const char *phase, const char *hook,
    const char *event, int status, int64_t duration_ms, const char *fmt,
    va_list ap)
{
	char msg[1024], line[4096], out[4200], prio[8] = "";
	size_t off = 0;
	int n;

	if (level > LOG_WARN && (int)level - LOG_INFO > log_verbosity)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		snprintf(prio, sizeof(prio), "<%d>", syslog_prio[level]);

	if (log_json) {
		line[off++] = '{';
		line[off] = '\0';
		off = json_field(line, sizeof(line), off, "level",
		    level_names[level]);
		off = json_field(line, sizeof(line), off, "phase", phase);
		off = json_field(line, sizeof(line), off, "hook", hook);
		off = json_field(line, sizeof(line), off, "event",
		    event != NULL ? event : "message");
		if (status >= 0 && off < sizeof(line))
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    ",\"status\":%d", status);
		if (duration_ms >= 0 && off < sizeof(line))
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    ",\"duration_ms\":%lld", (long long)duration_ms);
		off = json_field(line, sizeof(line), off, "message", msg);
		n = snprintf(out, sizeof(out), "%s%s}\n", prio, line);
	} else if (phase != NULL && hook != NULL)
		n = snprintf(out, sizeof(out), "%shookrun: %s:%s: %s\n", prio,
		    phase, hook, msg);
	else if (phase != NULL)
		n = snprintf(out, sizeof(out), "%shookrun: %s: %s\n", prio,
		    phase, msg);
	else
		n = snprintf(out, sizeof(out), "%shookrun: %s\n", prio, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out)) {
		n = sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	sink_message(STDERR_FILENO, out, (size_t)n);
}

void
log_event(enum log_level level, const char *phase, const char *hook,
    const char *event, int status, int64_t duration_ms, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vevent(level, phase, hook, event, status, duration_ms, fmt, ap);
	va_end(ap);
}

#define LOG_SHORTHAND(fn, level)					\
void									\
fn(const char *fmt, ...)						\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	log_vevent(level, NULL, NULL, NULL, -1, -1, fmt, ap);		\
	va_end(ap);							\
}

LOG_SHORTHAND(log_err, LOG_ERR)
LOG_SHORTHAND(log_warn, LOG_WARN)
LOG_SHORTHAND(log_debug, LOG_DEBUG)
