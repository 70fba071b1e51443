/* output.c: hook output: pipes read through ev_io, written as "[PHASE:NAME] line" to the same stream. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "output.h"

/* One pipe's worth: lines longer than this are cut, never lost. */
#define OUTPUT_BUF	(64 * 1024)
#define OUTPUT_IOV	256

struct batch {
	struct iovec	 iov[OUTPUT_IOV];
	int		 n;
	int		 dest;
};

static void
write_all(int fd, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		w = writev(fd, iov, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };

				poll(&p, 1, -1);
				continue;
			}
			return;	/* EPIPE and the like: the output is gone */
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

static void
batch_flush(struct batch *b)
{
	write_all(b->dest, b->iov, b->n);
	b->n = 0;
}

static void
batch_add(struct batch *b, const void *p, size_t len)
{
	if (len == 0)
		return;
	if (b->n == OUTPUT_IOV)
		batch_flush(b);
	b->iov[b->n].iov_base = (void *)p;
	b->iov[b->n].iov_len = len;
	b->n++;
}

/*
 * Writes the complete lines of s->buf, each with the prefix, and keeps the
 * partial one. With last, the partial line goes out too, ending in a newline.
 */
static void
stream_emit(struct output_stream *s, int last)
{
	struct output *o = s->out;
	struct batch b = { .n = 0, .dest = s->dest };
	char *p = s->buf, *end = s->buf + s->len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (!s->midline)
			batch_add(&b, o->prefix, o->prefixlen);
		batch_add(&b, p, (size_t)(nl - p) + 1);
		s->midline = 0;
		p = nl + 1;
	}
	if (p < end && (last || (p == s->buf && s->len == OUTPUT_BUF))) {
		if (!s->midline)
			batch_add(&b, o->prefix, o->prefixlen);
		batch_add(&b, p, (size_t)(end - p));
		if (last)
			batch_add(&b, "\n", 1);
		s->midline = !last;
		p = end;
	} else if (last && s->midline) {
		batch_add(&b, "\n", 1);
		s->midline = 0;
	}
	batch_flush(&b);
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
		s->buf = mmap(NULL, OUTPUT_BUF, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->buf == MAP_FAILED || pipe2(fds, O_CLOEXEC) == -1)
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
		if (o->s[i].buf != NULL && o->s[i].buf != MAP_FAILED)
			munmap(o->s[i].buf, OUTPUT_BUF);
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
		if (s->buf != NULL)
			munmap(s->buf, OUTPUT_BUF);
		s->buf = NULL;
	}
}
