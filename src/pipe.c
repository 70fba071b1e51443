/* pipe.c: reads a child's pipe without waiting: RWF_NOWAIT, or O_NONBLOCK where the kernel */
/* has no RWF_NOWAIT for pipes; either way the child's end stays blocking, as it expects. */
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
