/* pipe.h: a child's pipes: read without waiting (though left blocking), closed together. */
#ifndef HOOKRUN_PIPE_H
#define HOOKRUN_PIPE_H

#include <poll.h>

#include <sys/types.h>

/*
 * read(2) of the pipe fd that never waits (-1 with EAGAIN when it would):
 * RWF_NOWAIT, so that no fcntl is needed per pipe; where the kernel
 * refuses it, O_NONBLOCK is set on fd once (*nonblock records it).
 */
ssize_t	 pipe_read_nowait(int fd, int *nonblock, char *p, size_t len);

/*
 * Whether poll's look (nlook entries) says fd has nothing to read; 0 when
 * fd was not looked at.
 */
int	 pipe_looked_empty(int fd, const struct pollfd *look, int nlook);

#define PIPE_CLOSING_MAX	8

/*
 * An attempt's descriptors, kept open until they are all done with and then
 * closed together: one close_range(2) for each run of consecutive numbers
 * among them (pipes made one after the other are one run), so that no
 * descriptor but these is ever closed. A descriptor in it is still open,
 * so no other can take its number meanwhile.
 */
struct pipe_closing {
	int	 fd[PIPE_CLOSING_MAX];
	int	 n;
};

/* Adds fd to c; with c NULL (or full), closes it now. */
void	 pipe_close_later(struct pipe_closing *c, int fd);
/* Closes every descriptor in c; c is empty again. */
void	 pipe_close_all(struct pipe_closing *c);

#endif
