/* output.h: a hook's stdout and stderr, through pipes, to hookrun's own, each line prefixed. */
#ifndef HOOKRUN_OUTPUT_H
#define HOOKRUN_OUTPUT_H

#include <ev.h>
#include <stddef.h>

struct output;

struct output_stream {
	struct output	*out;
	ev_io		 io;
	int		 fd;		/* read end; -1 when closed */
	int		 wfd;		/* the hook's end, kept until output_finish */
	int		 dest;		/* STDOUT_FILENO or STDERR_FILENO */
	char		*buf;		/* the partial line read so far */
	size_t		 len;
	int		 midline;	/* a too long line was cut: no prefix next */
	int		 nonblock;	/* O_NONBLOCK set (no RWF_NOWAIT here) */
};

struct output {
	char			 prefix[256];
	size_t			 prefixlen;
	struct output_stream	 s[2];
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
/*
 * The hook has exited: reads what is left in the pipes without waiting for
 * EOF (a background child may hold them open), writes a last partial line
 * with a newline, closes both ends and frees everything.
 */
void	 output_finish(struct ev_loop *loop, struct output *o);

/* Returns the buffers kept between hooks (call when no hook runs for a while). */
void	 output_trim(void);

#endif
