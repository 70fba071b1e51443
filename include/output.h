/* output.h: a hook's stdout and stderr, through pipes, to hookrun's own, each line prefixed, never blocking. */
#ifndef HOOKRUN_OUTPUT_H
#define HOOKRUN_OUTPUT_H

#include <ev.h>
#include <poll.h>
#include <stddef.h>

#include "pipe.h"
#include "sink.h"

struct output;

typedef void (*output_done_fn)(struct output *, void *arg);

struct output_stream {
	struct output	*out;
	ev_io		 rio;		/* the pipe has something to read */
	struct sink_waiter waiter;	/* for room in hookrun's own output */
	int		 fd;		/* read end; -1 when closed */
	int		 wfd;		/* the hook's end, kept until output_finish */
	int		 dest;		/* STDOUT_FILENO or STDERR_FILENO */
	char		*buf;		/* read, not yet written: a partial line */
	size_t		 len;
	char		*wbuf;		/* prefixed lines, one write's worth */
	size_t		 wlen;
	int		 midline;	/* a too long line was cut: no prefix next */
	int		 eof;		/* nothing more to read: end the last line */
	size_t		 left;		/* finishing: what the pipe still holds */
	int		 nonblock;	/* O_NONBLOCK set (no RWF_NOWAIT here) */
};

struct output {
	struct ev_loop		*loop;
	char			 prefix[256];
	size_t			 prefixlen;
	struct output_stream	 s[2];
	struct pipe_closing	*closing;	/* its pipes close there; NULL: at once */
	int			 finishing;
	output_done_fn		 done;
	void			*arg;
};

/*
 * Makes the pipes of one hook run; child_fds[0] and [1] are the write ends
 * to give the child as 1 and 2. hookrun keeps its copies open until
 * output_finish: the hook's exit then is no hang-up to wake up for (its
 * SIGCHLD says it all), and output_finish takes what is left without
 * waiting for an end of file anyway. When hookrun's stdout and stderr are
 * the same file (a terminal, /dev/null, one journal stream), both are one
 * pipe, read as one stream: its lines keep the order the hook wrote them
 * in. Returns -1 with errno set.
 */
int	 output_open(struct output *o, const char *phase, const char *hook,
	    int child_fds[2]);
void	 output_start(struct ev_loop *loop, struct output *o);
/* Adds o's open read ends to p (events POLLIN); returns how many (0 to 2). */
int	 output_pollfds(const struct output *o, struct pollfd *p);
/*
 * The hook has exited: reads what its pipes hold now, but does not wait for
 * EOF (a background child may hold them open), ends a last partial line
 * with a newline, and calls done (possibly before returning) once every
 * byte is on its way (in hookrun's output queue, ahead of any message
 * logged after done); until then o must stay where it is. A slow reader of
 * hookrun's output delays done, never the event loop. look (nlook entries,
 * or NULL) is a poll(2) just made by the caller: a pipe it says is empty is
 * not read at all.
 */
void	 output_finish(struct output *o, const struct pollfd *look, int nlook,
	    output_done_fn done, void *arg);
/* Stops at once: what was read goes out, what was not is dropped; both ends close. */
void	 output_close(struct output *o);

/* Returns the buffers kept between hooks (call when no hook runs for a while). */
void	 output_trim(void);

#endif
