/* test_path.c: unit tests of path.c: executables found as execvp would, in
 * a temporary tree of files with different modes and a temporary PATH. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "unit.h"

static char root[64];
static char out[PATH_MAX];

/* Creates root/rel (a file with mode, or a directory when mode has S_IFDIR). */
static void
make(const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mode & S_IFDIR) {
		CHECK(mkdir(p, mode & 07777) == 0);
		CHECK(chmod(p, mode & 07777) == 0);
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, "#!/bin/sh\n", 10) == 10);
		close(fd);
	}
	CHECK(chmod(p, mode) == 0);
}

/* root/a:root/b... as PATH; "" elements stay empty. */
static void
setpath(const char *fmt)
{
	char p[PATH_MAX];
	const char *s;
	size_t n = 0;

	for (s = fmt; *s != '\0' && n < sizeof(p) - sizeof(root) - 2; s++) {
		if (*s == '@')
			n += (size_t)snprintf(p + n, sizeof(p) - n, "%s", root);
		else
			p[n++] = *s;
	}
	p[n] = '\0';
	setenv("PATH", p, 1);
}

/* out relative to root, for short comparisons. */
static const char *
rel(void)
{
	size_t n = strlen(root);

	if (strncmp(out, root, n) == 0 && out[n] == '/')
		return out + n + 1;
	return out;
}

static void
test_with_slash(void)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/d/run", root);
	CHECK(path_resolve(p, out, sizeof(out)) == 0);
	CHECK_STR(rel(), "d/run");
	snprintf(p, sizeof(p), "%s/d/data", root);
	CHECK(path_resolve(p, out, sizeof(out)) == EACCES);
	CHECK_STR(rel(), "d/data");	/* named, for the message */
	snprintf(p, sizeof(p), "%s/d/sub", root);
	CHECK(path_resolve(p, out, sizeof(out)) == EACCES);
	snprintf(p, sizeof(p), "%s/d/missing", root);
	CHECK(path_resolve(p, out, sizeof(out)) == ENOENT);
	CHECK_STR(out, "");
	snprintf(p, sizeof(p), "%s/d/run/x", root);
	CHECK(path_resolve(p, out, sizeof(out)) == ENOENT);	/* ENOTDIR */
	snprintf(p, sizeof(p), "%s/d/link", root);
	CHECK(path_resolve(p, out, sizeof(out)) == 0);
	snprintf(p, sizeof(p), "%s/d/dangling", root);
	CHECK(path_resolve(p, out, sizeof(out)) == ENOENT);
	CHECK(path_resolve("/dev/null", out, sizeof(out)) == EACCES);

	/* Relative: from the current directory, or under dir. */
	CHECK(path_resolve("d/run", out, sizeof(out)) == 0);
	CHECK_STR(out, "d/run");
	CHECK(path_resolve("./d/run", out, sizeof(out)) == 0);
	CHECK_STR(out, "./d/run");
	CHECK(path_resolve("run/x", out, sizeof(out)) == ENOENT);
	snprintf(p, sizeof(p), "%s/d", root);
	CHECK(path_resolve_at(p, "./run", out, sizeof(out)) == 0);
	CHECK_STR(out, "./run");
	CHECK(path_resolve_at(p, "../d/run", out, sizeof(out)) == 0);
	CHECK(path_resolve_at(p, "d/run", out, sizeof(out)) == ENOENT);
	CHECK(path_resolve_at(p, "./data", out, sizeof(out)) == EACCES);
	CHECK_STR(out, "./data");
	CHECK(path_resolve_at("/nonexistent", "/bin/sh", out,
	    sizeof(out)) == 0);	/* absolute: dir does not matter */
}

static void
test_search(void)
{
	setpath("@/a:@/b:@/c");
	CHECK(path_resolve("tool", out, sizeof(out)) == 0);
	CHECK_STR(rel(), "b/tool");
	/* A non-executable or a directory earlier on PATH is passed over. */
	CHECK(path_resolve("shadowed", out, sizeof(out)) == 0);
	CHECK_STR(rel(), "c/shadowed");
	CHECK(path_resolve("dirfirst", out, sizeof(out)) == 0);
	CHECK_STR(rel(), "c/dirfirst");
	/* Found only denied: EACCES, naming the first. */
	CHECK(path_resolve("noexec", out, sizeof(out)) == EACCES);
	CHECK_STR(rel(), "a/noexec");
	CHECK(path_resolve("onlydir", out, sizeof(out)) == EACCES);
	CHECK_STR(rel(), "b/onlydir");
	CHECK(path_resolve("missing", out, sizeof(out)) == ENOENT);
	CHECK_STR(out, "");
	CHECK(path_resolve("", out, sizeof(out)) == ENOENT);
	CHECK(path_resolve(NULL, out, sizeof(out)) == ENOENT);

	/* Missing and relative-to-nothing elements are skipped. */
	setpath("/nonexistent:@/a/noexec:@/b");
	CHECK(path_resolve("tool", out, sizeof(out)) == 0);
	CHECK_STR(rel(), "b/tool");
}

static void
test_empty_elements(void)
{
	char cwd[PATH_MAX], p[PATH_MAX];

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(p, sizeof(p), "%s/c", root);
	CHECK(chdir(p) == 0);

	setpath("@/a:");			/* trailing: the current dir */
	CHECK(path_resolve("shadowed", out, sizeof(out)) == 0);
	CHECK_STR(out, "./shadowed");
	setpath(":@/b");			/* leading */
	CHECK(path_resolve("tool", out, sizeof(out)) == 0);
	CHECK_STR(rel(), "b/tool");
	CHECK(path_resolve("dirfirst", out, sizeof(out)) == 0);
	CHECK_STR(out, "./dirfirst");
	setpath("@/a::@/b");			/* middle */
	CHECK(path_resolve("dirfirst", out, sizeof(out)) == 0);
	CHECK_STR(out, "./dirfirst");
	setenv("PATH", "", 1);			/* the current dir only */
	CHECK(path_resolve("shadowed", out, sizeof(out)) == 0);
	CHECK_STR(out, "./shadowed");
	CHECK(path_resolve("tool", out, sizeof(out)) == ENOENT);
	setpath("@/b");				/* no empty element: no cwd */
	CHECK(path_resolve("dirfirst", out, sizeof(out)) == ENOENT);

	/* Relative elements and path_resolve_at: looked up under dir. */
	CHECK(chdir(cwd) == 0);
	snprintf(p, sizeof(p), "%s/c", root);
	setenv("PATH", "", 1);
	CHECK(path_resolve_at(p, "dirfirst", out, sizeof(out)) == 0);
	CHECK_STR(out, "./dirfirst");
	setenv("PATH", "bin:../b", 1);
	CHECK(path_resolve_at(p, "tool", out, sizeof(out)) == 0);
	CHECK_STR(out, "../b/tool");
	CHECK(path_resolve_at(root, "tool", out, sizeof(out)) == ENOENT);
}

static void
test_default_path(void)
{
	unsetenv("PATH");
	CHECK(path_resolve("sh", out, sizeof(out)) == 0);
	CHECK(strcmp(out, "/usr/local/bin/sh") == 0 ||
	    strcmp(out, "/usr/bin/sh") == 0 || strcmp(out, "/bin/sh") == 0);
	CHECK(path_resolve("hookrun-no-such-program", out,
	    sizeof(out)) == ENOENT);
}

static void
test_too_long(void)
{
	char name[NAME_MAX + 2], small[8], big[PATH_MAX * 2];
	char bigout[PATH_MAX * 2];
	size_t i;

	setpath("@/a:@/b");
	CHECK(path_resolve("tool", small, sizeof(small)) == ENAMETOOLONG);
	CHECK_STR(small, "");
	CHECK(path_resolve("tool", small, 0) == ENAMETOOLONG);
	CHECK(path_resolve("/bin/sh", small, sizeof(small)) == 0);
	CHECK_STR(small, "/bin/sh");
	CHECK(path_resolve("/bin/sh", small, 7) == ENAMETOOLONG);

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(path_resolve(name, out, sizeof(out)) == ENAMETOOLONG);
	name[NAME_MAX] = '\0';			/* NAME_MAX itself is fine */
	CHECK(path_resolve(name, out, sizeof(out)) == ENOENT);

	/* A path past PATH_MAX, and a PATH element that long. */
	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "/x", 2);
	big[i] = '\0';
	CHECK(path_resolve(big, bigout, sizeof(bigout)) == ENAMETOOLONG);
	CHECK(path_resolve(big, out, sizeof(out)) == ENAMETOOLONG);
	big[0] = '/';
	setenv("PATH", big, 1);
	CHECK(path_resolve("tool", out, sizeof(out)) == ENAMETOOLONG);
	memcpy(big + PATH_MAX, ":", 1);		/* then a good element */
	snprintf(big + PATH_MAX + 1, sizeof(big) - PATH_MAX - 1, "%s/b", root);
	setenv("PATH", big, 1);
	CHECK(path_resolve("tool", out, sizeof(out)) == 0);
	CHECK_STR(rel(), "b/tool");
}

static void
test_unreadable_dir(void)
{
	char p[PATH_MAX];

	/* Root searches any directory: only meaningful for others. */
	if (geteuid() == 0)
		return;
	setpath("@/locked:@/b");
	CHECK(path_resolve("tool", out, sizeof(out)) == 0);
	CHECK_STR(rel(), "b/tool");
	setpath("@/locked");
	CHECK(path_resolve("tool", out, sizeof(out)) == EACCES);
	snprintf(p, sizeof(p), "%s/locked/tool", root);
	CHECK(path_resolve(p, out, sizeof(out)) == EACCES);
}

int
main(void)
{
	char cmd[PATH_MAX + 16];
	const char *path = getenv("PATH");
	char *saved;

	snprintf(root, sizeof(root), "/tmp/test_path.XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (chdir(root) == -1) {
		perror("chdir");
		return 1;
	}
	saved = strdup(path != NULL ? path : "/usr/bin:/bin");
	make("a", S_IFDIR | 0755);
	make("b", S_IFDIR | 0755);
	make("c", S_IFDIR | 0755);
	make("d", S_IFDIR | 0755);
	make("a/noexec", 0644);
	make("a/shadowed", 0644);
	make("a/dirfirst", S_IFDIR | 0755);
	make("b/tool", 0755);
	make("b/noexec", 0600);
	make("b/onlydir", S_IFDIR | 0755);
	make("b/shadowed", S_IFDIR | 0755);
	make("c/shadowed", 0700);
	make("c/dirfirst", 0711);
	make("c/onlydir", S_IFDIR | 0755);
	make("d/run", 0755);
	make("d/data", 0666);
	make("d/sub", S_IFDIR | 0755);
	make("locked", S_IFDIR | 0755);
	make("locked/tool", 0755);
	CHECK(chmod("locked", 0) == 0);
	CHECK(symlink("run", "d/link") == 0);
	CHECK(symlink("nowhere", "d/dangling") == 0);

	test_with_slash();
	test_search();
	test_empty_elements();
	test_default_path();
	test_too_long();
	test_unreadable_dir();

	setenv("PATH", saved, 1);
	free(saved);
	CHECK(chdir("/") == 0);
	chmod(root, 0700);
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx %s; rm -rf %s", root, root);
	CHECK(system(cmd) == 0);
	return UNIT_DONE("path");
}
