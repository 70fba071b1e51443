/* unit.h: a minimal harness for the C unit tests: CHECK macros and a closing tally. */
#ifndef HOOKRUN_UNIT_H
#define HOOKRUN_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond) do {						\
	if (cond)							\
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0)		\
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: FAIL: %s: got \"%s\", want \"%s\"\n", \
		    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
	}								\
} while (0)

/* Closing line in the plain form CI reads: "unit: N passed, N failed". */
#define UNIT_DONE(name) (						\
	printf("%s: %d passed, %d failed\n", (name), unit_passed,	\
	    unit_failed), unit_failed ? 1 : 0)

#endif
