/* parse_int.h: what the files of the parse module share (parse.c, signame.c, */
/* argv.c, expand.c); the rest of hookrun includes parse.h only. */
#ifndef HOOKRUN_PARSE_INT_H
#define HOOKRUN_PARSE_INT_H

#include <stddef.h>
#include <string.h>

/* A value quoted back in an error is cut to this many bytes. */
#define QUOTE_MAX	48
#define QUOTED(s)	(int)(strlen(s) > QUOTE_MAX ? QUOTE_MAX : strlen(s)), \
			(s), (strlen(s) > QUOTE_MAX ? "..." : "")

/* Writes the reason into err[errlen], unless err is NULL. */
void	 parse_seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* s[0..n) as a number not above max: 0, -1 (not digits), -2 (too big). */
int	 parse_digits(const char *s, size_t n, long max, long *out);

static inline int
isblank_c(int c)
{
	return c == ' ' || c == '\t';
}

static inline int
isdigit_c(int c)
{
	return c >= '0' && c <= '9';
}

#endif
