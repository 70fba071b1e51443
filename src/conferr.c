/* conferr.c: the loader's errors (ld_err): kept while the file is read, */
/* then logged in line order, since some are found only once it is whole. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "log.h"

struct msg {
	int		 line;
	size_t		 seq;
	char		*text;
};

/*
 * Errors are kept and logged in line order when the file is read: some are
 * found only once the whole file is known (a missing exec, a user).
 */
void
ld_err(struct loader *ld, int line, const char *fmt, ...)
{
	struct msg *nm;
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ld->errors++;
	if ((nm = realloc(ld->msgs, (ld->nmsgs + 1) * sizeof(*nm))) != NULL) {
		ld->msgs = nm;
		nm += ld->nmsgs;
		nm->line = line;
		nm->seq = ld->nmsgs;
		if ((nm->text = strdup(text)) != NULL) {
			ld->nmsgs++;
			return;
		}
	}
	log_err("%s:%d: %s", ld->file, line, text);	/* no memory: now */
}

static int
by_line(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
ld_flush(struct loader *ld)
{
	size_t i;

	if (ld->nmsgs > 0)
		qsort(ld->msgs, ld->nmsgs, sizeof(*ld->msgs), by_line);
	for (i = 0; i < ld->nmsgs; i++) {
		if (ld->msgs[i].line > 0)
			log_err("%s:%d: %s", ld->file, ld->msgs[i].line,
			    ld->msgs[i].text);
		else
			log_err("%s: %s", ld->file, ld->msgs[i].text);
		free(ld->msgs[i].text);
	}
	free(ld->msgs);
	ld->msgs = NULL;
	ld->nmsgs = 0;
}
