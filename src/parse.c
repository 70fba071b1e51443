/* parse.c: pure parsing of config values: durations, signals, numbers,
 * argv splitting, ${VAR} expansion, env lines and "did you mean". */
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/* A value quoted back in an error is cut to this many bytes. */
#define QUOTE_MAX	48
#define QUOTED(s)	(int)(strlen(s) > QUOTE_MAX ? QUOTE_MAX : strlen(s)), \
			(s), (strlen(s) > QUOTE_MAX ? "..." : "")

#define NAME_MAX_LEN	255	/* of a variable in ${} */
#define NEST_MAX	32	/* ${A:-${B:-...}} levels */
#define SIG_MAX		64

#define DURATION_FORMS	"use 250ms, 30s, 5m, 1h, 0 or infinity"

static void	 seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
isblank_c(int c)
{
	return c == ' ' || c == '\t';
}

static int
isdigit_c(int c)
{
	return c >= '0' && c <= '9';
}

static int
isnamechar(int c, int first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    (!first && isdigit_c(c));
}

/* s[0..n) as a number not above max: 0, -1 (not digits), -2 (too big). */
static int
digits(const char *s, size_t n, long max, long *out)
{
	long v = 0;
	size_t i;
	int big = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit_c((unsigned char)s[i]))
			return -1;
		if (v > max / 10 || (v == max / 10 && s[i] - '0' > max % 10))
			big = 1;
		else
			v = v * 10 + (s[i] - '0');
	}
	if (big)
		return -2;
	*out = v;
	return 0;
}

/* Durations */

static const struct unit {
	const char	*name;
	int64_t		 ms;
} units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 3600 * 1000 },
};

int
parse_duration(const char *s, int64_t *ms, char *err, size_t errlen)
{
	const char *p = s, *e, *frac = NULL, *u;
	uint64_t whole = 0, fv = 0, den = 1, num;
	size_t nfrac = 0, ulen, i;
	int64_t mult = 1000;
	int big = 0;

	while (isblank_c(*p))
		p++;
	for (e = p + strlen(p); e > p && isblank_c(e[-1]); e--)
		;
	if (p == e) {
		seterr(err, errlen, "empty duration (" DURATION_FORMS ")");
		return -1;
	}
	if (e - p == 8 && strncmp(p, "infinity", 8) == 0) {
		*ms = 0;
		return 0;
	}
	if (!isdigit_c((unsigned char)*p))
		goto bad;
	for (; isdigit_c((unsigned char)*p); p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			big = 1;
		else
			whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		frac = ++p;
		while (isdigit_c((unsigned char)*p))
			p++;
		nfrac = (size_t)(p - frac);
		if (nfrac == 0)
			goto bad;
		while (nfrac > 0 && frac[nfrac - 1] == '0')
			nfrac--;
	}
	while (isblank_c(*p))
		p++;
	u = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		p++;
	ulen = (size_t)(p - u);
	if (p != e)
		goto bad;
	if (ulen > 0) {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ulen &&
			    strncmp(units[i].name, u, ulen) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			goto bad;
		mult = units[i].ms;
	}

	/* Fractions: exact in ms or refused (past 9 digits, never exact). */
	if (nfrac > 9)
		goto fine;
	for (i = 0; i < nfrac; i++) {
		fv = fv * 10 + (uint64_t)(frac[i] - '0');
		den *= 10;
	}
	num = fv * (uint64_t)mult;
	if (num % den != 0)
		goto fine;
	if (big || whole > (uint64_t)PARSE_DURATION_MAX_MS / (uint64_t)mult ||
	    whole * (uint64_t)mult + num / den >
	    (uint64_t)PARSE_DURATION_MAX_MS) {
		seterr(err, errlen, "duration '%.*s%s' is too long (at most "
		    "876000h, or infinity)", QUOTED(s));
		return -1;
	}
	*ms = (int64_t)(whole * (uint64_t)mult + num / den);
	return 0;
fine:
	seterr(err, errlen, "invalid duration '%.*s%s' (finer than 1ms)",
	    QUOTED(s));
	return -1;
bad:
	seterr(err, errlen, "invalid duration '%.*s%s' (" DURATION_FORMS ")",
	    QUOTED(s));
	return -1;
}

void
format_duration(int64_t ms, char *buf, size_t len)
{
	size_t i;

	if (len == 0)
		return;
	if (ms == 0) {
		snprintf(buf, len, "none");
		return;
	}
	for (i = sizeof(units) / sizeof(units[0]); i-- > 1; )
		if (ms % units[i].ms == 0)
			break;
	snprintf(buf, len, "%lld%s", (long long)(ms / units[i].ms),
	    units[i].name);
}

/* Signals */

static const struct signame {
	int		 sig;
	const char	*name;
} signames[] = {
	{ SIGHUP, "HUP" },	{ SIGINT, "INT" },	{ SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" },	{ SIGTRAP, "TRAP" },	{ SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" },	{ SIGFPE, "FPE" },	{ SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" },	{ SIGSEGV, "SEGV" },	{ SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" },	{ SIGALRM, "ALRM" },	{ SIGTERM, "TERM" },
#ifdef SIGSTKFLT
	{ SIGSTKFLT, "STKFLT" },
#endif
	{ SIGCHLD, "CHLD" },	{ SIGCONT, "CONT" },	{ SIGSTOP, "STOP" },
	{ SIGTSTP, "TSTP" },	{ SIGTTIN, "TTIN" },	{ SIGTTOU, "TTOU" },
	{ SIGURG, "URG" },	{ SIGXCPU, "XCPU" },	{ SIGXFSZ, "XFSZ" },
	{ SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" },	{ SIGWINCH, "WINCH" },
	{ SIGIO, "IO" },	{ SIGPWR, "PWR" },	{ SIGSYS, "SYS" },
	/* Aliases: parsed, never printed (signal_name finds the above). */
	{ SIGABRT, "IOT" },	{ SIGIO, "POLL" },	{ SIGCHLD, "CLD" },
};

#define N10(a)	"SIG" #a "0", "SIG" #a "1", "SIG" #a "2", "SIG" #a "3", \
		"SIG" #a "4", "SIG" #a "5", "SIG" #a "6", "SIG" #a "7", \
		"SIG" #a "8", "SIG" #a "9"
static const char *const signums[SIG_MAX + 1] = {
	"SIG0", "SIG1", "SIG2", "SIG3", "SIG4", "SIG5", "SIG6", "SIG7",
	"SIG8", "SIG9", N10(1), N10(2), N10(3), N10(4), N10(5),
	"SIG60", "SIG61", "SIG62", "SIG63", "SIG64",
};
#undef N10

#define R10(a)	"RTMIN+" #a "0", "RTMIN+" #a "1", "RTMIN+" #a "2", \
		"RTMIN+" #a "3", "RTMIN+" #a "4", "RTMIN+" #a "5", \
		"RTMIN+" #a "6", "RTMIN+" #a "7", "RTMIN+" #a "8", \
		"RTMIN+" #a "9"
static const char *const rtnames[SIG_MAX - 31] = {
	"RTMIN", "RTMIN+1", "RTMIN+2", "RTMIN+3", "RTMIN+4", "RTMIN+5",
	"RTMIN+6", "RTMIN+7", "RTMIN+8", "RTMIN+9", R10(1), R10(2),
	"RTMIN+30", "RTMIN+31", "RTMIN+32",
};
#undef R10

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (after "SIG"), or -1. */
static int
parse_rtsig(const char *s)
{
	long n = 0;
	int base, sign, sig;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGRTMIN;
		sign = 1;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		sign = -1;
	} else
		return -1;
	s += 5;
	if (*s != '\0') {
		if (*s != (sign > 0 ? '+' : '-') ||
		    digits(s + 1, strlen(s + 1), SIG_MAX, &n) != 0)
			return -1;
	}
	sig = base + sign * (int)n;
	return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
}

int
parse_signal(const char *s)
{
	long n;
	size_t i;

	if (s == NULL)
		return -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (isdigit_c((unsigned char)*s)) {
		if (digits(s, strlen(s), SIG_MAX, &n) == 0 && n >= 1)
			return (int)n;
		return -1;
	}
	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcasecmp(s, signames[i].name) == 0)
			return signames[i].sig;
	return parse_rtsig(s);
}

const char *
signal_name(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX &&
	    (size_t)(sig - SIGRTMIN) < sizeof(rtnames) / sizeof(rtnames[0]))
		return rtnames[sig - SIGRTMIN];
	if (sig >= 1 && sig <= SIG_MAX)
		return signums[sig];
	return "unknown";
}

/* Numbers, booleans, rates, statuses */

static const struct boolname {
	const char	*name;
	int		 value;
} boolnames[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
	{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 },
};

int
parse_bool(const char *s, int *b, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(boolnames) / sizeof(boolnames[0]); i++) {
		if (strcasecmp(s, boolnames[i].name) == 0) {
			*b = boolnames[i].value;
			return 0;
		}
	}
	seterr(err, errlen, "invalid boolean '%.*s%s' (use yes or no)",
	    QUOTED(s));
	return -1;
}

int
parse_uint(const char *s, long max, long *out, char *err, size_t errlen)
{
	switch (digits(s, strlen(s), max, out)) {
	case 0:
		return 0;
	case -2:
		seterr(err, errlen, "number '%.*s%s' is too large "
		    "(at most %ld)", QUOTED(s), max);
		return -1;
	default:
		seterr(err, errlen, "invalid number '%.*s%s' (use 0 to %ld)",
		    QUOTED(s), max);
		return -1;
	}
}

int
parse_rate(const char *s, long *count, int64_t *window_ms, char *err,
    size_t errlen)
{
	const char *slash = strchr(s, '/'), *a = s, *e;
	int64_t w;
	long n;

	if (slash == NULL)
		goto bad;
	while (isblank_c(*a))
		a++;
	for (e = slash; e > a && isblank_c(e[-1]); e--)
		;
	switch (digits(a, (size_t)(e - a), INT_MAX, &n)) {
	case 0:
		break;
	case -2:
		seterr(err, errlen, "rate '%.*s%s' has too large a count (at "
		    "most %d)", QUOTED(s), INT_MAX);
		return -1;
	default:
		goto bad;
	}
	if (parse_duration(slash + 1, &w, NULL, 0) == -1)
		goto bad;
	if (w == 0) {
		seterr(err, errlen, "invalid rate '%.*s%s' (the window must be "
		    "longer than 0)", QUOTED(s));
		return -1;
	}
	*count = n;
	*window_ms = w;
	return 0;
bad:
	seterr(err, errlen, "invalid rate '%.*s%s' (use COUNT/WINDOW, "
	    "as 5/60s)", QUOTED(s));
	return -1;
}

int
parse_status_list(const char *s, unsigned char set[256], char *err,
    size_t errlen)
{
	unsigned char got[256];
	const char *p = s, *w;
	long n;
	int need = 0;	/* a comma was seen: a status must follow */

	memset(got, 0, sizeof(got));
	for (;;) {
		while (isblank_c(*p))
			p++;
		if (*p == '\0')
			break;
		if (*p == ',')
			goto bad;
		for (w = p; *p != '\0' && *p != ',' && !isblank_c(*p); p++)
			;
		if (digits(w, (size_t)(p - w), 255, &n) != 0) {
			seterr(err, errlen, "invalid exit status '%.*s' in "
			    "'%.*s%s' (use 0 to 255)", (int)(p - w > QUOTE_MAX ?
			    QUOTE_MAX : p - w), w, QUOTED(s));
			return -1;
		}
		got[n] = 1;
		need = 0;
		while (isblank_c(*p))
			p++;
		if (*p == ',') {
			p++;
			need = 1;
		}
	}
	if (need)
		goto bad;
	for (n = 0; n < 256; n++)
		if (got[n])
			set[n] = 1;
	return 0;
bad:
	seterr(err, errlen, "invalid status list '%.*s%s' (use numbers from "
	    "0 to 255, separated by blanks or commas)", QUOTED(s));
	return -1;
}

/* Argv splitting */

static int
isblank_sh(int c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Scans the word at *sp (not a blank), copying it to dst when not NULL.
 * Returns its length, or -1 with *why set.
 */
static long
argv_word(const char **sp, char *dst, const char **why)
{
	const char *p = *sp;
	long n = 0;

#define PUT(c)	do { if (dst != NULL) dst[n] = (c); n++; } while (0)
	while (*p != '\0' && !isblank_sh((unsigned char)*p)) {
		if (*p == '\'') {
			for (p++; *p != '\'' && *p != '\0'; p++)
				PUT(*p);
			if (*p == '\0') {
				*why = "unterminated single quote";
				return -1;
			}
			p++;
		} else if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					*why = "unterminated double quote";
					return -1;
				}
				if (*p == '\\' && p[1] != '\0' &&
				    strchr("\"\\$`\n", p[1]) != NULL) {
					if (*++p != '\n')
						PUT(*p);
				} else
					PUT(*p);
			}
			p++;
		} else if (*p == '\\') {
			if (p[1] == '\0') {
				*why = "trailing backslash";
				return -1;
			}
			if (p[1] != '\n')
				PUT(p[1]);
			p += 2;
		} else {
			PUT(*p);
			p++;
		}
	}
#undef PUT
	*sp = p;
	return n;
}

int
parse_argv(const char *s, char ***argv, int *argc, char *err, size_t errlen)
{
	const char *p = s, *q, *why = NULL;
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;
	long len;

	for (;;) {
		/* Blanks and backslash-newlines separate words. */
		while (isblank_sh((unsigned char)*p) ||
		    (p[0] == '\\' && p[1] == '\n'))
			p += *p == '\\' ? 2 : 1;
		if (*p == '\0')
			break;
		q = p;
		if ((len = argv_word(&q, NULL, &why)) == -1)
			goto fail;
		if (n + 2 > cap) {
			if (cap >= (size_t)INT_MAX / 2) {
				why = "too many words";
				goto fail;
			}
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[n] = malloc((size_t)len + 1)) == NULL)
			goto nomem;
		argv_word(&p, v[n], &why);
		v[n++][len] = '\0';
		v[n] = NULL;
	}
	if (n == 0) {
		why = "empty command";
		goto fail;
	}
	*argv = v;
	*argc = (int)n;
	return 0;
nomem:
	why = "out of memory";
fail:
	if (v != NULL) {
		v[n] = NULL;
		argv_free(v);
	}
	seterr(err, errlen, "%s", why);
	return -1;
}

void
argv_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/* ${VAR} expansion */

struct expand {
	parse_lookup_fn	 lookup;
	void		*arg;
	char		*out;
	size_t		 len;
	size_t		 cap;
	char		*err;
	size_t		 errlen;
};

static int
expand_put(struct expand *x, const char *s, size_t n)
{
	char *nb;
	size_t ncap;

	if (x->len + n + 1 > x->cap) {
		ncap = x->cap ? x->cap : 64;
		while (x->len + n + 1 > ncap)
			ncap *= 2;
		if ((nb = realloc(x->out, ncap)) == NULL) {
			seterr(x->err, x->errlen, "out of memory");
			return -1;
		}
		x->out = nb;
		x->cap = ncap;
	}
	memcpy(x->out + x->len, s, n);
	x->len += n;
	x->out[x->len] = '\0';
	return 0;
}

/* Length of "${..." to quote in an error: up to its '}' or QUOTE_MAX bytes. */
static int
expand_quote_len(const char *start)
{
	const char *b = strchr(start, '}');
	size_t n = b != NULL ? (size_t)(b - start) + 1 : strlen(start);

	return (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
}

static int	 expand_run(struct expand *, const char **, int, int);

/* Expands the ${...} at *sp, moving *sp past it. emit: 0 to check only. */
static int
expand_var(struct expand *x, const char **sp, int depth, int emit)
{
	const char *start = *sp, *p = start + 2, *val = NULL;
	char name[NAME_MAX_LEN + 1];
	size_t n;
	int use;

	while (isnamechar((unsigned char)*p, p == start + 2))
		p++;
	n = (size_t)(p - (start + 2));
	if (*p == '\0' || (n > 0 && *p == ':' && p[1] == '\0'))
		goto unterminated;
	if (n == 0 || (strchr(":-=?+}", *p) == NULL)) {
		seterr(x->err, x->errlen, "invalid variable name in '%.*s' "
		    "(use ${NAME} or ${NAME:-default})",
		    expand_quote_len(start), start);
		return -1;
	}
	if (n > NAME_MAX_LEN) {
		seterr(x->err, x->errlen, "variable name too long in '%.*s...'",
		    QUOTE_MAX, start);
		return -1;
	}
	memcpy(name, start + 2, n);
	name[n] = '\0';
	if (emit && x->lookup != NULL)
		val = x->lookup(name, x->arg);

	if (*p == '}') {
		if (emit && val == NULL) {
			seterr(x->err, x->errlen, "variable '%s' is not set",
			    name);
			return -1;
		}
		if (emit && expand_put(x, val, strlen(val)) == -1)
			return -1;
		*sp = p + 1;
		return 0;
	}
	if (p[0] != ':' || p[1] != '-') {
		seterr(x->err, x->errlen, "unsupported expansion '%.*s' (use "
		    "${NAME} or ${NAME:-default})", expand_quote_len(start),
		    start);
		return -1;
	}
	if (depth >= NEST_MAX) {
		seterr(x->err, x->errlen, "${...} nested more than %d deep",
		    NEST_MAX);
		return -1;
	}
	use = emit && (val == NULL || *val == '\0');
	if (emit && !use && expand_put(x, val, strlen(val)) == -1)
		return -1;
	p += 2;
	if (expand_run(x, &p, depth + 1, use) == -1)
		return -1;
	if (*p != '}')
		goto unterminated;
	*sp = p + 1;
	return 0;
unterminated:
	seterr(x->err, x->errlen, "unterminated '${%.*s' (missing '}')",
	    (int)(n > 32 ? 32 : n), start + 2);
	return -1;
}

/*
 * Expands *sp up to its end or, in a default (depth > 0), up to the '}'
 * that closes it, left at *sp.
 */
static int
expand_run(struct expand *x, const char **sp, int depth, int emit)
{
	const char *p = *sp, *lit;
	int braces = 0;

	while (*p != '\0') {
		if (p[0] == '$' && p[1] == '$') {
			if (emit && expand_put(x, "$", 1) == -1)
				return -1;
			p += 2;
			continue;
		}
		if (p[0] == '$' && p[1] == '{') {
			if (expand_var(x, &p, depth, emit) == -1)
				return -1;
			continue;
		}
		if (depth > 0 && *p == '}' && braces == 0)
			break;
		/* A run of plain text at once. */
		for (lit = p; *p != '\0' && *p != '$'; p++) {
			if (depth > 0 && *p == '{')
				braces++;
			else if (depth > 0 && *p == '}') {
				if (braces == 0)
					break;
				braces--;
			}
		}
		if (p == lit)	/* a lone $ */
			p++;
		if (emit && expand_put(x, lit, (size_t)(p - lit)) == -1)
			return -1;
	}
	*sp = p;
	return 0;
}

int
parse_expand(const char *in, parse_lookup_fn lookup, void *arg, char **out,
    char *err, size_t errlen)
{
	struct expand x;
	const char *p = in;

	memset(&x, 0, sizeof(x));
	x.lookup = lookup;
	x.arg = arg;
	x.err = err;
	x.errlen = errlen;
	if (expand_put(&x, "", 0) == -1 || expand_run(&x, &p, 0, 1) == -1) {
		free(x.out);
		return -1;
	}
	*out = x.out;
	return 0;
}

/* Env lines */

int
parse_env_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!isnamechar((unsigned char)s[i], i == 0))
			return 0;
	return 1;
}

size_t
parse_env_key(const char *line)
{
	const char *p = line;

	while (isblank_c(*p))
		p++;
	if (strncmp(p, "export", 6) == 0 && isblank_c(p[6])) {
		for (p += 6; isblank_c(*p); p++)
			;
	}
	return (size_t)(p - line);
}

int
parse_env_line(const char *line, size_t *eq, char *err, size_t errlen)
{
	const char *p = line, *key, *e;

	while (isblank_c(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	key = line + parse_env_key(line);
	if ((e = strchr(key, '=')) == NULL) {
		seterr(err, errlen, "expected KEY=value, got '%.*s%s'",
		    QUOTED(line));
		return -1;
	}
	if (!parse_env_name(key, (size_t)(e - key))) {
		seterr(err, errlen, "invalid variable name '%.*s'",
		    (int)(e - key > QUOTE_MAX ? QUOTE_MAX : e - key), key);
		return -1;
	}
	*eq = (size_t)(e - line);
	return 1;
}

/* Did you mean */

#define CLOSE_MAX	2
#define LEV_LEN		128

/* The case-blind edit distance of a and b (both at most LEV_LEN long). */
static size_t
levenshtein(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[LEV_LEN + 1], i, j, diag, up, best;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *
parse_closest(const char *word, const char *const *candidates)
{
	const char *best = NULL, *c;
	size_t lw, lc, d, diff, bestd = (size_t)-1;

	if (word == NULL || candidates == NULL || (lw = strlen(word)) == 0)
		return NULL;
	for (; (c = *candidates) != NULL; candidates++) {
		if ((lc = strlen(c)) == 0)
			continue;
		diff = lw > lc ? lw - lc : lc - lw;
		if (strncasecmp(word, c, lw < lc ? lw : lc) == 0)
			d = diff;	/* a prefix: the distance is the rest */
		else if (diff > CLOSE_MAX || lw > LEV_LEN || lc > LEV_LEN ||
		    (d = levenshtein(word, lw, c, lc)) > CLOSE_MAX)
			continue;
		if (d < bestd) {
			best = c;
			bestd = d;
		}
	}
	return best;
}
