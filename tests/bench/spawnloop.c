/* spawnloop.c: the floor of the 100-hooks benchmark: running each file of a directory
 * with nothing around it: scan, sort by name, posix_spawn(), waitpid(). */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
byname(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	struct dirent	**ents;
	char		  path[PATH_MAX];
	int		  i, n, err, status, failed = 0;
	pid_t		  pid;

	if (argc != 2) {
		fprintf(stderr, "usage: spawnloop DIR\n");
		return 64;
	}
	if ((n = scandir(argv[1], &ents, visible, byname)) == -1) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++) {
		char	*av[2] = { path, NULL };

		snprintf(path, sizeof(path), "%s/%s", argv[1], ents[i]->d_name);
		if ((err = posix_spawn(&pid, path, NULL, NULL, av, environ)) != 0) {
			fprintf(stderr, "spawnloop: %s: %s\n", path, strerror(err));
			failed = 1;
		} else if (waitpid(pid, &status, 0) == -1 ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "spawnloop: %s: failed (status 0x%x)\n", path, status);
			failed = 1;
		}
		free(ents[i]);
	}
	free(ents);
	return failed;
}
