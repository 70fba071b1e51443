/* parse.c: pure parsing of config values: durations, numbers, booleans,
 * rates, exit status lists and "did you mean"; the helpers of parse_int.h. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "parse_int.h"

#define DURATION_FORMS	"use 250ms, 30s, 5m, 1h, 0 or infinity"

void
parse_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
parse_digits(const char *s, size_t n, long max, long *out)
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
		parse_seterr(err, errlen, "empty duration (" DURATION_FORMS
		    ")");
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
		parse_seterr(err, errlen, "duration '%.*s%s' is too long (at "
		    "most 876000h, or infinity)", QUOTED(s));
		return -1;
	}
	*ms = (int64_t)(whole * (uint64_t)mult + num / den);
	return 0;
fine:
	parse_seterr(err, errlen, "invalid duration '%.*s%s' (finer than 1ms)",
	    QUOTED(s));
	return -1;
bad:
	parse_seterr(err, errlen, "invalid duration '%.*s%s' ("
	    DURATION_FORMS ")", QUOTED(s));
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
	parse_seterr(err, errlen, "invalid boolean '%.*s%s' (use yes or no)",
	    QUOTED(s));
	return -1;
}

int
parse_uint(const char *s, long max, long *out, char *err, size_t errlen)
{
	switch (parse_digits(s, strlen(s), max, out)) {
	case 0:
		return 0;
	case -2:
		parse_seterr(err, errlen, "number '%.*s%s' is too large "
		    "(at most %ld)", QUOTED(s), max);
		return -1;
	default:
		parse_seterr(err, errlen, "invalid number '%.*s%s' (use 0 to "
		    "%ld)", QUOTED(s), max);
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
	switch (parse_digits(a, (size_t)(e - a), INT_MAX, &n)) {
	case 0:
		break;
	case -2:
		parse_seterr(err, errlen, "rate '%.*s%s' has too large a count "
		    "(at most %d)", QUOTED(s), INT_MAX);
		return -1;
	default:
		goto bad;
	}
	if (parse_duration(slash + 1, &w, NULL, 0) == -1)
		goto bad;
	if (w == 0) {
		parse_seterr(err, errlen, "invalid rate '%.*s%s' (the window "
		    "must be longer than 0)", QUOTED(s));
		return -1;
	}
	*count = n;
	*window_ms = w;
	return 0;
bad:
	parse_seterr(err, errlen, "invalid rate '%.*s%s' (use COUNT/WINDOW, "
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
		if (parse_digits(w, (size_t)(p - w), 255, &n) != 0) {
			parse_seterr(err, errlen, "invalid exit status '%.*s' "
			    "in '%.*s%s' (use 0 to 255)", (int)(p - w >
			    QUOTE_MAX ? QUOTE_MAX : p - w), w, QUOTED(s));
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
	parse_seterr(err, errlen, "invalid status list '%.*s%s' (use numbers "
	    "from 0 to 255, separated by blanks or commas)", QUOTED(s));
	return -1;
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

int
parse_lock_answer(char *line, size_t *len, size_t cap, int eof)
{
	char *nl = memchr(line, '\n', *len);
	size_t n, i;

	if (nl == NULL && !eof && *len < cap - 1)
		return 0;
	if (nl == NULL && *len == 0)
		return 0;
	n = nl != NULL ? (size_t)(nl - line) : *len;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	*len = n;
	if (strcmp(line, "locked") == 0)
		return 'l';
	if (strcmp(line, "done") == 0)
		return 'd';
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	return '?';
}
