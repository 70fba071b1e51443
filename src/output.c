/* output.c: hook output: pipes read through ev_io, written as "[PHASE:NAME] line" to the same */
/* stream through sink.c: a slow reader of hookrun's output holds up the hook, never the loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "pipe.h"

/* One pipe's worth read: lines longer than this are cut, never lost. */
#define OUTPUT_BUF	(64 * 1024)
/* One write's worth: a whole OUTPUT_BUF line and its prefix fit. */
#define WBUF_SIZE	(OUTPUT_BUF + 4096)
#define OUTPUT_CACHE	4

/*
 * Buffers are mapped, not malloc'd, so that they leave no dirty heap behind,
 * and kept between hooks until output_trim, so that a phase of many hooks
 * maps them once.
 */
static char	*cache[OUTPUT_CACHE];
static int	 ncache;
static int	 merged = -1;	/* stdout and stderr are one file; -1: unknown */

static void	 stream_read(struct output_stream *);

/* Whether hookrun's stdout and stderr are the same file: they cannot change. */
static int
streams_merged(void)
{
	struct stat o, e;

	if (merged < 0)
		merged = fstat(STDOUT_FILENO, &o) == 0 &&
		    fstat(STDERR_FILENO, &e) == 0 && o.st_dev == e.st_dev &&
		    o.st_ino == e.st_ino;
	return merged;
}

static char *
buf_get(void)
{
	char *p;

	if (ncache > 0)
		return cache[--ncache];
	p = mmap(NULL, WBUF_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void
buf_put(char *p)
{
	if (p == NULL)
		return;
	if (ncache < OUTPUT_CACHE)
		cache[ncache++] = p;
	else
		munmap(p, WBUF_SIZE);
}

void
output_trim(void)
{
	while (ncache > 0)
		munmap(cache[--ncache], WBUF_SIZE);
	sink_trim();
}

static void
put(struct output_stream *s, const char *p, size_t n)
{
	memcpy(s->wbuf + s->wlen, p, n);
	s->wlen += n;
}

/*
 * Moves the complete lines of s->buf into s->wbuf, each with the prefix, as
 * far as they fit in room; a line that fills the whole buffer goes as it is
 * (the next part has no prefix), and at EOF the last partial line too,
 * ended with a newline. Returns 1 when what is ready did not all fit.
 */
static int
stream_emit(struct output_stream *s, size_t room)
{
	const struct output *o = s->out;
	char *p = s->buf, *end = s->buf + s->len, *nl;
	size_t line, pre;
	int last, full = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		last = nl == NULL && s->eof;
		if (nl != NULL)
			line = (size_t)(nl - p) + 1;
		else if (last || (p == s->buf && s->len == OUTPUT_BUF))
			line = (size_t)(end - p);
		else
			break;
		pre = s->midline ? 0 : o->prefixlen;
		if (s->wlen + pre + line + (size_t)last > room) {
			full = 1;
			break;
		}
		put(s, o->prefix, pre);
		put(s, p, line);
		if (last)
			put(s, "\n", 1);
		s->midline = nl == NULL && !last;
		p += line;
	}
	if (p == end && s->eof && s->midline) {
		if (s->wlen < room) {
			put(s, "\n", 1);	/* a cut line ended by EOF */
			s->midline = 0;
		} else
			full = 1;
	}
	s->len = (size_t)(end - p);
	if (s->len > 0 && p != s->buf)
		memmove(s->buf, p, s->len);
	return full;
}

/* Read but not yet handed on: a line, or the newline that ends a cut one. */
static int
stream_pending(const struct output_stream *s)
{
	return s->len > 0 || (s->eof && s->midline);
}

/*
 * Hands hookrun's output as many prefixed lines as it takes, one write per
 * buffer; waits for room for the rest. Reads on while buf has room.
 */
static void
stream_move(struct output_stream *s)
{
	size_t room;
	int full = 0;

	while (stream_pending(s)) {
		if ((room = sink_room(s->dest)) == 0) {
			full = 1;
			break;
		}
		full = stream_emit(s, room < WBUF_SIZE ? room : WBUF_SIZE);
		if (s->wlen == 0)
			break;
		sink_put(s->dest, s->wbuf, s->wlen);
		s->wlen = 0;
	}
	if (full)
		sink_wait(s->dest, &s->waiter);
	if (s->fd < 0)
		return;
	if (s->len < OUTPUT_BUF)
		ev_io_start(s->out->loop, &s->rio);
	else
		ev_io_stop(s->out->loop, &s->rio);
}

static void
stream_close(struct output_stream *s)
{
	if (s->fd < 0)
		return;
	ev_io_stop(s->out->loop, &s->rio);
	pipe_close_later(s->out->closing, s->fd);
	s->fd = -1;
	s->eof = 1;
}

static void
stream_close_wfd(struct output_stream *s)
{
	pipe_close_later(s->out->closing, s->wfd);
	s->wfd = -1;
}

static int
stream_done(const struct output_stream *s)
{
	return s->fd < 0 && !stream_pending(s);
}

static void
check_done(struct output *o)
{
	output_done_fn done = o->done;
	int i;

	if (!o->finishing || !stream_done(&o->s[0]) || !stream_done(&o->s[1]))
		return;
	for (i = 0; i < 2; i++) {
		sink_unwait(o->s[i].dest, &o->s[i].waiter);
		buf_put(o->s[i].buf);
		buf_put(o->s[i].wbuf);
		o->s[i].buf = o->s[i].wbuf = NULL;
	}
	o->finishing = 0;
	o->done = NULL;
	if (done != NULL)
		done(o, o->arg);
}

/*
 * Reads while buf has room (and, when finishing, what the pipe held);
 * closes the pipe at EOF, on an error, or once finishing has read it all.
 */
static void
stream_read(struct output_stream *s)
{
	size_t want;
	ssize_t n;

	while (s->fd >= 0 && s->len < OUTPUT_BUF) {
		want = OUTPUT_BUF - s->len;
		if (s->out->finishing) {
			if (s->left == 0) {
				stream_close(s);
				break;
			}
			if (want > s->left)
				want = s->left;
		}
		n = pipe_read_nowait(s->fd, &s->nonblock, s->buf + s->len,
		    want);
		if (n > 0) {
			s->len += (size_t)n;
			if (s->out->finishing)
				s->left -= (size_t)n;
			stream_move(s);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN || s->out->finishing)
			stream_close(s);
		break;
	}
	stream_move(s);
}

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct output_stream *s = w->data;

	(void)loop;
	(void)revents;
	stream_read(s);
	check_done(s->out);
}

/* hookrun's output has room again. */
static void
stream_resume(void *arg)
{
	struct output_stream *s = arg;

	stream_move(s);
	if (s->fd >= 0 && s->out->finishing)
		stream_read(s);
	check_done(s->out);
}

int
output_open(struct output *o, const char *phase, const char *hook,
    int child_fds[2])
{
	int fds[2], i, n, saved;

	memset(o, 0, sizeof(*o));
	snprintf(o->prefix, sizeof(o->prefix), "[%s:%s] ", phase, hook);
	o->prefixlen = strlen(o->prefix);
	n = streams_merged() ? 1 : 2;
	for (i = 0; i < 2; i++) {
		struct output_stream *s = &o->s[i];

		s->out = o;
		s->dest = i == 0 ? STDOUT_FILENO : STDERR_FILENO;
		s->fd = s->wfd = -1;
		s->waiter.fn = stream_resume;
		s->waiter.arg = s;
	}
	for (i = 0; i < n; i++) {
		struct output_stream *s = &o->s[i];

		if ((s->buf = buf_get()) == NULL || (s->wbuf = buf_get()) ==
		    NULL || pipe2(fds, O_CLOEXEC) == -1)
			goto fail;
		s->fd = fds[0];
		s->wfd = fds[1];
	}
	child_fds[0] = o->s[0].wfd;
	child_fds[1] = n == 1 ? o->s[0].wfd : o->s[1].wfd;
	return 0;
fail:
	saved = errno;
	for (i = 0; i < n; i++) {
		struct output_stream *s = &o->s[i];

		if (s->fd >= 0)
			close(s->fd);
		if (s->wfd >= 0)
			close(s->wfd);
		s->fd = s->wfd = -1;
		buf_put(s->buf);
		buf_put(s->wbuf);
		s->buf = s->wbuf = NULL;
	}
	errno = saved;
	return -1;
}

void
output_start(struct ev_loop *loop, struct output *o)
{
	int i;

	o->loop = loop;
	for (i = 0; i < 2; i++) {
		if (o->s[i].fd < 0)
			continue;
		ev_io_init(&o->s[i].rio, read_cb, o->s[i].fd, EV_READ);
		o->s[i].rio.data = &o->s[i];
		ev_io_start(loop, &o->s[i].rio);
	}
}

int
output_pollfds(const struct output *o, struct pollfd *p)
{
	int i, n = 0;

	for (i = 0; i < 2; i++)
		if (o->s[i].fd >= 0) {
			p[n].fd = o->s[i].fd;
			p[n].events = POLLIN;
			p[n++].revents = 0;
		}
	return n;
}

void
output_finish(struct output *o, const struct pollfd *look, int nlook,
    output_done_fn done, void *arg)
{
	int i, n;

	o->finishing = 1;
	o->done = done;
	o->arg = arg;
	for (i = 0; i < 2; i++) {
		struct output_stream *s = &o->s[i];

		stream_close_wfd(s);
		/* What the pipe holds now; a background child's later lines
		 * are not waited for. */
		if (s->fd >= 0 && !pipe_looked_empty(s->fd, look, nlook) &&
		    ioctl(s->fd, FIONREAD, &n) == 0 && n > 0)
			s->left = (size_t)n;
		else
			s->left = 0;
		stream_read(s);
	}
	check_done(o);
}

void
output_close(struct output *o)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct output_stream *s = &o->s[i];

		if (s->out == NULL)
			continue;
		stream_close_wfd(s);
		if (o->loop != NULL) {
			stream_close(s);
			stream_move(s);
			sink_unwait(s->dest, &s->waiter);
		} else if (s->fd >= 0) {
			pipe_close_later(o->closing, s->fd);
			s->fd = -1;
		}
		buf_put(s->buf);
		buf_put(s->wbuf);
		s->buf = s->wbuf = NULL;
		s->len = s->wlen = 0;
		s->midline = 0;
		s->out = NULL;
	}
	o->finishing = 0;
	o->done = NULL;
}
