/* sink.c: hookrun's own stdout and stderr: each an ordered queue of bytes, written without */
/* blocking the loop. Hook output and hookrun's messages go through it, so a slow reader */
/* holds up hook output, never timers, signals or the app's supervision. Messages are */
/* staged and written together, before hookrun next waits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sink.h"

/*
 * O_NONBLOCK cannot be set on the descriptors hookrun was given: the open
 * file description is shared with the app and the launcher. A pipe or a
 * terminal is opened again through /proc/self/fd, as a description of
 * hookrun's own; a socket takes MSG_DONTWAIT; a file never makes a writer
 * wait for a reader. Failing all that, a write waits for poll to say there
 * is room, and is no larger than PIPE_BUF.
 */
enum sink_kind { SINK_FILE, SINK_OWN, SINK_SOCKET, SINK_POLL };

struct sink {
	int			 open;
	enum sink_kind		 kind;
	int			 fd;
	char			*q;		/* SINK_QUEUE bytes, mapped when needed */
	size_t			 off;		/* written so far */
	size_t			 len;		/* queued, written included */
	ev_io			 wio;
	unsigned long		 dropped;	/* messages with no room */
	struct sink_waiter	*waiters;
};

static struct sink	 sinks[2];
static struct sink	*by_dest[3];	/* stderr's may be stdout's: one order */
static struct ev_loop	*sink_loop;
static void		(*on_dropped)(unsigned long);
static ev_prepare	 flusher;	/* active only while a message is staged */
static int		 exit_hooked;

/*
 * Messages staged for one sink, PIPE_BUF at most: a write of that size to
 * a pipe is never split, so the app's own lines to the same pipe cannot
 * cut a message. Not a page of its own: aligned, it cost two half-empty
 * pages of small variables around it, more than it gave back when trimmed
 * (the queue is mapped only for a reader that is slow).
 */
static char		 stage_buf[PIPE_BUF];
static size_t		 stage_len;
static struct sink	*stage_sink;

static void	 wio_cb(struct ev_loop *, ev_io *, int);

static void
sink_open(struct sink *k, int dest, const struct stat *st, int known)
{
	char path[32];
	int fd;

	k->open = 1;
	k->kind = SINK_FILE;
	k->fd = dest;
	ev_io_init(&k->wio, wio_cb, dest, EV_WRITE);
	k->wio.data = k;
	if (!known || S_ISREG(st->st_mode) || S_ISBLK(st->st_mode))
		return;
	if (S_ISSOCK(st->st_mode)) {
		k->kind = SINK_SOCKET;
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dest);
	if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1) {
		k->kind = SINK_POLL;
		return;
	}
	k->kind = SINK_OWN;
	k->fd = fd;
	ev_io_set(&k->wio, fd, EV_WRITE);
}

/* The sink of dest (1 or 2), opened the first time it is asked for. */
static struct sink *
sink_of(int dest)
{
	struct stat st1, st2;
	int k1, k2;

	if (by_dest[dest] != NULL)
		return by_dest[dest];
	k1 = fstat(STDOUT_FILENO, &st1) == 0;
	k2 = fstat(STDERR_FILENO, &st2) == 0;
	by_dest[1] = &sinks[0];
	/* One pipe or terminal for both (2>&1): one queue keeps their order. */
	by_dest[2] = k1 && k2 && !S_ISREG(st1.st_mode) &&
	    st1.st_dev == st2.st_dev && st1.st_ino == st2.st_ino ?
	    &sinks[0] : &sinks[1];
	sink_open(&sinks[0], STDOUT_FILENO, &st1, k1);
	if (by_dest[2] != by_dest[1])
		sink_open(&sinks[1], STDERR_FILENO, &st2, k2);
	return by_dest[dest];
}

/* As write(2), but -1 with EAGAIN where a write would wait for the reader. */
static ssize_t
sink_write1(struct sink *k, const char *p, size_t n)
{
	struct pollfd pfd = { .fd = k->fd, .events = POLLOUT };

	switch (k->kind) {
	case SINK_SOCKET:
		return send(k->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	case SINK_POLL:
		if (poll(&pfd, 1, 0) == 0) {
			errno = EAGAIN;
			return -1;
		}
		if (n > PIPE_BUF)
			n = PIPE_BUF;
		break;
	default:
		break;
	}
	return write(k->fd, p, n);
}

/*
 * Writes p until done or the reader is slow; returns how much it took
 * (all of it when the output is gone: EPIPE and the like drop it).
 */
static size_t
write_some(struct sink *k, const char *p, size_t n)
{
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		w = sink_write1(k, p + done, n - done);
		if (w > 0)
			done += (size_t)w;
		else if (w == -1 && errno == EINTR)
			continue;
		else if (w == -1 && errno == EAGAIN)
			break;
		else
			return n;
	}
	return done;
}

/* Waits up to ms for the reader; 0 when it has room. */
static int
wait_room(struct sink *k, int ms)
{
	struct pollfd pfd = { .fd = k->fd, .events = POLLOUT };

	return poll(&pfd, 1, ms) > 0 ? 0 : -1;
}

static int
queue(struct sink *k, const char *p, size_t n)
{
	if (k->q == NULL) {
		k->q = mmap(NULL, SINK_QUEUE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (k->q == MAP_FAILED) {
			k->q = NULL;
			return -1;
		}
	}
	if (k->off > 0) {
		k->len -= k->off;
		memmove(k->q, k->q + k->off, k->len);
		k->off = 0;
	}
	if (k->len + n > SINK_QUEUE)
		return -1;
	memcpy(k->q + k->len, p, n);
	k->len += n;
	ev_io_start(sink_loop, &k->wio);
	return 0;
}

/* Out now if nothing waits before it, else after what waits. */
static int
sink_write(struct sink *k, const char *p, size_t n)
{
	size_t done = 0;

	if (sink_loop == NULL) {
		while ((done += write_some(k, p + done, n - done)) < n)
			(void)wait_room(k, -1);
		return 0;
	}
	if (k->len == 0)
		done = write_some(k, p, n);
	return done == n ? 0 : queue(k, p + done, n - done);
}

static void
wake(struct sink *k)
{
	struct sink_waiter *w = k->waiters, *next;

	k->waiters = NULL;
	for (; w != NULL; w = next) {
		next = w->next;
		w->waiting = 0;
		w->fn(w->arg);
	}
}

static void
wio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sink *k = w->data;
	unsigned long n;

	(void)revents;
	k->off += write_some(k, k->q + k->off, k->len - k->off);
	if (k->off == k->len) {
		k->off = k->len = 0;
		ev_io_stop(loop, w);
		if ((n = k->dropped) > 0 && on_dropped != NULL) {
			k->dropped = 0;
			on_dropped(n);
		}
	}
	wake(k);
}

void
sink_flush(void)
{
	struct sink *k = stage_sink;
	const char *p;

	if (sink_loop != NULL && ev_is_active(&flusher))
		ev_prepare_stop(sink_loop, &flusher);
	if (stage_len == 0)
		return;
	/* Out now, or queued after what waits for a slow reader. */
	if (sink_write(k, stage_buf, stage_len) == -1)
		for (p = stage_buf; p < stage_buf + stage_len; p++)
			k->dropped += *p == '\n';	/* each ends one */
	stage_len = 0;
}

static void
flusher_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	sink_flush();
}

void
sink_start(struct ev_loop *loop)
{
	sink_loop = loop;
	ev_prepare_init(&flusher, flusher_cb);
	if (!exit_hooked)
		/* An exit() from a callback: what is staged goes out first. */
		exit_hooked = atexit(sink_flush) == 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sink_stop(int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms, left;
	int i;

	sink_flush();
	for (i = 0; i < 2; i++) {
		struct sink *k = &sinks[i];

		while (k->off < k->len && (left = end - now_ms()) > 0 &&
		    wait_room(k, (int)left) == 0)
			k->off += write_some(k, k->q + k->off, k->len - k->off);
		if (sink_loop != NULL && k->open)
			ev_io_stop(sink_loop, &k->wio);
		k->off = k->len = 0;
		k->waiters = NULL;
	}
	/* hookrun exits next: its memory goes with it, no trim. */
	sink_loop = NULL;
}

size_t
sink_room(int dest)
{
	struct sink *k = sink_of(dest);
	size_t used = k->len - k->off;

	if (sink_loop == NULL)
		return SINK_QUEUE;
	return used + SINK_RESERVE >= SINK_QUEUE ? 0 :
	    SINK_QUEUE - SINK_RESERVE - used;
}

void
sink_put(int dest, const char *p, size_t n)
{
	struct sink *k = sink_of(dest);

	/* The messages staged so far come first, on either stream. */
	sink_flush();
	(void)sink_write(k, p, n);
}

static int
stage(struct sink *k, const char *p, size_t n)
{
	if (stage_len > 0 && (stage_sink != k || stage_len + n > PIPE_BUF))
		sink_flush();
	if (n > PIPE_BUF)	/* too long to stage: after what was */
		return sink_write(k, p, n);
	memcpy(stage_buf + stage_len, p, n);
	stage_len += n;
	stage_sink = k;
	if (!ev_is_active(&flusher))
		ev_prepare_start(sink_loop, &flusher);
	return 0;
}

void
sink_message(int dest, const char *p, size_t n)
{
	struct sink *k = sink_of(dest);

	if (k->dropped > 0 || (sink_loop != NULL ? stage(k, p, n) :
	    sink_write(k, p, n)) == -1)
		k->dropped++;
}

void
sink_on_dropped(void (*fn)(unsigned long))
{
	on_dropped = fn;
}

void
sink_wait(int dest, struct sink_waiter *w)
{
	struct sink *k = sink_of(dest);

	if (w->waiting)
		return;
	w->waiting = 1;
	w->next = k->waiters;
	k->waiters = w;
	/* Nothing queued, so nothing to wait for: try again from the loop. */
	if (k->len == 0 && sink_loop != NULL)
		ev_io_start(sink_loop, &k->wio);
}

void
sink_unwait(int dest, struct sink_waiter *w)
{
	struct sink_waiter **pp;

	if (!w->waiting)
		return;
	for (pp = &sink_of(dest)->waiters; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->waiting = 0;
}

void
sink_trim(void)
{
	int i;

	for (i = 0; i < 2; i++)
		if (sinks[i].q != NULL && sinks[i].len == 0) {
			munmap(sinks[i].q, SINK_QUEUE);
			sinks[i].q = NULL;
		}
}
