/* pgmsg.c: hookrun-pglock's messages on stderr, each naming the lock key, and its exit on an error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgmsg.h"

static const char	*msg_key;

void
pgmsg_key(const char *key)
{
	msg_key = key;
}

static void
vsay(const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "hookrun-pglock: %s%s%s\n", msg_key != NULL ?
	    msg_key : "", msg_key != NULL ? ": " : "", msg);
}

void
pgmsg_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void
pgmsg_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(status);
}
