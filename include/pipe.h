/* pipe.h: reading a child's pipe without waiting, though it is left blocking. */
#ifndef HOOKRUN_PIPE_H
#define HOOKRUN_PIPE_H

#include <sys/types.h>

/*
 * read(2) of the pipe fd that never waits (-1 with EAGAIN when it would):
 * RWF_NOWAIT, so that no fcntl is needed per pipe; where the kernel
 * refuses it, O_NONBLOCK is set on fd once (*nonblock records it).
 */
ssize_t	 pipe_read_nowait(int fd, int *nonblock, char *p, size_t len);

#endif
