/* test_sink.c: hookrun's messages are staged, and written before the loop waits, before any */
/* hook output on either stream, PIPE_BUF at most at a time, and at sink_stop. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "sink.h"
#include "unit.h"

static int	 file;	/* stdout and stderr, one file (2>&1) */

/* What the file holds, NUL-terminated (static). */
static const char *
contents(void)
{
	static char buf[16384];
	ssize_t n = pread(file, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static off_t
size(void)
{
	struct stat st;

	return fstat(file, &st) == 0 ? st.st_size : -1;
}

static void
test_staged(struct ev_loop *loop)
{
	char big[2000];

	sink_start(loop);
	sink_message(STDERR_FILENO, "m1\n", 3);
	CHECK_STR(contents(), "");		/* staged, not written */
	/* Hook output on stdout: the staged message on stderr goes first. */
	sink_put(STDOUT_FILENO, "o1\n", 3);
	CHECK_STR(contents(), "m1\no1\n");
	sink_message(STDERR_FILENO, "m2\n", 3);
	sink_message(STDERR_FILENO, "m3\n", 3);
	CHECK_STR(contents(), "m1\no1\n");
	/* The loop's next round writes them, in one go, before it waits. */
	ev_run(loop, EVRUN_NOWAIT);
	CHECK_STR(contents(), "m1\no1\nm2\nm3\n");
	ev_run(loop, EVRUN_NOWAIT);
	CHECK_STR(contents(), "m1\no1\nm2\nm3\n");

	/* No more than PIPE_BUF is staged: a pipe never splits such a write. */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	ftruncate(file, 0);
	lseek(file, 0, SEEK_SET);
	sink_message(STDERR_FILENO, big, sizeof(big));
	sink_message(STDERR_FILENO, big, sizeof(big));
	CHECK(size() == 0);
	sink_message(STDERR_FILENO, big, sizeof(big));
	CHECK(size() == 2 * (off_t)sizeof(big));
	CHECK(2 * sizeof(big) <= PIPE_BUF);

	/* sink_stop writes what is staged; after it, messages go at once. */
	sink_stop(0);
	CHECK(size() == 3 * (off_t)sizeof(big));
	sink_message(STDERR_FILENO, "m4\n", 3);
	CHECK(size() == 3 * (off_t)sizeof(big) + 3);
}

int
main(void)
{
	char path[] = "/tmp/test_sink.XXXXXX";
	struct ev_loop *loop;
	int out, err;

	/* The sinks look at 1 and 2 once: make them one file first. */
	if ((file = mkstemp(path)) == -1 || (out = dup(STDOUT_FILENO)) == -1 ||
	    (err = dup(STDERR_FILENO)) == -1)
		return 2;
	unlink(path);
	/* A failed CHECK still shows, on the real stderr. */
	if ((stderr = fdopen(err, "w")) == NULL)
		return 2;
	setvbuf(stderr, NULL, _IONBF, 0);
	dup2(file, STDOUT_FILENO);
	dup2(file, STDERR_FILENO);
	if ((loop = ev_loop_new(EVFLAG_NOENV)) == NULL)
		return 2;
	test_staged(loop);
	ev_loop_destroy(loop);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	return UNIT_DONE("sink");
}
