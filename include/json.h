/* json.h: strings as JSON string bodies: escaped, and valid UTF-8 whatever the input. */
#ifndef HOOKRUN_JSON_H
#define HOOKRUN_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence at s, which holds
 * n > 0 bytes; 0 when s does not start one (a stray continuation byte, an
 * overlong form, a surrogate, a code point past U+10FFFF, a cut sequence).
 */
size_t	 json_utf8_len(const unsigned char *s, size_t n);

/*
 * Appends s, escaped, to buf (of len bytes) from off, and returns the new
 * end; never splits an escape or a character, always NUL-terminates. " and
 * \ are escaped, control bytes and DEL become \n, \t or \u00XX, and each
 * byte that is not part of well-formed UTF-8 becomes \ufffd.
 */
size_t	 json_escape(char *buf, size_t len, size_t off, const char *s);

/* Writes s quoted the same way ("..." included) to out. */
void	 json_fputs(FILE *out, const char *s);

#endif
