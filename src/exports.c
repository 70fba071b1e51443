/* exports.c: HOOKRUN_ENV_FILE: a pipe per attempt, read while the hook runs; */
/* after it succeeds, the KEY=value lines it may hand on join the exports. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "exports.h"
#include "log.h"
#include "pipe.h"
#include "parse.h"
#include "trust.h"

#define READ_CHUNK	8192


int
exports_open(struct exports *x, const struct proc *p)
{
	uid_t uid = p->user != NULL ? p->uid : (uid_t)-1;
	gid_t gid = p->user != NULL || p->group != NULL ? p->gid : (gid_t)-1;
	int fds[2], e;

	memset(x, 0, sizeof(*x));
	x->rfd = x->wfd = -1;
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	/*
	 * Opening /dev/fd/N again checks the pipe's owner and mode (0600):
	 * a hook of another user must own it. It is this attempt's alone.
	 */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchown(fds[1], uid, gid) == -1) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	x->rfd = fds[0];
	x->wfd = fds[1];
	x->open = 1;
	snprintf(x->path, sizeof(x->path), "/dev/fd/%d", x->wfd);
	return 0;
}

/* Keeps n more bytes; past the limit they are dropped, and it is reported. */
static void
keep(struct exports *x, const char *p, size_t n)
{
	size_t cap;
	char *nb;

	if (x->over || x->len + n > EXPORTS_TOTAL_MAX) {
		x->over = 1;
		return;
	}
	if (x->len + n + 1 > x->cap) {
		for (cap = x->cap > 0 ? x->cap : 1024; cap < x->len + n + 1;)
			cap *= 2;
		/* Without memory for it, it is refused as too much. */
		if ((nb = realloc(x->buf, cap)) == NULL) {
			x->over = 1;
			return;
		}
		x->buf = nb;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
}

/*
 * Reads what is in the pipe now, without waiting: the hook never blocks on
 * a full pipe, whatever it writes. 1 at EOF or on an error (hookrun keeps
 * a write end itself until the attempt is over: the hook's exit is no
 * hang-up to wake up for).
 */
static int
drain(struct exports *x)
{
	char chunk[READ_CHUNK];
	ssize_t n;

	for (;;) {
		if ((n = pipe_read_nowait(x->rfd, &x->nonblock, chunk, sizeof(chunk))) > 0)
			keep(x, chunk, (size_t)n);
		else if (n == 0)
			return 1;
		else if (errno != EINTR)
			return errno != EAGAIN;
	}
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct exports *x = w->data;

	(void)revents;
	if (drain(x))
		ev_io_stop(loop, w);
}

void
exports_start(struct ev_loop *loop, struct exports *x)
{
	ev_io_init(&x->io, io_cb, x->rfd, EV_READ);
	x->io.data = x;
	ev_io_start(loop, &x->io);
}

int
exports_pollfd(const struct exports *x, struct pollfd *p)
{
	if (!x->open)
		return 0;
	p->fd = x->rfd;
	p->events = POLLIN;
	p->revents = 0;
	return 1;
}

void
exports_take(struct exports *x, const struct pollfd *look, int nlook)
{
	if (!x->open || x->taken)
		return;
	x->taken = 1;
	if (!pipe_looked_empty(x->rfd, look, nlook))
		drain(x);
}

static void
channel_close(struct ev_loop *loop, struct exports *x)
{
	ev_io_stop(loop, &x->io);
	pipe_close_later(x->closing, x->wfd);
	pipe_close_later(x->closing, x->rfd);
	x->rfd = x->wfd = -1;
	x->open = 0;
	x->taken = 0;
}

/* Control characters of a hook's bytes, shown as '?' in a message. */
static void
printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Why h may not hand on key, or NULL when it may. */
static const char *
refused(const struct hook *h, const char *key, size_t klen, char *buf,
    size_t len)
{
	size_t i;

	if (parse_env_reserved(key, klen))
		return "hookrun sets it itself";
	if (h->exports != NULL) {
		for (i = 0; i < h->nexports; i++)
			if (strlen(h->exports[i]) == klen &&
			    memcmp(h->exports[i], key, klen) == 0)
				return NULL;
		return "not listed in its exports =";
	}
	if (h->proc.user != NULL && h->proc.uid != trust_euid()) {
		snprintf(buf, len, "it runs as user %s: only keys listed in "
		    "exports = are handed on", h->proc.user);
		return buf;
	}
	if (klen >= 3 && memcmp(key, "LD_", 3) == 0)
		return "LD_* is handed on only when listed in exports =";
	return NULL;
}

/*
 * The lines of x->buf (cut in place) that h may hand on, in *ok (a
 * NULL-terminated vector of pointers into x->buf); each other line is
 * reported. -1 on ENOMEM.
 */
static int
accepted(struct exports *x, const struct hook *h, char ***ok)
{
	const char *ph = phase_name(h->phase), *why;
	char *p = x->buf, *end = x->buf + x->len, *nl, *kv, msg[256],
	    buf[320];
	size_t n = 1, len, eq;
	int lineno = 0;

	for (p = x->buf; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		n++;
	if ((*ok = calloc(n + 1, sizeof(**ok))) == NULL)
		return -1;
	n = 0;
	p = x->buf;
	for (; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;	/* a last line without its newline */
		*nl = '\0';
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			p[--len] = '\0';
		if (memchr(p, '\0', len) != NULL) {
			log_event(LOG_WARN, ph, h->name, "exports_refused", -1,
			    -1, "HOOKRUN_ENV_FILE line %d: a NUL byte in the "
			    "line: ignored", lineno);
			continue;
		}
		switch (parse_env_line(p, &eq, msg, sizeof(msg))) {
		case 0:
			continue;
		case -1:
			printable(msg);
			log_event(LOG_WARN, ph, h->name, "exports_refused", -1,
			    -1, "HOOKRUN_ENV_FILE line %d: %s: ignored", lineno,
			    msg);
			continue;
		}
		kv = p + parse_env_key(p);
		eq -= (size_t)(kv - p);
		if ((why = refused(h, kv, eq, buf, sizeof(buf))) != NULL)
			log_event(LOG_WARN, ph, h->name, "exports_refused", -1,
			    -1, "HOOKRUN_ENV_FILE line %d: %.*s not exported: %s",
			    lineno, (int)eq, kv, why);
		else if (strlen(kv) > EXPORTS_VALUE_MAX)
			log_event(LOG_ERR, ph, h->name, "exports_refused", -1,
			    -1, "HOOKRUN_ENV_FILE line %d: %.*s not exported: "
			    "%zu bytes, more than %d", lineno, (int)eq, kv,
			    strlen(kv), EXPORTS_VALUE_MAX);
		else
			(*ok)[n++] = kv;
	}
	(*ok)[n] = NULL;
	return 0;
}

/* Sets the accepted lines in rt->exports, unless all would be too many. */
static void
apply(struct runtime *rt, const struct hook *h, char **ok)
{
	char **merged;
	size_t bytes;

	if (ok[0] == NULL)
		return;
	if ((merged = env_merge(rt->exports, ok, &bytes)) == NULL) {
		log_event(LOG_ERR, phase_name(h->phase), h->name, "exports_error",
		    -1, -1, "HOOKRUN_ENV_FILE: %s: none exported",
		    strerror(ENOMEM));
		return;
	}
	if (bytes > EXPORTS_TOTAL_MAX) {
		log_event(LOG_ERR, phase_name(h->phase), h->name, "exports_refused",
		    -1, -1, "HOOKRUN_ENV_FILE: the exports would come to %zu "
		    "bytes, more than %d: none of this hook's exported", bytes,
		    EXPORTS_TOTAL_MAX);
		env_free(merged);
		return;
	}
	env_free(rt->exports);
	rt->exports = merged;
}

void
exports_collect(struct runtime *rt, struct exports *x, const struct hook *h,
    int ok)
{
	char **lines = NULL;

	if (!x->open)
		return;
	if (!x->taken)
		drain(x);
	channel_close(rt->loop, x);
	if (!ok || x->len == 0)
		;
	else if (x->over)
		log_event(LOG_ERR, phase_name(h->phase), h->name, "exports_refused",
		    -1, -1, "HOOKRUN_ENV_FILE: more than %d bytes written: none "
		    "of this hook's exported", EXPORTS_TOTAL_MAX);
	else if (accepted(x, h, &lines) == -1)
		log_event(LOG_ERR, phase_name(h->phase), h->name, "exports_error",
		    -1, -1, "HOOKRUN_ENV_FILE: %s: none exported",
		    strerror(ENOMEM));
	else
		apply(rt, h, lines);
	free(lines);
	free(x->buf);
	x->buf = NULL;
	x->len = x->cap = 0;
	x->over = 0;
}

void
exports_free(struct runtime *rt)
{
	env_free(rt->exports);
	rt->exports = NULL;
}
