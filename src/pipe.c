/* pipe.c: reads a child's pipe without waiting: RWF_NOWAIT, or O_NONBLOCK where the kernel */
/* has no RWF_NOWAIT for pipes; either way the child's end stays blocking, as it expects. */
/* And closes an attempt's pipes together. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pipe.h"

static int	 nowait = 1;	/* preadv2 takes RWF_NOWAIT on a pipe */

ssize_t
pipe_read_nowait(int fd, int *nonblock, char *p, size_t len)
{
	struct iovec v = { p, len };
	ssize_t n;

	if (nowait) {
		n = preadv2(fd, &v, 1, -1, RWF_NOWAIT);
		if (n >= 0 || (errno != EOPNOTSUPP && errno != EINVAL &&
		    errno != ENOSYS))
			return n;
		nowait = 0;
	}
	if (!*nonblock) {
		fcntl(fd, F_SETFL, O_NONBLOCK);
		*nonblock = 1;
	}
	return read(fd, p, len);
}

void
pipe_close_later(struct pipe_closing *c, int fd)
{
	int i;

	if (fd < 0)
		return;
	for (i = 0; c != NULL && i < c->n; i++)
		if (c->fd[i] == fd)
			return;
	if (c == NULL || c->n == PIPE_CLOSING_MAX)
		close(fd);
	else
		c->fd[c->n++] = fd;
}

/* Closes lo..hi, all of them c's. */
static void
pipe_close_run(int lo, int hi)
{
	int fd;

	if (lo == hi || close_range((unsigned)lo, (unsigned)hi, 0) == -1)
		for (fd = lo; fd <= hi; fd++)
			close(fd);
}

void
pipe_close_all(struct pipe_closing *c)
{
	int i, j, fd, lo;

	/* In order (insertion: a handful), then each run of numbers at once. */
	for (i = 1; i < c->n; i++) {
		fd = c->fd[i];
		for (j = i; j > 0 && c->fd[j - 1] > fd; j--)
			c->fd[j] = c->fd[j - 1];
		c->fd[j] = fd;
	}
	for (i = 0; i < c->n; i = j) {
		lo = c->fd[i];
		for (j = i + 1; j < c->n && c->fd[j] == c->fd[j - 1] + 1; j++)
			;
		pipe_close_run(lo, c->fd[j - 1]);
	}
	c->n = 0;
}

int
pipe_looked_empty(int fd, const struct pollfd *look, int nlook)
{
	int i;

	for (i = 0; look != NULL && i < nlook; i++)
		if (look[i].fd == fd)
			return !(look[i].revents & (POLLIN | POLLHUP | POLLERR));
	return 0;
}
