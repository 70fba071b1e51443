/* output.c: hook output: pipes read through ev_io, written as "[PHASE:NAME] line" to the same stream. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "output.h"

/* One pipe's worth: lines longer than this are cut, never lost. */
#define OUTPUT_BUF	(64 * 1024)
#define OUTPUT_CACHE	4

/*
 * Buffers are mapped, not malloc'd, so that they leave no dirty heap behind,
 * and kept between hooks until output_trim, so that a phase of many hooks
 * maps them once.
 */
static char	*cache[OUTPUT_CACHE];
static int	 ncache;
static char	*wbuf;		/* prefixed lines on their way out */
static size_t	 wlen;

static char *
buf_get(void)
{
	char *p;

	if (ncache > 0)
		return cache[--ncache];
	p = mmap(NULL, OUTPUT_BUF, PROT_READ | PROT_WRITE,
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
		munmap(p, OUTPUT_BUF);
}

void
output_trim(void)
{
	while (ncache > 0)
		munmap(cache[--ncache], OUTPUT_BUF);
	if (wbuf != NULL && wlen == 0) {
		munmap(wbuf, OUTPUT_BUF);
		wbuf = NULL;
	}
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				poll(&pfd, 1, -1);
				continue;
			}
			return;	/* EPIPE and the like: the output is gone */
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
wflush(int dest)
{
	write_all(dest, wbuf, wlen);
	wlen = 0;
}

/* Copies into one buffer: one write per 64 KiB, not one per line. */
static void
wadd(int dest, const char *p, size_t len)
{
	size_t n;

	while (len > 0) {
		if (wlen == OUTPUT_BUF)
			wflush(dest);
		n = OUTPUT_BUF - wlen < len ? OUTPUT_BUF - wlen : len;
		memcpy(wbuf + wlen, p, n);
		wlen += n;
		p += n;
		len -= n;
	}
}

/*
 * Writes the complete lines of s->buf, each with the prefix, and keeps the
 * partial one. With last, the partial line goes out too, ending in a newline.
 */
static void
stream_emit(struct output_stream *s, int last)
{
	struct output *o = s->out;
	char *p = s->buf, *end = s->buf + s->len, *nl;
	int d = s->dest;

	if (wbuf == NULL && (wbuf = buf_get()) == NULL)
		return;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (!s->midline)
			wadd(d, o->prefix, o->prefixlen);
		wadd(d, p, (size_t)(nl - p) + 1);
		s->midline = 0;
		p = nl + 1;
	}
	if (p < end && (last || (p == s->buf && s->len == OUTPUT_BUF))) {
		if (!s->midline)
			wadd(d, o->prefix, o->prefixlen);
		wadd(d, p, (size_t)(end - p));
		if (last)
			wadd(d, "\n", 1);
		s->midline = !last;
		p = end;
	} else if (last && s->midline) {
		wadd(d, "\n", 1);
		s->midline = 0;
	}
	wflush(d);
	s->len = (size_t)(end - p);
	if (s->len > 0 && p != s->buf)
		memmove(s->buf, p, s->len);
}

static void
stream_close(struct ev_loop *loop, struct output_stream *s)
{
	if (s->fd < 0)
		return;
	ev_io_stop(loop, &s->io);
	close(s->fd);
	s->fd = -1;
}

/* Reads until the pipe is empty; returns 1 at EOF. */
static int
stream_read(struct output_stream *s)
{
	ssize_t n;

	for (;;) {
		n = read(s->fd, s->buf + s->len, OUTPUT_BUF - s->len);
		if (n > 0) {
			s->len += (size_t)n;
			stream_emit(s, 0);
			continue;
		}
		if (n == 0)
			return 1;
		if (errno == EINTR)
			continue;
		return errno != EAGAIN;
	}
}

static void
stream_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct output_stream *s = w->data;

	(void)revents;
	if (stream_read(s)) {
		stream_emit(s, 1);
		stream_close(loop, s);
	}
}

int
output_open(struct output *o, const char *phase, const char *hook,
    int child_fds[2])
{
	int fds[2], i, saved;

	memset(o, 0, sizeof(*o));
	snprintf(o->prefix, sizeof(o->prefix), "[%s:%s] ", phase, hook);
	o->prefixlen = strlen(o->prefix);
	o->s[0].fd = o->s[1].fd = -1;
	child_fds[0] = child_fds[1] = -1;
	for (i = 0; i < 2; i++) {
		struct output_stream *s = &o->s[i];

		s->out = o;
		s->dest = i == 0 ? STDOUT_FILENO : STDERR_FILENO;
		if ((s->buf = buf_get()) == NULL || pipe2(fds, O_CLOEXEC) == -1)
			goto fail;
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
		s->fd = fds[0];
		child_fds[i] = fds[1];
	}
	return 0;
fail:
	saved = errno;
	for (i = 0; i < 2; i++) {
		if (o->s[i].fd >= 0)
			close(o->s[i].fd);
		if (child_fds[i] >= 0)
			close(child_fds[i]);
		buf_put(o->s[i].buf);
		o->s[i].buf = NULL;
	}
	errno = saved;
	return -1;
}

void
output_start(struct ev_loop *loop, struct output *o)
{
	int i;

	for (i = 0; i < 2; i++) {
		ev_io_init(&o->s[i].io, stream_cb, o->s[i].fd, EV_READ);
		o->s[i].io.data = &o->s[i];
		ev_io_start(loop, &o->s[i].io);
	}
}

void
output_finish(struct ev_loop *loop, struct output *o)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct output_stream *s = &o->s[i];

		if (s->fd >= 0) {
			stream_read(s);
			stream_emit(s, 1);
			stream_close(loop, s);
		}
		buf_put(s->buf);
		s->buf = NULL;
	}
}
