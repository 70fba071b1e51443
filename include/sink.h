/* sink.h: hookrun's own stdout and stderr, each an ordered queue written without blocking the loop. */
#ifndef HOOKRUN_SINK_H
#define HOOKRUN_SINK_H

#include <ev.h>
#include <stddef.h>

/* Bytes a sink queues for a reader that is slow; a part is kept for messages. */
#define SINK_QUEUE	(128 * 1024)
#define SINK_RESERVE	(16 * 1024)

/* Someone waiting for room in a sink (a hook's output stream). */
struct sink_waiter {
	struct sink_waiter	*next;
	void			(*fn)(void *arg);
	void			*arg;
	int			 waiting;
};

/*
 * From now on, writes that would wait for the reader are queued and
 * finished from loop. Before (and after sink_stop) they simply block.
 */
void	 sink_start(struct ev_loop *loop);

/*
 * Writes hookrun's queued output with at most timeout_ms of waiting in all,
 * then drops what is left; later writes block again.
 */
void	 sink_stop(int timeout_ms);

/* How many bytes of hook output dest (1 or 2) takes now. */
size_t	 sink_room(int dest);
/* Writes (or queues) n bytes of hook output; n is at most sink_room(dest). */
void	 sink_put(int dest, const char *p, size_t n);
/*
 * One of hookrun's own messages. Between sink_start and sink_stop it is
 * staged, and the staged messages are written in one go, before the loop
 * next waits (a prepare watcher, active only while one is staged), before
 * any hook output on either stream, when PIPE_BUF bytes are staged, at
 * sink_stop, and at exit(). With no room left, the message is dropped and
 * counted, and dropped(count) runs once there is room again (it may write a
 * message of its own).
 */
void	 sink_message(int dest, const char *p, size_t n);
void	 sink_on_dropped(void (*dropped)(unsigned long count));
/*
 * Writes the staged messages now, as far as the reader takes them (the rest
 * is queued): for a wait that is not the loop's (signals.c's blocking read).
 * Never from a child that shares hookrun's memory.
 */
void	 sink_flush(void);

/* Calls w->fn once dest has more room. */
void	 sink_wait(int dest, struct sink_waiter *w);
void	 sink_unwait(int dest, struct sink_waiter *w);

/* Returns the queues' memory while they are empty. */
void	 sink_trim(void);

#endif
