/* expand.c: environment variables in text: ${VAR} and ${VAR:-default} */
/* expansion, variable names, and the KEY=value lines of env files. */
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parse_int.h"

#define NAME_MAX_LEN	255	/* of a variable in ${} */
#define NEST_MAX	32	/* ${A:-${B:-...}} levels */

static int
isnamechar(int c, int first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    (!first && isdigit_c(c));
}

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
			parse_seterr(x->err, x->errlen, "out of memory");
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
		parse_seterr(x->err, x->errlen, "invalid variable name in "
		    "'%.*s' (use ${NAME} or ${NAME:-default})",
		    expand_quote_len(start), start);
		return -1;
	}
	if (n > NAME_MAX_LEN) {
		parse_seterr(x->err, x->errlen, "variable name too long in "
		    "'%.*s...'", QUOTE_MAX, start);
		return -1;
	}
	memcpy(name, start + 2, n);
	name[n] = '\0';
	if (emit && x->lookup != NULL)
		val = x->lookup(name, x->arg);

	if (*p == '}') {
		if (emit && val == NULL) {
			parse_seterr(x->err, x->errlen, "variable '%s' is not "
			    "set", name);
			return -1;
		}
		if (emit && expand_put(x, val, strlen(val)) == -1)
			return -1;
		*sp = p + 1;
		return 0;
	}
	if (p[0] != ':' || p[1] != '-') {
		parse_seterr(x->err, x->errlen, "unsupported expansion '%.*s' "
		    "(use ${NAME} or ${NAME:-default})",
		    expand_quote_len(start), start);
		return -1;
	}
	if (depth >= NEST_MAX) {
		parse_seterr(x->err, x->errlen, "${...} nested more than %d "
		    "deep", NEST_MAX);
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
	parse_seterr(x->err, x->errlen, "unterminated '${%.*s' (missing '}')",
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

int
parse_env_reserved(const char *s, size_t len)
{
	return (len == 13 && memcmp(s, "NOTIFY_SOCKET", 13) == 0) ||
	    (len >= 8 && memcmp(s, "HOOKRUN_", 8) == 0);
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
		parse_seterr(err, errlen, "expected KEY=value, got '%.*s%s'",
		    QUOTED(line));
		return -1;
	}
	if (!parse_env_name(key, (size_t)(e - key))) {
		parse_seterr(err, errlen, "invalid variable name '%.*s'",
		    (int)(e - key > QUOTE_MAX ? QUOTE_MAX : e - key), key);
		return -1;
	}
	*eq = (size_t)(e - line);
	return 1;
}
