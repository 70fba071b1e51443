/* parse.h: pure value parsing: durations, signals, booleans, argv splitting, ${VAR} expansion. */
/* In parse.c (values, "did you mean"), signame.c, argv.c and expand.c (${VAR}, env lines). */
#ifndef HOOKRUN_PARSE_H
#define HOOKRUN_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every function here is pure: no I/O, no process, no global state.
 * On error they return -1 and write a short lowercase reason (no file:line,
 * the caller adds that) into err[errlen].
 */

/*
 * "250ms", "30s", "5m", "1h": one number and one unit (ms, s, m, h; blanks
 * around and between them are allowed); a bare number is seconds; "0" and
 * "infinity" mean none and give 0. A fraction is allowed when it is a whole
 * number of milliseconds ("1.5s", "0.25h"; not "1.5ms"). At most
 * PARSE_DURATION_MAX_MS, so that callers may add and double durations.
 */
/* 100 years: 876000h. */
#define PARSE_DURATION_MAX_MS	(INT64_C(876000) * 3600 * 1000)
int	 parse_duration(const char *s, int64_t *ms, char *err, size_t errlen);
/* ms in its largest exact unit: "250ms", "90s", "5m", "1h"; 0 is "none". */
void	 format_duration(int64_t ms, char *buf, size_t len);

/*
 * "TERM", "SIGTERM", "term", "15", "RTMIN+2", "SIGRTMAX-1": the signal number
 * (1..64), or -1.
 */
int	 parse_signal(const char *s);
/*
 * The name without "SIG" ("TERM"), "RTMIN+N" for a real-time signal, "SIG32"
 * style text for other numbers up to 64, "unknown" beyond. Static text;
 * parse_signal takes every one of them back.
 */
const char *signal_name(int sig);

/* yes/no, true/false, on/off, 1/0 (case-insensitive). */
int	 parse_bool(const char *s, int *b, char *err, size_t errlen);

/* A non-negative decimal integer (digits only) not above max (>= 0). */
int	 parse_uint(const char *s, long max, long *out, char *err, size_t errlen);

/* "5/60s": a count (0 or more) and a window (a duration, not 0). */
int	 parse_rate(const char *s, long *count, int64_t *window_ms, char *err,
	    size_t errlen);

/*
 * "143 0 1" or "143, 2": sets set[N] = 1 for each status 0..255 (set is not
 * cleared first, and left untouched on error). An empty list sets nothing.
 */
int	 parse_status_list(const char *s, unsigned char set[256], char *err,
	    size_t errlen);

/*
 * Splits s like a POSIX shell would split a simple command, but runs no
 * shell: blanks separate words; '...' is literal; "..." is literal but for
 * backslash before " \ $ ` and newline; outside quotes a backslash quotes the
 * next character. No globbing, no $ expansion, no operators (| ; & < > are
 * plain characters; # is no comment). Backslash-newline is removed, outside
 * quotes and inside "...". '' is an empty word. Returns a malloc'd
 * NULL-terminated vector of malloc'd words (free with argv_free), *argc set;
 * an empty command, an unterminated quote or a trailing backslash is an error.
 */
int	 parse_argv(const char *s, char ***argv, int *argc, char *err,
	    size_t errlen);
void	 argv_free(char **argv);

/*
 * Expands ${VAR} and ${VAR:-default} (default itself expanded; used when VAR
 * is unset or empty, as in sh; braces in it must balance), and $$ to $. A $
 * followed by anything else is literal ($HOME, $1, a lone $). Values are not
 * expanded again. lookup (may be NULL: nothing is set) returns NULL for an
 * unset variable; an unset variable without a default is an error naming it,
 * as are an unterminated ${ and a bad name or operator inside ${}. A default
 * that is not used is checked but not expanded. *out is malloc'd.
 */
typedef const char *(*parse_lookup_fn)(const char *name, void *arg);
int	 parse_expand(const char *in, parse_lookup_fn lookup, void *arg,
	    char **out, char *err, size_t errlen);

/*
 * A lock command's answer (lock = exec:COMMAND), its output so far in
 * line[0..*len) of a buffer of cap bytes: 'l' for "locked", 'd' for "done",
 * '?' for anything else (line is then that first line, NUL-terminated,
 * control characters made '?', *len its length), or 0 while no whole line
 * has come (at eof, a last line without its newline counts; a full buffer
 * is a line).
 */
int	 parse_lock_answer(char *line, size_t *len, size_t cap, int eof);

/* 1 when s[0..len) is a valid variable name: [A-Za-z_][A-Za-z0-9_]*; else 0. */
int	 parse_env_name(const char *s, size_t len);
/*
 * 1 for the names hookrun sets in a child itself, which no hook may export:
 * NOTIFY_SOCKET and HOOKRUN_*.
 */
int	 parse_env_reserved(const char *s, size_t len);
/*
 * One line of an env file or of HOOKRUN_ENV_FILE, without its newline:
 * "KEY=value" (value taken literally up to the end of line, no quotes
 * removed; leading blanks and a leading "export " are allowed, not blanks
 * before '='). Returns 1 for an assignment (*eq set to the index of '=' in
 * line), 0 for a blank or '#' comment line, -1 for anything else.
 */
int	 parse_env_line(const char *line, size_t *eq, char *err, size_t errlen);
/* Where the key of an assignment line starts: past blanks and "export ". */
size_t	 parse_env_key(const char *line);

/*
 * For "did you mean": the candidate (NULL-terminated list) closest to word,
 * ignoring case: edit distance at most 2, or one a prefix of the other; the
 * smallest distance wins, the first on a tie. NULL when none is close, or
 * word is empty.
 */
const char *parse_closest(const char *word, const char *const *candidates);

#endif
