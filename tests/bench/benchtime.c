/* benchtime.c: the timer used when hyperfine is missing. Runs a command WARMUP times
 * untimed, then RUNS times timed, with stdin, stdout and stderr on /dev/null; prints
 * "cpu USER SYS" (mean CPU seconds of a run, its children included), then the wall time
 * of each run in seconds, one a line. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs argv once; returns its wall time, adds its CPU time; -1 if it did not exit 0. */
static double
once(char **argv, double *user, double *sys)
{
	struct rusage	 ru;
	double		 t0, t;
	pid_t		 pid;
	int		 status, fd;

	t0 = now();
	if ((pid = fork()) == -1) {
		perror("benchtime: fork");
		return -1;
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) == -1) {
		perror("benchtime: wait4");
		return -1;
	}
	t = now() - t0;
	*user += ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys += ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "benchtime: %s: failed (status 0x%x)\n", argv[0], status);
		return -1;
	}
	return t;
}

int
main(int argc, char **argv)
{
	double	*t, user = 0, sys = 0;
	int	 runs, warmup, i;

	if (argc < 4 || (runs = atoi(argv[1])) < 1 || (warmup = atoi(argv[2])) < 0) {
		fprintf(stderr, "usage: benchtime RUNS WARMUP COMMAND [ARG...]\n");
		return 64;
	}
	if ((t = calloc(runs, sizeof(*t))) == NULL)
		return 1;
	for (i = 0; i < warmup; i++)
		if (once(argv + 3, &user, &sys) < 0)
			return 1;
	user = sys = 0;
	for (i = 0; i < runs; i++)
		if ((t[i] = once(argv + 3, &user, &sys)) < 0)
			return 1;
	printf("cpu %.6f %.6f\n", user / runs, sys / runs);
	for (i = 0; i < runs; i++)
		printf("%.6f\n", t[i]);
	free(t);
	return 0;
}
