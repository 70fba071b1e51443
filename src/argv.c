/* argv.c: splits a command into words as a POSIX shell would, without */
/* running one: quotes and backslashes, no expansion, no operators. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parse_int.h"

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
	parse_seterr(err, errlen, "%s", why);
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
