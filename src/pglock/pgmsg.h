/* pgmsg.h: hookrun-pglock's messages on stderr, each naming the lock key, and its exit statuses. */
#ifndef HOOKRUN_PGMSG_H
#define HOOKRUN_PGMSG_H

/* Exit statuses (sysexits). */
#define EXIT_USAGE	64
#define EXIT_DATAERR	65	/* hookrun wrote something unexpected */
#define EXIT_SERVER	69	/* cannot connect, connection lost, a query failed */

/* The lock key messages name from now on. */
void	 pgmsg_key(const char *key);
/* "hookrun-pglock: KEY: message" on stderr. */
void	 pgmsg_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * pgmsg_say, then exit(status): the connection is closed at exit
 * (pgsql_connect sees to it), which lets go of the lock.
 */
void	 pgmsg_die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
