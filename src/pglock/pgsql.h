/* pgsql.h: hookrun-pglock's SQL side: the connection, the lock's holder, the once table. */
#ifndef HOOKRUN_PGSQL_H
#define HOOKRUN_PGSQL_H

#include <stdint.h>

#include <libpq-fe.h>

/* The connection, once pgsql_connect has made it. */
extern PGconn	*conn;

/* FNV-1a, 64 bits, over the bytes of s, as a signed bigint. */
int64_t	 pgsql_key_id(const char *s);
/*
 * Connects (dsn NULL: the PG* variables only); dies with host and port.
 * The connection is closed at exit. verbose: say what it does.
 */
void	 pgsql_connect(const char *dsn, int verbose);
/* Closes the connection, which lets go of every lock it holds. */
void	 pgsql_close(void);
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
/* "waiting for advisory lock ID (held by ...)" for key's lock. */
void	 pgsql_say_holder(const char *key, const char *id);
/* Whether once is recorded for key (the table is made if missing). */
int	 pgsql_once_done(const char *key, const char *once);
/* Records once for key, in a transaction. */
void	 pgsql_once_record(const char *key, const char *once);

#endif
