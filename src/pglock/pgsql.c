/* pgsql.c: hookrun-pglock's SQL: the connection and its errors, the lock's holder, the once table. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgmsg.h"
#include "pgsql.h"

/* Creating the table is serialized too: concurrent CREATE TABLE IF NOT
 * EXISTS can fail on the catalog's unique indexes. */
#define TABLE_KEY	"hookrun-pglock:hookrun_once"

PGconn		*conn;
static int	 verbose;
static char	 last_notice[512];	/* the server's last word, such as why it hung up */

int64_t
pgsql_key_id(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return (int64_t)h;
}

/* A libpq message on one line. */
static const char *
pq_error(const PGresult *res)
{
	static char buf[1024];
	const char *m = res != NULL ? PQresultErrorMessage(res) :
	    PQerrorMessage(conn);
	size_t i, n = 0;

	for (i = 0; m[i] != '\0' && n + 3 < sizeof(buf); i++) {
		if (m[i] == '\n' && m[i + 1] != '\0') {
			buf[n++] = ';';
			buf[n++] = ' ';
		} else if (m[i] != '\n' && m[i] != '\t')
			buf[n++] = m[i];
	}
	buf[n] = '\0';
	return buf;
}

/* "HOST port PORT", or the socket, as libpq tried it. */
static const char *
server(void)
{
	static char buf[512];
	const char *host = PQhost(conn), *port = PQport(conn);

	if (port == NULL || *port == '\0')
		port = "5432";
	if (host == NULL || *host == '\0')
		host = "localhost";
	if (*host == '/')
		snprintf(buf, sizeof(buf), "socket %s/.s.PGSQL.%s", host, port);
	else
		snprintf(buf, sizeof(buf), "%s port %s", host, port);
	return buf;
}

void
pgsql_lost(void)
{
	pgmsg_die(EXIT_SERVER, "lost the connection to %s: %s%s%s", server(),
	    last_notice, last_notice[0] != '\0' ? "; " : "", pq_error(NULL));
}

static void
keep_notice(void *arg, const char *msg)
{
	size_t n;

	(void)arg;
	snprintf(last_notice, sizeof(last_notice), "%s", msg);
	if ((n = strlen(last_notice)) > 0 && last_notice[n - 1] == '\n')
		last_notice[n - 1] = '\0';
	if (verbose)
		pgmsg_say("%s", last_notice);
}

void
pgsql_fail(PGresult *res, const char *what)
{
	const char *m;

	if (PQstatus(conn) == CONNECTION_BAD) {
		PQclear(res);
		pgsql_lost();
	}
	m = pq_error(res);
	PQclear(res);
	pgmsg_die(EXIT_SERVER, "%s: %s", what, m);
}

PGresult *
pgsql_query(const char *sql, int nparams, const char *const *params,
    ExecStatusType want)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL,
	    NULL, 0);

	if (PQresultStatus(res) != want)
		pgsql_fail(res, sql);
	return res;
}

void
pgsql_command(const char *sql, int nparams, const char *const *params)
{
	PQclear(pgsql_query(sql, nparams, params, PGRES_COMMAND_OK));
}

void
pgsql_close(void)
{
	if (conn != NULL)
		PQfinish(conn);
	conn = NULL;
}

void
pgsql_connect(const char *dsn, int be_verbose)
{
	/* A dead peer is noticed within about 20s, even while idle. */
	static const char *const defaults[][2] = {
		{ "keepalives", "1" },
		{ "keepalives_idle", "10" },
		{ "keepalives_interval", "3" },
		{ "keepalives_count", "3" },
		{ "tcp_user_timeout", "20000" },
	};
	char app[64], host[40];
	const char *kw[12], *val[12];
	size_t i;
	int n = 0;

	if (gethostname(host, sizeof(host)) == -1)
		strcpy(host, "?");
	host[sizeof(host) - 1] = '\0';
	snprintf(app, sizeof(app), "hookrun-pglock %s %d", host, (int)getpid());
	/* Defaults first: the DSN, last, overrides them. */
	kw[n] = "fallback_application_name";
	val[n++] = app;
	if (getenv("PGCONNECT_TIMEOUT") == NULL) {
		kw[n] = "connect_timeout";
		val[n++] = "10";
	}
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		kw[n] = defaults[i][0];
		val[n++] = defaults[i][1];
	}
	if (dsn != NULL) {
		kw[n] = "dbname";
		val[n++] = dsn;
	}
	kw[n] = NULL;
	val[n] = NULL;
	verbose = be_verbose;
	atexit(pgsql_close);
	if ((conn = PQconnectdbParams(kw, val, 1)) == NULL)
		pgmsg_die(EXIT_SERVER, "cannot connect: %s", strerror(ENOMEM));
	if (PQstatus(conn) != CONNECTION_OK)
		pgmsg_die(EXIT_SERVER, "cannot connect to %s: %s", server(),
		    pq_error(NULL));
	PQsetNoticeProcessor(conn, keep_notice, NULL);
	if (verbose)
		pgmsg_say("connected to %s (backend pid %d)", server(),
		    PQbackendPID(conn));
	/* A backend waiting for the lock then notices that we are gone. */
	if (PQserverVersion(conn) >= 140000)
		pgsql_command("SET client_connection_check_interval = '2s'", 0,
		    NULL);
}

void
pgsql_cancel(void)
{
	PGcancel *c = PQgetCancel(conn);

	if (c != NULL) {
		char err[256];

		PQcancel(c, err, sizeof(err));
		PQfreeCancel(c);
	}
}

void
pgsql_say_holder(const char *key, const char *id_text)
{
	static const char sql[] =
	    "SELECT a.pid, coalesce(a.application_name, ''), "
	    "coalesce(host(a.client_addr), 'local'), "
	    "to_char(a.backend_start, 'YYYY-MM-DD\"T\"HH24:MI:SSOF') "
	    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
	    "WHERE l.locktype = 'advisory' AND l.granted "
	    "AND l.database = (SELECT oid FROM pg_database "
	    "WHERE datname = current_database()) "
	    "AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1";
	char hi[16], lo[16];
	const char *p[2] = { hi, lo };
	uint64_t id = (uint64_t)pgsql_key_id(key);
	PGresult *res;

	snprintf(hi, sizeof(hi), "%" PRIu32, (uint32_t)(id >> 32));
	snprintf(lo, sizeof(lo), "%" PRIu32, (uint32_t)id);
	res = pgsql_query(sql, 2, p, PGRES_TUPLES_OK);
	if (PQntuples(res) == 1)
		pgmsg_say("waiting for advisory lock %s (held by backend pid %s, "
		    "application '%s', client %s, connected since %s)",
		    id_text, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	else
		pgmsg_say("waiting for advisory lock %s (holder unknown)", id_text);
	PQclear(res);
}

/* Looked up first: an existing table needs no CREATE privilege. */
static void
table_ensure(void)
{
	char id[24];
	const char *p[1] = { id };
	PGresult *res;
	int exists;

	res = pgsql_query("SELECT to_regclass('hookrun_once') IS NOT NULL", 0,
	    NULL, PGRES_TUPLES_OK);
	exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (exists)
		return;
	snprintf(id, sizeof(id), "%" PRId64, pgsql_key_id(TABLE_KEY));
	pgsql_command("BEGIN", 0, NULL);
	PQclear(pgsql_query("SELECT pg_advisory_xact_lock($1::bigint)", 1, p,
	    PGRES_TUPLES_OK));
	pgsql_command("CREATE TABLE IF NOT EXISTS hookrun_once (lock_key text, "
	    "once_key text, done_at timestamptz, "
	    "PRIMARY KEY (lock_key, once_key))", 0, NULL);
	pgsql_command("COMMIT", 0, NULL);
}

int
pgsql_once_done(const char *key, const char *once)
{
	const char *p[2] = { key, once };
	PGresult *res;
	int done;

	table_ensure();
	res = pgsql_query("SELECT 1 FROM hookrun_once WHERE lock_key = $1 AND "
	    "once_key = $2", 2, p, PGRES_TUPLES_OK);
	done = PQntuples(res) > 0;
	PQclear(res);
	return done;
}

void
pgsql_once_record(const char *key, const char *once)
{
	const char *p[2] = { key, once };

	pgsql_command("BEGIN", 0, NULL);
	pgsql_command("INSERT INTO hookrun_once (lock_key, once_key, done_at) "
	    "VALUES ($1, $2, now()) ON CONFLICT DO NOTHING", 2, p);
	pgsql_command("COMMIT", 0, NULL);
	if (verbose)
		pgmsg_say("once key '%s' recorded", once);
}
