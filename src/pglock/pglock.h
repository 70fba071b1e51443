/* pglock.h: what hookrun-pglock's two files share: the lock's names, messages, the SQL side. */
#ifndef HOOKRUN_PGLOCK_H
#define HOOKRUN_PGLOCK_H

#include <stdint.h>

#include <libpq-fe.h>

/* Exit statuses (sysexits). */
#define EXIT_USAGE	64
#define EXIT_DATAERR	65	/* hookrun wrote something unexpected */
#define EXIT_SERVER	69	/* cannot connect, connection lost, a query failed */

extern const char	*lock_key;	/* HOOKRUN_LOCK_KEY or --key */
extern const char	*once_key;	/* HOOKRUN_ONCE; NULL when unset or empty */
extern char		 lock_id[24];	/* the advisory lock's bigint, in decimal */
extern int		 verbose;
extern PGconn		*conn;

/* "hookrun-pglock: KEY: message" on stderr. */
void	 say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* say, close the connection (which lets go of the lock) and exit. */
void	 die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* pgsql.c */
/* FNV-1a, 64 bits, over the bytes of s, as a signed bigint. */
int64_t	 pgsql_key_id(const char *s);
/* Connects (dsn NULL: the PG* variables only); dies with host and port. */
void	 pgsql_connect(const char *dsn);
/* Dies: the connection is gone. */
void	 pgsql_lost(void) __attribute__((noreturn));
/* Dies of a failed statement: the server's reason, or the lost connection. */
void	 pgsql_fail(PGresult *res, const char *what) __attribute__((noreturn));
/* Runs one short statement; its result, or death with the server's reason. */
PGresult *pgsql_query(const char *sql, int nparams, const char *const *params,
	    ExecStatusType want);
void	 pgsql_command(const char *sql, int nparams, const char *const *params);
/* Asks the server to cancel the statement in flight. */
void	 pgsql_cancel(void);
/* "waiting for advisory lock N (held by ...)". */
void	 pgsql_say_holder(void);
/* Whether once_key is recorded for lock_key (the table is made if missing). */
int	 pgsql_once_done(void);
/* Records once_key for lock_key, in a transaction. */
void	 pgsql_once_record(void);

#endif
