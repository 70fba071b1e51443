/* writer.c: the hook of the output benchmark: writes BYTES bytes to stdout as lines of
 * LEN bytes (newline included), in 64 KiB write()s, so the writer itself costs little. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
put(const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(1, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			perror("writer: write");
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static char		 buf[65536];
	unsigned long long	 bytes, lines, chunk;
	size_t			 len, per, i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: writer BYTES [LEN]\n");
		return 64;
	}
	bytes = strtoull(argv[1], NULL, 10);
	len = argc == 3 ? strtoul(argv[2], NULL, 10) : 80;
	if (len < 2 || len > sizeof(buf)) {
		fprintf(stderr, "writer: bad line length\n");
		return 64;
	}
	per = sizeof(buf) / len;		/* whole lines per write */
	for (i = 0; i < per * len; i++)
		buf[i] = (i % len == len - 1) ? '\n' : "abcdefghijklmnopqrstuvwxyz0123456789"[i % len % 36];
	for (lines = bytes / len; lines > 0; lines -= chunk) {
		chunk = lines < per ? lines : per;
		if (put(buf, chunk * len) == -1)
			return 1;
	}
	return 0;
}
