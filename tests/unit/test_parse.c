/* test_parse.c: unit tests of parse.c: durations, signals, numbers, argv
 * splitting, ${VAR} expansion, env lines and "did you mean". */
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "unit.h"

static char err[256];

/* Durations */

static int64_t
dur(const char *s)
{
	int64_t ms = -42;

	err[0] = '\0';
	if (parse_duration(s, &ms, err, sizeof(err)) == -1)
		return -1;
	return ms;
}

static const char *
fmt(int64_t ms)
{
	static char buf[32];

	format_duration(ms, buf, sizeof(buf));
	return buf;
}

static void
test_duration_units(void)
{
	CHECK(dur("250ms") == 250);
	CHECK(dur("30s") == 30000);
	CHECK(dur("5m") == 300000);
	CHECK(dur("1h") == 3600000);
	CHECK(dur("10") == 10000);
	CHECK(dur("0") == 0);
	CHECK(dur("0s") == 0);
	CHECK(dur("0ms") == 0);
	CHECK(dur("infinity") == 0);
	CHECK(dur("007s") == 7000);
	CHECK(dur("1ms") == 1);
	CHECK(dur(" 30s ") == 30000);
	CHECK(dur("30 s") == 30000);
	CHECK(dur("\t5m\t") == 300000);
	CHECK(dur(" infinity ") == 0);
}

static void
test_duration_fractions(void)
{
	CHECK(dur("1.5s") == 1500);
	CHECK(dur("0.25s") == 250);
	CHECK(dur("1.5m") == 90000);
	CHECK(dur("0.5h") == 1800000);
	CHECK(dur("1.001s") == 1001);
	CHECK(dur("2.0") == 2000);
	CHECK(dur("1.5000000000000s") == 1500);	/* trailing zeros are exact */
	CHECK(dur("0.000005h") == 18);
	CHECK(dur("1.0ms") == 1);

	CHECK(dur("1.5ms") == -1);
	CHECK_STR(err, "invalid duration '1.5ms' (finer than 1ms)");
	CHECK(dur("0.0001s") == -1);
	CHECK(dur("1.0000000001s") == -1);
	CHECK(dur("1.s") == -1);
	CHECK(dur(".5s") == -1);
	CHECK(dur("1..5s") == -1);
	CHECK(dur("1.5.s") == -1);
}

static void
test_duration_errors(void)
{
	char longs[5000];

	CHECK(dur("x5") == -1);
	CHECK_STR(err, "invalid duration 'x5' (use 250ms, 30s, 5m, 1h, 0 or "
	    "infinity)");
	CHECK(dur("") == -1);
	CHECK_STR(err, "empty duration (use 250ms, 30s, 5m, 1h, 0 or "
	    "infinity)");
	CHECK(dur("   ") == -1);
	CHECK(dur("-5s") == -1);
	CHECK(dur("+5s") == -1);
	CHECK(dur("5d") == -1);
	CHECK(dur("5sec") == -1);
	CHECK(dur("5S") == -1);
	CHECK(dur("5 m s") == -1);
	CHECK(dur("5s5") == -1);
	CHECK(dur("1h30m") == -1);
	CHECK(dur("s") == -1);
	CHECK(dur("ms") == -1);
	CHECK(dur("Infinity") == -1);
	CHECK(dur("infinit") == -1);
	CHECK(dur("infinityx") == -1);
	CHECK(dur("0x10") == -1);
	CHECK(dur("1e3") == -1);
	CHECK(dur("5\n") == -1);
	CHECK(dur("5s;") == -1);

	CHECK(dur("99999999999999h") == -1);
	CHECK_STR(err, "duration '99999999999999h' is too long (at most "
	    "876000h, or infinity)");
	CHECK(dur("99999999999999999999999999999") == -1);
	CHECK(dur("18446744073709551616ms") == -1);
	CHECK(dur("9223372036854775808ms") == -1);
	CHECK(dur("876000h") == PARSE_DURATION_MAX_MS);
	CHECK(dur("876000.001h") == -1);
	CHECK(dur("3153600000000ms") == PARSE_DURATION_MAX_MS);
	CHECK(dur("3153600000001ms") == -1);
	CHECK(dur("52560000m") == PARSE_DURATION_MAX_MS);
	CHECK(dur("52560001m") == -1);

	/* Very long input: rejected, and the quote in the reason is cut. */
	memset(longs, '9', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	CHECK(dur(longs) == -1);
	CHECK(strstr(err, "...' is too long") != NULL);
	memset(longs, 'x', sizeof(longs) - 1);
	CHECK(dur(longs) == -1);
	CHECK(strlen(err) < 160);
	/* Many zeros are still a small number. */
	memset(longs, '0', sizeof(longs) - 1);
	longs[sizeof(longs) - 2] = '5';
	CHECK(dur(longs) == 5000);

	/* err may be tiny or absent. */
	{
		int64_t ms;
		char tiny[4];

		CHECK(parse_duration("bad", &ms, tiny, sizeof(tiny)) == -1);
		CHECK_STR(tiny, "inv");
		CHECK(parse_duration("bad", &ms, NULL, 0) == -1);
	}
}

static void
test_format_duration(void)
{
	static const int64_t round[] = {
		1, 250, 999, 1000, 1500, 30000, 59000, 60000, 90000, 300000,
		3599000, 3600000, 5400000, 86400000, PARSE_DURATION_MAX_MS,
	};
	char small[4];
	size_t i;

	CHECK_STR(fmt(0), "none");
	CHECK_STR(fmt(250), "250ms");
	CHECK_STR(fmt(1500), "1500ms");
	CHECK_STR(fmt(30000), "30s");
	CHECK_STR(fmt(90000), "90s");
	CHECK_STR(fmt(300000), "5m");
	CHECK_STR(fmt(5400000), "90m");
	CHECK_STR(fmt(3600000), "1h");
	CHECK_STR(fmt(86400000), "24h");
	CHECK_STR(fmt(PARSE_DURATION_MAX_MS), "876000h");
	for (i = 0; i < sizeof(round) / sizeof(round[0]); i++)
		CHECK(dur(fmt(round[i])) == round[i]);
	CHECK(dur(fmt(0)) == -1);	/* "none" is for people, not a value */

	format_duration(3600000, small, sizeof(small));
	CHECK_STR(small, "1h");
	format_duration(250, small, sizeof(small));
	CHECK_STR(small, "250");	/* cut, still terminated */
	format_duration(250, small, 0);	/* writes nothing */
}

/* Signals */

static void
test_parse_signal(void)
{
	CHECK(parse_signal("TERM") == SIGTERM);
	CHECK(parse_signal("SIGTERM") == SIGTERM);
	CHECK(parse_signal("term") == SIGTERM);
	CHECK(parse_signal("sigterm") == SIGTERM);
	CHECK(parse_signal("SigTerm") == SIGTERM);
	CHECK(parse_signal("15") == SIGTERM);
	CHECK(parse_signal("SIG15") == 15);
	CHECK(parse_signal("HUP") == SIGHUP);
	CHECK(parse_signal("KILL") == SIGKILL);
	CHECK(parse_signal("USR1") == SIGUSR1);
	CHECK(parse_signal("usr2") == SIGUSR2);
	CHECK(parse_signal("WINCH") == SIGWINCH);
	CHECK(parse_signal("PWR") == SIGPWR);
	CHECK(parse_signal("SIGSYS") == SIGSYS);
	CHECK(parse_signal("IOT") == SIGABRT);
	CHECK(parse_signal("POLL") == SIGIO);
	CHECK(parse_signal("CLD") == SIGCHLD);
	CHECK(parse_signal("1") == 1);
	CHECK(parse_signal("64") == 64);
	CHECK(parse_signal("RTMIN") == SIGRTMIN);
	CHECK(parse_signal("SIGRTMIN+2") == SIGRTMIN + 2);
	CHECK(parse_signal("rtmin+0") == SIGRTMIN);
	CHECK(parse_signal("RTMAX") == SIGRTMAX);
	CHECK(parse_signal("RTMAX-1") == SIGRTMAX - 1);

	CHECK(parse_signal("0") == -1);
	CHECK(parse_signal("65") == -1);
	CHECK(parse_signal("-1") == -1);
	CHECK(parse_signal("99999999999999999999") == -1);
	CHECK(parse_signal("") == -1);
	CHECK(parse_signal("SIG") == -1);
	CHECK(parse_signal("SIGSIGTERM") == -1);
	CHECK(parse_signal("TERMX") == -1);
	CHECK(parse_signal(" TERM") == -1);
	CHECK(parse_signal("TERM ") == -1);
	CHECK(parse_signal("15x") == -1);
	CHECK(parse_signal("RTMIN-1") == -1);
	CHECK(parse_signal("RTMAX+1") == -1);
	CHECK(parse_signal("RTMIN+") == -1);
	CHECK(parse_signal("RTMIN+99") == -1);
	CHECK(parse_signal("RTMIN+99999999999999999999") == -1);
	CHECK(parse_signal(NULL) == -1);
}

static void
test_signal_name(void)
{
	int sig;

	CHECK_STR(signal_name(SIGTERM), "TERM");
	CHECK_STR(signal_name(SIGKILL), "KILL");
	CHECK_STR(signal_name(SIGABRT), "ABRT");
	CHECK_STR(signal_name(SIGIO), "IO");
	CHECK_STR(signal_name(SIGCHLD), "CHLD");
	CHECK_STR(signal_name(SIGRTMIN), "RTMIN");
	CHECK_STR(signal_name(SIGRTMIN + 3), "RTMIN+3");
	CHECK_STR(signal_name(0), "unknown");
	CHECK_STR(signal_name(-1), "unknown");
	CHECK_STR(signal_name(65), "unknown");
	if (SIGRTMIN > 32)
		CHECK_STR(signal_name(32), "SIG32");
	/* Every name reads back as its number. */
	for (sig = 1; sig <= 64; sig++)
		CHECK(parse_signal(signal_name(sig)) == sig);
}

/* Numbers, booleans, rates, statuses */

static void
test_parse_bool(void)
{
	static const char *yes[] = { "yes", "YES", "true", "True", "on", "1" };
	static const char *no[] = { "no", "No", "false", "FALSE", "off", "0" };
	size_t i;
	int b;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = -1;
		CHECK(parse_bool(yes[i], &b, err, sizeof(err)) == 0 && b == 1);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = -1;
		CHECK(parse_bool(no[i], &b, err, sizeof(err)) == 0 && b == 0);
	}
	b = 7;
	CHECK(parse_bool("maybe", &b, err, sizeof(err)) == -1 && b == 7);
	CHECK_STR(err, "invalid boolean 'maybe' (use yes or no)");
	CHECK(parse_bool("", &b, err, sizeof(err)) == -1);
	CHECK(parse_bool("y", &b, err, sizeof(err)) == -1);
	CHECK(parse_bool("yes ", &b, err, sizeof(err)) == -1);
	CHECK(parse_bool("2", &b, err, sizeof(err)) == -1);
}

static void
test_parse_uint(void)
{
	long v = -1;

	CHECK(parse_uint("0", 10, &v, err, sizeof(err)) == 0 && v == 0);
	CHECK(parse_uint("10", 10, &v, err, sizeof(err)) == 0 && v == 10);
	CHECK(parse_uint("007", 10, &v, err, sizeof(err)) == 0 && v == 7);
	CHECK(parse_uint("9223372036854775807", LONG_MAX, &v, err,
	    sizeof(err)) == 0 && v == LONG_MAX);
	CHECK(parse_uint("255", 255, &v, err, sizeof(err)) == 0 && v == 255);

	v = 3;
	CHECK(parse_uint("11", 10, &v, err, sizeof(err)) == -1 && v == 3);
	CHECK_STR(err, "number '11' is too large (at most 10)");
	CHECK(parse_uint("7", 5, &v, err, sizeof(err)) == -1);
	CHECK(parse_uint("256", 255, &v, err, sizeof(err)) == -1);
	CHECK(parse_uint("9223372036854775808", LONG_MAX, &v, err,
	    sizeof(err)) == -1);
	CHECK(parse_uint("99999999999999999999999", 5, &v, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "too large") != NULL);
	CHECK(parse_uint("-1", 10, &v, err, sizeof(err)) == -1);
	CHECK_STR(err, "invalid number '-1' (use 0 to 10)");
	CHECK(parse_uint("", 10, &v, err, sizeof(err)) == -1);
	CHECK(parse_uint("+1", 10, &v, err, sizeof(err)) == -1);
	CHECK(parse_uint(" 1", 10, &v, err, sizeof(err)) == -1);
	CHECK(parse_uint("1 ", 10, &v, err, sizeof(err)) == -1);
	CHECK(parse_uint("0x1", 10, &v, err, sizeof(err)) == -1);
	CHECK(parse_uint("1.0", 10, &v, err, sizeof(err)) == -1);
	CHECK(parse_uint("99999999999999999999x", 10, &v, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "invalid number") != NULL);
	CHECK(v == 3);
}

static void
test_parse_rate(void)
{
	int64_t w = -1;
	long n = -1;

	CHECK(parse_rate("5/60s", &n, &w, err, sizeof(err)) == 0 &&
	    n == 5 && w == 60000);
	CHECK(parse_rate("0/1m", &n, &w, err, sizeof(err)) == 0 &&
	    n == 0 && w == 60000);
	CHECK(parse_rate("10/30", &n, &w, err, sizeof(err)) == 0 &&
	    n == 10 && w == 30000);
	CHECK(parse_rate("3 / 1.5s", &n, &w, err, sizeof(err)) == 0 &&
	    n == 3 && w == 1500);
	CHECK(parse_rate("2147483647/1h", &n, &w, err, sizeof(err)) == 0 &&
	    n == 2147483647);

	n = 9;
	w = 9;
	CHECK(parse_rate("5", &n, &w, err, sizeof(err)) == -1);
	CHECK_STR(err, "invalid rate '5' (use COUNT/WINDOW, as 5/60s)");
	CHECK(parse_rate("5/0", &n, &w, err, sizeof(err)) == -1);
	CHECK_STR(err, "invalid rate '5/0' (the window must be longer than 0)");
	CHECK(parse_rate("5/infinity", &n, &w, err, sizeof(err)) == -1);
	CHECK(parse_rate("/60s", &n, &w, err, sizeof(err)) == -1);
	CHECK(parse_rate("5/", &n, &w, err, sizeof(err)) == -1);
	CHECK(parse_rate("-5/60s", &n, &w, err, sizeof(err)) == -1);
	CHECK(parse_rate("5/60x", &n, &w, err, sizeof(err)) == -1);
	CHECK(parse_rate("5/60s/2", &n, &w, err, sizeof(err)) == -1);
	CHECK(parse_rate("a/60s", &n, &w, err, sizeof(err)) == -1);
	CHECK(parse_rate("", &n, &w, err, sizeof(err)) == -1);
	CHECK(parse_rate("2147483648/1h", &n, &w, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too large a count") != NULL);
	CHECK(n == 9 && w == 9);
}

static int
count_set(const unsigned char set[256])
{
	int i, n = 0;

	for (i = 0; i < 256; i++)
		n += set[i];
	return n;
}

static void
test_parse_status_list(void)
{
	unsigned char set[256];

	memset(set, 0, sizeof(set));
	CHECK(parse_status_list("143", set, err, sizeof(err)) == 0);
	CHECK(set[143] == 1 && count_set(set) == 1);

	memset(set, 0, sizeof(set));
	CHECK(parse_status_list("143 0 1", set, err, sizeof(err)) == 0);
	CHECK(set[143] && set[0] && set[1] && count_set(set) == 3);

	memset(set, 0, sizeof(set));
	CHECK(parse_status_list("143,2", set, err, sizeof(err)) == 0);
	CHECK(set[143] && set[2] && count_set(set) == 2);

	memset(set, 0, sizeof(set));
	CHECK(parse_status_list(" 3 , 4,5\t6 ", set, err, sizeof(err)) == 0);
	CHECK(set[3] && set[4] && set[5] && set[6] && count_set(set) == 4);

	memset(set, 0, sizeof(set));
	CHECK(parse_status_list("255 255 0", set, err, sizeof(err)) == 0);
	CHECK(set[255] && set[0] && count_set(set) == 2);

	memset(set, 0, sizeof(set));
	CHECK(parse_status_list("", set, err, sizeof(err)) == 0);
	CHECK(parse_status_list("  ", set, err, sizeof(err)) == 0);
	CHECK(count_set(set) == 0);

	/* Adds to what is set; changes nothing on error. */
	set[7] = 1;
	CHECK(parse_status_list("8", set, err, sizeof(err)) == 0);
	CHECK(set[7] && set[8] && count_set(set) == 2);
	CHECK(parse_status_list("9 256", set, err, sizeof(err)) == -1);
	CHECK_STR(err, "invalid exit status '256' in '9 256' (use 0 to 255)");
	CHECK(!set[9] && count_set(set) == 2);

	CHECK(parse_status_list("-1", set, err, sizeof(err)) == -1);
	CHECK(parse_status_list("1,,2", set, err, sizeof(err)) == -1);
	CHECK(strstr(err, "invalid status list '1,,2'") == err);
	CHECK(parse_status_list(",1", set, err, sizeof(err)) == -1);
	CHECK(parse_status_list("1,", set, err, sizeof(err)) == -1);
	CHECK(parse_status_list(",", set, err, sizeof(err)) == -1);
	CHECK(parse_status_list("1;2", set, err, sizeof(err)) == -1);
	CHECK(parse_status_list("TERM", set, err, sizeof(err)) == -1);
	CHECK(parse_status_list("99999999999999999999", set, err,
	    sizeof(err)) == -1);
	CHECK(count_set(set) == 2);
}

/* Argv splitting */

/* Splits s; returns argc, or -1. The words are joined with '|' in joined. */
static char joined[4096];

static int
split(const char *s)
{
	char **v = NULL;
	int argc = -5, i;

	err[0] = '\0';
	joined[0] = '\0';
	if (parse_argv(s, &v, &argc, err, sizeof(err)) == -1)
		return -1;
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(joined, "|");
		if (strlen(joined) + strlen(v[i]) < sizeof(joined) - 2)
			strcat(joined, v[i]);
	}
	if (v[argc] != NULL)
		argc = -2;	/* not NULL-terminated */
	argv_free(v);
	return argc;
}

static void
test_argv_words(void)
{
	CHECK(split("/app/bin/migrate --to latest") == 3);
	CHECK_STR(joined, "/app/bin/migrate|--to|latest");
	CHECK(split("sh -c 'migrate; seed'") == 3);
	CHECK_STR(joined, "sh|-c|migrate; seed");
	CHECK(split("  a\t\tb \n c  ") == 3);
	CHECK_STR(joined, "a|b|c");
	CHECK(split("x") == 1);
	CHECK_STR(joined, "x");
	CHECK(split("a | b ; c & d < e > f") == 11);
	CHECK_STR(joined, "a|||b|;|c|&|d|<|e|>|f");
	CHECK(split("echo $HOME ~ *.c #x") == 5);
	CHECK_STR(joined, "echo|$HOME|~|*.c|#x");
	CHECK(split("a\rb") == 1);	/* CR is no blank */
}

static void
test_argv_quotes(void)
{
	CHECK(split("'a ; b'") == 1);
	CHECK_STR(joined, "a ; b");
	CHECK(split("''") == 1);
	CHECK_STR(joined, "");
	CHECK(split("a '' b") == 3);
	CHECK_STR(joined, "a||b");
	CHECK(split("\"\"") == 1);
	CHECK_STR(joined, "");
	CHECK(split("a'b'c\"d\"e") == 1);
	CHECK_STR(joined, "abcde");
	CHECK(split("'a\\b'") == 1);		/* no escapes in '' */
	CHECK_STR(joined, "a\\b");
	CHECK(split("'it'\\''s'") == 1);
	CHECK_STR(joined, "it's");
	CHECK(split("\"a \\\" \\\\ \\$ \\` b\"") == 1);
	CHECK_STR(joined, "a \" \\ $ ` b");
	CHECK(split("\"\\a\\n\"") == 1);	/* other backslashes stay */
	CHECK_STR(joined, "\\a\\n");
	CHECK(split("\"it's\"") == 1);
	CHECK_STR(joined, "it's");
	CHECK(split("'say \"hi\"'") == 1);
	CHECK_STR(joined, "say \"hi\"");
	CHECK(split("\"multi\nline\"") == 1);
	CHECK_STR(joined, "multi\nline");
	CHECK(split("\"$HOME\"") == 1);
	CHECK_STR(joined, "$HOME");
}

static void
test_argv_backslash(void)
{
	CHECK(split("a\\ b") == 1);
	CHECK_STR(joined, "a b");
	CHECK(split("\\'x") == 1);
	CHECK_STR(joined, "'x");
	CHECK(split("\\\\") == 1);
	CHECK_STR(joined, "\\");
	CHECK(split("\\n") == 1);
	CHECK_STR(joined, "n");
	/* Backslash-newline continues the line. */
	CHECK(split("a \\\n b") == 2);
	CHECK_STR(joined, "a|b");
	CHECK(split("ab\\\ncd") == 1);
	CHECK_STR(joined, "abcd");
	CHECK(split("\"ab\\\ncd\"") == 1);
	CHECK_STR(joined, "abcd");
	CHECK(split("'ab\\\ncd'") == 1);
	CHECK_STR(joined, "ab\\\ncd");
	CHECK(split("\\\n") == -1);
	CHECK_STR(err, "empty command");
	CHECK(split("a \\\n") == 1);
	CHECK_STR(joined, "a");
}

static void
test_argv_errors(void)
{
	char **v = (char **)1;
	int argc = 99;

	CHECK(split("") == -1);
	CHECK_STR(err, "empty command");
	CHECK(split(" \t\n ") == -1);
	CHECK_STR(err, "empty command");
	CHECK(split("'abc") == -1);
	CHECK_STR(err, "unterminated single quote");
	CHECK(split("a b 'c d") == -1);
	CHECK_STR(err, "unterminated single quote");
	CHECK(split("\"abc") == -1);
	CHECK_STR(err, "unterminated double quote");
	CHECK(split("\"abc\\\"") == -1);
	CHECK_STR(err, "unterminated double quote");
	CHECK(split("\"abc\\") == -1);
	CHECK_STR(err, "unterminated double quote");
	CHECK(split("abc\\") == -1);
	CHECK_STR(err, "trailing backslash");
	CHECK(split("a b\\") == -1);
	CHECK_STR(err, "trailing backslash");
	/* Outputs untouched on error. */
	CHECK(parse_argv("'", &v, &argc, err, sizeof(err)) == -1);
	CHECK(v == (char **)1 && argc == 99);
	argv_free(NULL);
}

static void
test_argv_long(void)
{
	size_t n = 100000, i;
	char *s = malloc(n * 2 + 1), *big = malloc(n + 3);
	char **v;
	int argc;

	/* 100000 one-letter words. */
	for (i = 0; i < n; i++) {
		s[2 * i] = 'a' + (char)(i % 26);
		s[2 * i + 1] = ' ';
	}
	s[2 * n] = '\0';
	CHECK(parse_argv(s, &v, &argc, err, sizeof(err)) == 0);
	CHECK(argc == (int)n);
	CHECK_STR(v[0], "a");
	CHECK_STR(v[n - 1], "d");	/* 99999 % 26 == 3 */
	CHECK(v[n] == NULL);
	argv_free(v);

	/* One quoted word of 100000 bytes. */
	big[0] = '\'';
	memset(big + 1, 'x', n);
	big[n + 1] = '\'';
	big[n + 2] = '\0';
	CHECK(parse_argv(big, &v, &argc, err, sizeof(err)) == 0);
	CHECK(argc == 1 && strlen(v[0]) == n);
	argv_free(v);
	big[n + 1] = '\0';
	CHECK(parse_argv(big, &v, &argc, err, sizeof(err)) == -1);
	free(s);
	free(big);
}

/* ${VAR} expansion */

static const char *
lookup(const char *name, void *arg)
{
	static const char *const vars[][2] = {
		{ "RELEASE_VERSION", "v1.2.3" },
		{ "HOME", "/root" },
		{ "A", "a" },
		{ "B", "b" },
		{ "EMPTY", "" },
		{ "DOLLAR", "$X ${B}" },	/* not expanded again */
		{ "_x9", "under" },
	};
	size_t i;

	(*(int *)arg)++;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strcmp(name, vars[i][0]) == 0)
			return vars[i][1];
	return NULL;
}

static int lookups;
static char expanded[8192];

/* Expands s into expanded; 0 or -1 (with err). */
static int
xp(const char *s)
{
	char *out = (char *)1;

	err[0] = '\0';
	expanded[0] = '\0';
	lookups = 0;
	if (parse_expand(s, lookup, &lookups, &out, err, sizeof(err)) == -1) {
		CHECK(out == (char *)1);
		return -1;
	}
	snprintf(expanded, sizeof(expanded), "%s", out);
	free(out);
	return 0;
}

static void
test_expand_plain(void)
{
	CHECK(xp("") == 0);
	CHECK_STR(expanded, "");
	CHECK(xp("no vars here") == 0);
	CHECK_STR(expanded, "no vars here");
	CHECK(xp("${RELEASE_VERSION}") == 0);
	CHECK_STR(expanded, "v1.2.3");
	CHECK(xp("once-${RELEASE_VERSION}-x") == 0);
	CHECK_STR(expanded, "once-v1.2.3-x");
	CHECK(xp("${A}${B}${A}") == 0);
	CHECK_STR(expanded, "aba");
	CHECK(xp("${_x9}") == 0);
	CHECK_STR(expanded, "under");
	CHECK(xp("${EMPTY}") == 0);
	CHECK_STR(expanded, "");
	CHECK(xp("${DOLLAR}") == 0);
	CHECK_STR(expanded, "$X ${B}");
	CHECK(xp("{A} }{ } {") == 0);
	CHECK_STR(expanded, "{A} }{ } {");
}

static void
test_expand_dollars(void)
{
	CHECK(xp("sh -c 'echo $HOME'") == 0);
	CHECK_STR(expanded, "sh -c 'echo $HOME'");
	CHECK(lookups == 0);
	CHECK(xp("$1 $@ $ $(x) $") == 0);
	CHECK_STR(expanded, "$1 $@ $ $(x) $");
	CHECK(xp("$$") == 0);
	CHECK_STR(expanded, "$");
	CHECK(xp("$$$") == 0);
	CHECK_STR(expanded, "$$");
	CHECK(xp("$$$$") == 0);
	CHECK_STR(expanded, "$$");
	CHECK(xp("$${A}") == 0);		/* an escaped ${ */
	CHECK_STR(expanded, "${A}");
	CHECK(xp("$$${A}") == 0);
	CHECK_STR(expanded, "$a");
	CHECK(xp("cost: 5$$") == 0);
	CHECK_STR(expanded, "cost: 5$");
	CHECK(xp("$A{B}") == 0);
	CHECK_STR(expanded, "$A{B}");
}

static void
test_expand_defaults(void)
{
	CHECK(xp("${UNSET:-dflt}") == 0);
	CHECK_STR(expanded, "dflt");
	CHECK(xp("${A:-dflt}") == 0);
	CHECK_STR(expanded, "a");
	CHECK(xp("${EMPTY:-dflt}") == 0);	/* empty counts as unset */
	CHECK_STR(expanded, "dflt");
	CHECK(xp("${UNSET:-}") == 0);
	CHECK_STR(expanded, "");
	CHECK(xp("${UNSET:-a b  c}") == 0);
	CHECK_STR(expanded, "a b  c");
	CHECK(xp("${A:-${B:-c}}") == 0);
	CHECK_STR(expanded, "a");
	CHECK(xp("${X:-${B:-c}}") == 0);
	CHECK_STR(expanded, "b");
	CHECK(xp("${X:-${Y:-c}}") == 0);
	CHECK_STR(expanded, "c");
	CHECK(xp("${X:-pre-${Y:-c}-post}!") == 0);
	CHECK_STR(expanded, "pre-c-post!");
	CHECK(xp("${X:-{a}}") == 0);		/* braces balance */
	CHECK_STR(expanded, "{a}");
	CHECK(xp("${X:-{a}{b{c}}}x") == 0);
	CHECK_STR(expanded, "{a}{b{c}}x");
	CHECK(xp("${X:-a}b}") == 0);
	CHECK_STR(expanded, "ab}");
	CHECK(xp("${X:-$$}") == 0);
	CHECK_STR(expanded, "$");
	CHECK(xp("${X:-$}") == 0);
	CHECK_STR(expanded, "$");
	CHECK(xp("${X:-$HOME}") == 0);
	CHECK_STR(expanded, "$HOME");
	CHECK(xp("${X:-$${A}}") == 0);
	CHECK_STR(expanded, "${A}");
	CHECK(xp("${X:-:-}") == 0);
	CHECK_STR(expanded, ":-");

	/* An unused default is checked, not expanded: no lookup, no error. */
	CHECK(xp("${A:-${UNSET}}") == 0);
	CHECK_STR(expanded, "a");
	CHECK(lookups == 1);
	CHECK(xp("${A:-${B") == -1);
	CHECK(strstr(err, "unterminated") == err);
}

static void
test_expand_errors(void)
{
	char deep[1024];
	size_t i, n;

	CHECK(xp("${UNSET}") == -1);
	CHECK_STR(err, "variable 'UNSET' is not set");
	CHECK(xp("a ${A} ${NOPE} ${B}") == -1);
	CHECK_STR(err, "variable 'NOPE' is not set");
	CHECK(xp("${X:-${Y}}") == -1);
	CHECK_STR(err, "variable 'Y' is not set");
	CHECK(xp("${A") == -1);
	CHECK_STR(err, "unterminated '${A' (missing '}')");
	CHECK(xp("${") == -1);
	CHECK_STR(err, "unterminated '${' (missing '}')");
	CHECK(xp("x ${A:") == -1);
	CHECK_STR(err, "unterminated '${A' (missing '}')");
	CHECK(xp("${A:-abc") == -1);
	CHECK_STR(err, "unterminated '${A' (missing '}')");
	CHECK(xp("${X:-${B:-c}") == -1);
	CHECK_STR(err, "unterminated '${X' (missing '}')");
	CHECK(xp("${X:-{}") == -1);		/* the { took the } */
	CHECK(xp("${}") == -1);
	CHECK_STR(err, "invalid variable name in '${}' (use ${NAME} or "
	    "${NAME:-default})");
	CHECK(xp("${1}") == -1);
	CHECK_STR(err, "invalid variable name in '${1}' (use ${NAME} or "
	    "${NAME:-default})");
	CHECK(xp("${A B}") == -1);
	CHECK(strstr(err, "invalid variable name in '${A B}'") == err);
	CHECK(xp("${A.B}") == -1);
	CHECK(xp("${ A}") == -1);
	CHECK(xp("${-}") == -1);
	CHECK(xp("${A-x}") == -1);
	CHECK_STR(err, "unsupported expansion '${A-x}' (use ${NAME} or "
	    "${NAME:-default})");
	CHECK(xp("${A:=x}") == -1);
	CHECK(xp("${A:?x}") == -1);
	CHECK(xp("${A:+x}") == -1);
	CHECK(xp("${A:x}") == -1);

	/* A name too long for any environment. */
	n = 300;
	memcpy(deep, "${", 2);
	memset(deep + 2, 'N', n);
	memcpy(deep + 2 + n, "}", 2);
	CHECK(xp(deep) == -1);
	CHECK(strstr(err, "variable name too long") == err);

	/* Nesting is bounded, not a stack overflow. */
	for (n = 0, i = 0; i < 100; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "${X:-");
	deep[n++] = 'z';
	for (i = 0; i < 100; i++)
		deep[n++] = '}';
	deep[n] = '\0';
	CHECK(xp(deep) == -1);
	CHECK(strstr(err, "nested more than") != NULL);
	for (n = 0, i = 0; i < 30; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "${X:-");
	deep[n++] = 'z';
	for (i = 0; i < 30; i++)
		deep[n++] = '}';
	deep[n] = '\0';
	CHECK(xp(deep) == 0);
	CHECK_STR(expanded, "z");
}

static const char *
lookup_big(const char *name, void *arg)
{
	(void)name;
	return arg;
}

static void
test_expand_long(void)
{
	size_t n = 200000, i;
	char *in = malloc(n + 1), *val = malloc(n + 1), *out;

	/* Long plain text, and many dollars. */
	for (i = 0; i < n; i++)
		in[i] = "ab$$ {}"[i % 7];
	in[n] = '\0';
	CHECK(parse_expand(in, NULL, NULL, &out, err, sizeof(err)) == 0);
	CHECK(strlen(out) == n - n / 7);
	free(out);
	memset(in, '$', n);
	CHECK(parse_expand(in, NULL, NULL, &out, err, sizeof(err)) == 0);
	CHECK(strlen(out) == n / 2);
	free(out);

	/* A long value, many times. */
	memset(val, 'v', n);
	val[n] = '\0';
	CHECK(parse_expand("${V}${V}${V}", lookup_big, val, &out, err,
	    sizeof(err)) == 0);
	CHECK(strlen(out) == 3 * n && out[3 * n - 1] == 'v');
	free(out);

	/* No lookup function: nothing is set. */
	CHECK(parse_expand("${A:-d}", NULL, NULL, &out, err, sizeof(err)) == 0);
	CHECK_STR(out, "d");
	free(out);
	CHECK(parse_expand("${A}", NULL, NULL, &out, err, sizeof(err)) == -1);
	free(in);
	free(val);
}

/* Env lines */

static void
test_env_name(void)
{
	CHECK(parse_env_name("A", 1) == 1);
	CHECK(parse_env_name("_", 1) == 1);
	CHECK(parse_env_name("MIX_ENV", 7) == 1);
	CHECK(parse_env_name("a9_B", 4) == 1);
	CHECK(parse_env_name("AB=c", 2) == 1);	/* only len bytes count */
	CHECK(parse_env_name("", 0) == 0);
	CHECK(parse_env_name("9A", 2) == 0);
	CHECK(parse_env_name("A-B", 3) == 0);
	CHECK(parse_env_name("A B", 3) == 0);
	CHECK(parse_env_name("A=", 2) == 0);
	CHECK(parse_env_name("\xc3\xa9", 2) == 0);
}

static int
envl(const char *line, size_t *eq)
{
	err[0] = '\0';
	*eq = 12345;
	return parse_env_line(line, eq, err, sizeof(err));
}

static void
test_env_line(void)
{
	size_t eq;

	CHECK(envl("KEY=value", &eq) == 1 && eq == 3);
	CHECK(parse_env_key("KEY=value") == 0);
	CHECK(envl("K=", &eq) == 1 && eq == 1);
	CHECK(envl("K==x", &eq) == 1 && eq == 1);
	CHECK(envl("K= 'quoted' # not a comment", &eq) == 1 && eq == 1);
	CHECK(envl("export K=v", &eq) == 1 && eq == 8);
	CHECK(parse_env_key("export K=v") == 7);
	CHECK(envl("  export\t K=v", &eq) == 1 && eq == 11);
	CHECK(parse_env_key("  export\t K=v") == 10);
	CHECK(envl("export=1", &eq) == 1 && eq == 6);	/* named "export" */
	CHECK(parse_env_key("export=1") == 0);
	CHECK(envl("exportK=1", &eq) == 1 && eq == 7);
	CHECK(parse_env_key("exportK=1") == 0);
	CHECK(envl("\tK=v", &eq) == 1 && eq == 2);
	CHECK(parse_env_key("\tK=v") == 1);

	CHECK(envl("", &eq) == 0 && eq == 12345);
	CHECK(envl("   \t", &eq) == 0);
	CHECK(envl("# comment", &eq) == 0);
	CHECK(envl("  #K=v", &eq) == 0);

	CHECK(envl("KEY", &eq) == -1 && eq == 12345);
	CHECK_STR(err, "expected KEY=value, got 'KEY'");
	CHECK(envl("=v", &eq) == -1);
	CHECK_STR(err, "invalid variable name ''");
	CHECK(envl("K V=x", &eq) == -1);
	CHECK_STR(err, "invalid variable name 'K V'");
	CHECK(envl("K =x", &eq) == -1);
	CHECK(envl("9K=x", &eq) == -1);
	CHECK(envl("export", &eq) == -1);
	CHECK(envl("export =x", &eq) == -1);
	CHECK(envl("; comment", &eq) == -1);
}

/* Did you mean */

static void
test_closest(void)
{
	static const char *const keys[] = {
		"exec", "shell", "timeout", "retries", "retry_delay",
		"on_failure", "lock", "lock_timeout", "once", "user", "group",
		"workdir", "env", "env_file", NULL,
	};
	static const char *const ties[] = { "abcd", "abce", NULL };
	static const char *const none[] = { NULL };

	CHECK_STR(parse_closest("timout", keys), "timeout");
	CHECK_STR(parse_closest("tiemout", keys), "timeout");
	CHECK_STR(parse_closest("retires", keys), "retries");
	CHECK_STR(parse_closest("Timeout", keys), "timeout");
	CHECK_STR(parse_closest("TIMEOUT", keys), "timeout");
	CHECK_STR(parse_closest("exe", keys), "exec");
	CHECK_STR(parse_closest("execute", keys), "exec");
	CHECK_STR(parse_closest("env_files", keys), "env_file");
	CHECK_STR(parse_closest("envfile", keys), "env_file");
	CHECK_STR(parse_closest("work_dir", keys), "workdir");
	CHECK_STR(parse_closest("lock_timout", keys), "lock_timeout");
	CHECK_STR(parse_closest("on-failure", keys), "on_failure");
	CHECK_STR(parse_closest("time", keys), "timeout");
	CHECK_STR(parse_closest("retry", keys), "retry_delay");
	CHECK_STR(parse_closest("usr", keys), "user");
	CHECK_STR(parse_closest("abcf", ties), "abcd");	/* a tie: the first */
	CHECK_STR(parse_closest("pre_strat", (const char *const[]){
	    "pre_start", "post_start", "pre_stop", "post_stop", NULL }),
	    "pre_start");
	CHECK_STR(parse_closest("post_stpo", (const char *const[]){
	    "pre_start", "post_start", "pre_stop", "post_stop", NULL }),
	    "post_stop");

	CHECK(parse_closest("frobnicate", keys) == NULL);
	CHECK(parse_closest("xyz", keys) == NULL);
	CHECK(parse_closest("", keys) == NULL);
	CHECK(parse_closest("exec", none) == NULL);
	CHECK(parse_closest(NULL, keys) == NULL);
	CHECK(parse_closest("x", NULL) == NULL);
	{
		char longw[1000];

		memset(longw, 'q', sizeof(longw) - 1);
		longw[sizeof(longw) - 1] = '\0';
		CHECK(parse_closest(longw, keys) == NULL);
		memcpy(longw, "timeout", 7);
		CHECK_STR(parse_closest(longw, keys), "timeout");
	}
}

/* Feeds text as a lock command's output so far; returns the answer. */
static int
lock_answer(char *buf, size_t cap, const char *text, int eof)
{
	size_t len = strlen(text);

	memcpy(buf, text, len);
	return parse_lock_answer(buf, &len, cap, eof);
}

static void
test_lock_answer(void)
{
	char buf[16];
	size_t len;

	CHECK(lock_answer(buf, sizeof(buf), "locked\n", 0) == 'l');
	CHECK(lock_answer(buf, sizeof(buf), "done\r\nmore", 0) == 'd');
	CHECK(lock_answer(buf, sizeof(buf), "lock", 0) == 0);	/* not whole yet */
	CHECK(lock_answer(buf, sizeof(buf), "done", 1) == 'd');	/* last line at eof */
	CHECK(lock_answer(buf, sizeof(buf), "", 1) == 0);
	CHECK(lock_answer(buf, sizeof(buf), "busy\x01\x7f\n", 0) == '?');
	CHECK_STR(buf, "busy??");
	/* A full buffer is a line: the answer cannot grow longer. */
	len = 15;
	memset(buf, 'x', 15);
	CHECK(parse_lock_answer(buf, &len, sizeof(buf), 0) == '?');
	CHECK(len == 15);
}

int
main(void)
{
	test_duration_units();
	test_duration_fractions();
	test_duration_errors();
	test_format_duration();
	test_parse_signal();
	test_signal_name();
	test_parse_bool();
	test_parse_uint();
	test_parse_rate();
	test_parse_status_list();
	test_argv_words();
	test_argv_quotes();
	test_argv_backslash();
	test_argv_errors();
	test_argv_long();
	test_expand_plain();
	test_expand_dollars();
	test_expand_defaults();
	test_expand_errors();
	test_expand_long();
	test_env_name();
	test_env_line();
	test_closest();
	test_lock_answer();
	return UNIT_DONE("parse");
}
