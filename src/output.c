/* output.c: hook output: pipes read through ev_io, written as "[PHASE:NAME] line" to the same stream. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
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
static int	 merged = -1;	/* stdout and stderr are one file; -1: unknown */
static int	 nowait = 1;	/* preadv2 takes RWF_NOWAIT on a pipe */

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

/*
 * One read that never waits, though the pipe is left blocking (no fcntl per
 * hook): RWF_NOWAIT, or, where the kernel refuses it, O_NONBLOCK after all.
 */
static ssize_t
read_nowait(struct output_stream *s, char *p, size_t len)
{
	struct iovec v = { p, len };
	ssize_t n;

	if (nowait) {
		n = preadv2(s->fd, &v, 1, -1, RWF_NOWAIT);
		if (n >= 0 || (errno != EOPNOTSUPP && errno != EINVAL &&
		    errno != ENOSYS))
			return n;
		nowait = 0;
	}
	if (!s->nonblock) {
		fcntl(s->fd, F_SETFL, O_NONBLOCK);
		s->nonblock = 1;
	}
	return read(s->fd, p, len);
}

/* Reads until the pipe is empty; returns 1 at EOF. */
static int
stream_read(struct output_stream *s)
{
	ssize_t n;

	for (;;) {
		n = read_nowait(s, s->buf + s->len, OUTPUT_BUF - s->len);
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
	int fds[2], i, n, saved;

	memset(o, 0, sizeof(*o));
	snprintf(o->prefix, sizeof(o->prefix), "[%s:%s] ", phase, hook);
	o->prefixlen = strlen(o->prefix);
	o->s[0].fd = o->s[1].fd = o->s[0].wfd = o->s[1].wfd = -1;
	n = streams_merged() ? 1 : 2;
	for (i = 0; i < n; i++) {
		struct output_stream *s = &o->s[i];

		s->out = o;
		s->dest = i == 0 ? STDOUT_FILENO : STDERR_FILENO;
		if ((s->buf = buf_get()) == NULL || pipe2(fds, O_CLOEXEC) == -1)
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
		if (o->s[i].fd >= 0)
			close(o->s[i].fd);
		if (o->s[i].wfd >= 0)
			close(o->s[i].wfd);
		o->s[i].fd = o->s[i].wfd = -1;
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
		if (o->s[i].fd < 0)
			continue;
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
		if (s->wfd >= 0)
			close(s->wfd);
		s->wfd = -1;
		buf_put(s->buf);
		s->buf = NULL;
	}
}
