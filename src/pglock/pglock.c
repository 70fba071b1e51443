/* pglock.c: hookrun-pglock, a lock = exec: command on a PostgreSQL advisory lock: options and the line protocol. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgmsg.h"
#include "pgsql.h"

#ifndef HOOKRUN_VERSION
#define HOOKRUN_VERSION "unknown"
#endif

/*
 * hookrun starts it with HOOKRUN_LOCK_KEY (and HOOKRUN_ONCE); it answers
 * "locked" or "done" on stdout once it holds the lock, then waits for
 * "success" or "failure" (or EOF) on stdin, records the once key on
 * success, lets go and exits 0. While it waits it watches both stdin and
 * the server: a lost connection is a lost lock, and it exits non-zero at
 * once, which tells hookrun to stop the hook.
 */

static const char usage_text[] =
"usage: hookrun-pglock [-v] [--dsn DSN] [--key KEY]\n"
"       hookrun-pglock --id [--key KEY]\n"
"Holds a PostgreSQL advisory lock for hookrun (lock = exec:hookrun-pglock).\n"
"  -d, --dsn DSN   connection string or URI (default: the PG* variables)\n"
"  -k, --key KEY   lock key (default: $HOOKRUN_LOCK_KEY)\n"
"  -i, --id        print the advisory lock id of the key and exit\n"
"  -v, --verbose   say what it does on stderr\n"
"  -V, --version   print the version and exit\n"
"  -h, --help      print this and exit\n";

static const char	*lock_key;
static const char	*once_key;	/* NULL when unset or empty */
static char		 lock_id[24];	/* the advisory lock's bigint, in decimal */
static int		 verbose;
static volatile sig_atomic_t got_signal;
static sigset_t		 wait_mask;	/* the mask to wait with: stop signals let in */

static void
on_signal(int sig)
{
	got_signal = sig;
}

/*
 * Stop signals are blocked but while waiting in ppoll, so that one that
 * comes during a query is seen by the next wait rather than lost.
 */
static void
signals_setup(void)
{
	static const int stops[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&block);
	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		sigaction(stops[i], &sa, NULL);
		sigaddset(&block, stops[i]);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		sigdelset(&wait_mask, stops[i]);
}

/*
 * Reads stdin: returns 1 with *line set once a line is whole (newline
 * stripped; a last line without one counts), 0 at EOF without one, -1
 * while more is to come.
 */
static int
read_line(const char **line)
{
	static char buf[64];
	static size_t len;
	char *nl;
	ssize_t n;

	n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
	if (n == -1 && errno == EINTR)
		return -1;
	if (n > 0)
		len += (size_t)n;
	buf[len] = '\0';
	*line = buf;
	if ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		if (nl > buf && nl[-1] == '\r')
			nl[-1] = '\0';
		return 1;
	}
	if (n <= 0 || len == sizeof(buf) - 1)
		return len > 0 ? 1 : 0;
	return -1;
}

/*
 * Waits on both stdin and the server. Returns 1 when the server has sent
 * something (all of the result, when busy), 0 when stdin is readable. Dies
 * on a stop signal (cancelling a statement in flight) or a lost connection.
 */
static int
wait_both(int busy)
{
	struct pollfd fds[2];

	for (;;) {
		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fds[1].fd = PQsocket(conn);
		fds[1].events = POLLIN;
		fds[0].revents = fds[1].revents = 0;
		if (ppoll(fds, 2, NULL, &wait_mask) == -1 && errno != EINTR)
			pgmsg_die(EXIT_SERVER, "poll: %s", strerror(errno));
		if (got_signal) {
			if (busy)
				pgsql_cancel();
			pgmsg_die(128 + got_signal, "stopped by signal %s: letting go",
			    sigabbrev_np(got_signal));
		}
		if (fds[1].revents != 0) {
			if (!PQconsumeInput(conn) || PQstatus(conn) ==
			    CONNECTION_BAD)
				pgsql_lost();
			if (!busy || !PQisBusy(conn))
				return 1;
		}
		if (fds[0].revents != 0)
			return 0;
	}
}

static void
take_lock(void)
{
	const char *p[1] = { lock_id }, *line;
	PGresult *res;
	int taken;

	res = pgsql_query("SELECT pg_try_advisory_lock($1::bigint)", 1, p,
	    PGRES_TUPLES_OK);
	taken = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (taken)
		return;
	pgsql_say_holder(lock_key, lock_id);
	if (!PQsendQueryParams(conn, "SELECT pg_advisory_lock($1::bigint)", 1,
	    NULL, p, NULL, NULL, 0))
		pgsql_lost();
	/* Until the server answers, EOF on stdin means hookrun gave up. */
	while (wait_both(1) == 0) {
		if (read_line(&line) == 0) {
			pgsql_cancel();
			pgmsg_die(0, "stdin closed while waiting: giving up");
		}
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			pgsql_fail(res, "pg_advisory_lock");
		PQclear(res);
	}
	if (verbose)
		pgmsg_say("advisory lock %s taken", lock_id);
}

static void
answer(const char *word)
{
	char line[16];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s\n", word);

	if (write(STDOUT_FILENO, line, n) != (ssize_t)n)
		pgmsg_die(0, "write to stdout: %s: letting go", strerror(errno));
}

/* Holds the lock until hookrun says how the hook went: 1 success, 0
 * failure or EOF, -1 anything else. */
static int
hold(void)
{
	const char *line;
	int r;

	for (;;) {
		if (wait_both(0) == 1)
			continue;	/* a notice, a keepalive: still here */
		if ((r = read_line(&line)) == -1)
			continue;
		if (r == 0 || strcmp(line, "failure") == 0)
			return 0;
		if (strcmp(line, "success") == 0)
			return 1;
		pgmsg_say("unexpected '%s' on stdin: letting go, recording nothing",
		    line);
		return -1;
	}
}

static void
options(int argc, char **argv, const char **dsn, int *print_id)
{
	static const struct option longopts[] = {
		{ "dsn",	required_argument,	NULL, 'd' },
		{ "key",	required_argument,	NULL, 'k' },
		{ "id",		no_argument,		NULL, 'i' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "d:k:ivVh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd':
			*dsn = optarg;
			break;
		case 'k':
			lock_key = optarg;
			break;
		case 'i':
			*print_id = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("hookrun-pglock %s\n", HOOKRUN_VERSION);
			exit(0);
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hookrun-pglock: unexpected argument '%s'\n%s",
		    argv[optind], usage_text);
		exit(EXIT_USAGE);
	}
}

int
main(int argc, char **argv)
{
	const char *dsn = NULL, *p[1] = { lock_id };
	int print_id = 0, how = 0, done;

	options(argc, argv, &dsn, &print_id);
	if (lock_key == NULL)
		lock_key = getenv("HOOKRUN_LOCK_KEY");
	if (lock_key == NULL || *lock_key == '\0') {
		fprintf(stderr, "hookrun-pglock: no lock key: set "
		    "HOOKRUN_LOCK_KEY (hookrun does) or give --key\n");
		return EXIT_USAGE;
	}
	pgmsg_key(lock_key);
	if ((once_key = getenv("HOOKRUN_ONCE")) != NULL && *once_key == '\0')
		once_key = NULL;
	snprintf(lock_id, sizeof(lock_id), "%" PRId64, pgsql_key_id(lock_key));
	if (print_id) {
		printf("%s\n", lock_id);
		return 0;
	}

	pgsql_connect(dsn, verbose);
	signals_setup();
	take_lock();
	done = once_key != NULL && pgsql_once_done(lock_key, once_key);
	answer(done ? "done" : "locked");
	if (!done && (how = hold()) == 1 && once_key != NULL)
		pgsql_once_record(lock_key, once_key);
	PQclear(pgsql_query("SELECT pg_advisory_unlock($1::bigint)", 1, p,
	    PGRES_TUPLES_OK));
	pgsql_close();
	return how == -1 ? EXIT_DATAERR : 0;
}
