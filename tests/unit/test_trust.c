/* test_trust.c: unit tests of trust.c: paths walked by descriptor, links */
/* followed by hand, and who may change each directory on the way. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"
#include "unit.h"

#define OTHER	4242		/* a uid that is neither root nor hookrun's */

static char	 root[] = "/tmp/test_trust.XXXXXX";
static char	 why[PATH_MAX + 128];

static void
mk(const char *path, mode_t mode, uid_t uid)
{
	int fd;

	if (mode & S_IFDIR)
		CHECK(mkdir(path, 0700) == 0);
	else {
		CHECK((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
		close(fd);
	}
	CHECK(chmod(path, mode & 07777) == 0);
	CHECK(chown(path, uid, uid) == 0);
}

static void
ln(const char *target, const char *path, uid_t uid)
{
	CHECK(symlink(target, path) == 0);
	CHECK(lchown(path, uid, uid) == 0);
}

/* trust_path's answer, with the reason in why. */
static int
tp(const char *path, int flags)
{
	why[0] = '\0';
	return trust_path(path, flags, why, sizeof(why));
}

static void
test_files_and_dirs(void)
{
	CHECK(tp("file", 0) == 0);
	CHECK(tp("./file", 0) == 0);
	CHECK(tp("dir/../file", 0) == 0);
	CHECK(tp("dir", TRUST_DIR) == 0);
	CHECK(tp("dir/", TRUST_DIR) == 0);
	CHECK(tp("file", TRUST_DIR) == -1);
	CHECK_STR(why, "not a directory");
	CHECK(tp("open", 0) == -1);
	CHECK_STR(why, "writable by group or others");
	CHECK(tp("theirs.file", 0) == -1);
	CHECK_STR(why, "owned by uid 4242, not root");
	/* a directory of another user on the way: it could swap anything */
	CHECK(tp("theirs/file", 0) == -1);
	CHECK_STR(why, "directory ./theirs: owned by uid 4242, not root");
	CHECK(tp("opendir/file", 0) == -1);
	CHECK_STR(why, "directory ./opendir: writable by group or others and "
	    "not sticky");
	/* sticky: others cannot touch root's entries */
	CHECK(tp("sticky/file", 0) == 0);
	CHECK(tp("missing", 0) == -1);
	CHECK_STR(why, "./missing: No such file or directory");
	CHECK(tp("missing", TRUST_MISSING_OK) == 1);
	CHECK(tp("dir/missing/x", TRUST_MISSING_OK) == 1);
	CHECK(tp("file/x", 0) == -1);
	CHECK_STR(why, "./file: Not a directory");
}

static void
test_links(void)
{
	char abs[PATH_MAX + 32];

	CHECK(tp("rel", 0) == 0);		/* -> file */
	CHECK(tp("dir/up", 0) == 0);		/* -> ../file */
	CHECK(tp("dirlink/inner", 0) == 0);	/* dirlink -> dir */
	snprintf(abs, sizeof(abs), "%s/abs", root);
	CHECK(tp(abs, 0) == 0);			/* -> ROOT/file, absolute */
	CHECK(tp("toopen", 0) == -1);		/* -> open */
	CHECK_STR(why, "writable by group or others");
	CHECK(tp("totheirs", 0) == -1);		/* -> theirs/file */
	CHECK_STR(why, "directory ./theirs: owned by uid 4242, not root");
	CHECK(tp("loop", 0) == -1);		/* loop -> loop2 -> loop */
	CHECK(strstr(why, "Too many levels of symbolic links") != NULL);
	CHECK(tp("dangling", TRUST_MISSING_OK) == 1);
	/* in a sticky directory others can write: a link of root's is
	 * followed, one of another user's is not */
	CHECK(tp("sticky/rootlink", 0) == 0);
	CHECK(tp("sticky/theirlink", 0) == -1);
	CHECK_STR(why, "symbolic link ./sticky/theirlink: in a directory "
	    "others can write, and not owned by root");
}

static void
test_opendir(void)
{
	struct stat a, b;
	int fd;

	CHECK((fd = trust_opendir("dirlink", 1, why, sizeof(why))) >= 0);
	if (fd >= 0) {
		CHECK(fstat(fd, &a) == 0 && stat("dir", &b) == 0);
		CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
		close(fd);
	}
	/* a shared lock directory: sticky and open to others is fine */
	CHECK((fd = trust_opendir("sticky", 1, why, sizeof(why))) >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(trust_opendir("opendir", 1, why, sizeof(why)) == -1);
	CHECK_STR(why, "directory ./opendir: writable by group or others and "
	    "not sticky");
	CHECK(trust_opendir("theirs", 1, why, sizeof(why)) == -1 &&
	    errno == EPERM);
	CHECK(trust_opendir("missing", 1, why, sizeof(why)) == -1 &&
	    errno == ENOENT);
	CHECK_STR(why, "./missing: No such file or directory");
	/* unchecked, it is a plain open */
	CHECK((fd = trust_opendir("opendir", 0, why, sizeof(why))) >= 0);
	if (fd >= 0)
		close(fd);
}

static void
test_not_strict(void)
{
	trust_set_strict(0);
	CHECK(trust_strict_option() == 0 && trust_strict() == 0);
	CHECK(tp("open", 0) == 0);
	CHECK(tp("theirs/file", 0) == 0);
	trust_set_strict(1);
	CHECK(trust_strict() == 1);
}

/* trust_open_nolinks: what it hands fn, and when it leaves the path to the walk. */
struct seen {
	int	 n;
	int	 refuse_at;	/* the nth directory is refused; 0: none */
	char	 first[PATH_MAX];
	char	 last[PATH_MAX];
	int	 last_flag;
};

static int
seen_fn(const struct stat *st, const char *at, int last, void *arg)
{
	struct seen *s = arg;

	(void)st;
	if (++s->n == 1)
		snprintf(s->first, sizeof(s->first), "%s", at);
	snprintf(s->last, sizeof(s->last), "%s", at);
	s->last_flag = last;
	return s->n == s->refuse_at ? -1 : 0;
}

static int
nolinks(const char *rel, struct seen *s, int refuse_at)
{
	char path[PATH_MAX];
	int fd;

	memset(s, 0, sizeof(*s));
	s->refuse_at = refuse_at;
	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	fd = trust_open_nolinks(path, O_PATH, seen_fn, s);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

static void
test_nolinks(void)
{
	char want[PATH_MAX], path[PATH_MAX];
	struct seen s;
	const char *p;
	int depth = 0, fd;

	for (p = root; *p != '\0'; p++)
		depth += *p == '/';
	CHECK(nolinks("dir", &s, 0) == 0);
	CHECK(s.n == depth + 2);	/* /, each level of root, dir */
	CHECK_STR(s.first, "/");
	snprintf(want, sizeof(want), "%s/dir", root);
	CHECK_STR(s.last, want);
	CHECK(s.last_flag == 1);
	CHECK(nolinks("dir", &s, 1) == -1);	/* refused at /: nothing more */
	CHECK(s.n == 1);
	CHECK(nolinks("dirlink", &s, 0) == -2);
	CHECK(s.n == 0);
	CHECK(nolinks("dir/.", &s, 0) == -2);
	CHECK(nolinks("dir/..", &s, 0) == -2);
	CHECK(nolinks("dir//inner", &s, 0) == -2);
	CHECK(nolinks("missing", &s, 0) == -2);
	CHECK(trust_open_nolinks("dir", O_PATH, seen_fn, &s) == -2);

	/* trust_path takes that way for an absolute path: the walk's words. */
	snprintf(path, sizeof(path), "%s/theirs/file", root);
	CHECK(trust_path(path, 0, why, sizeof(why)) == -1);
	snprintf(want, sizeof(want), "directory %s/theirs: owned by uid 4242, "
	    "not root", root);
	CHECK_STR(why, want);
	snprintf(path, sizeof(path), "%s/opendir/file", root);
	CHECK(trust_path(path, 0, why, sizeof(why)) == -1);
	snprintf(want, sizeof(want), "directory %s/opendir: writable by group "
	    "or others and not sticky", root);
	CHECK_STR(why, want);
	snprintf(path, sizeof(path), "%s/sticky/file", root);
	CHECK(trust_path(path, 0, why, sizeof(why)) == 0);
	snprintf(path, sizeof(path), "%s/open", root);
	CHECK(trust_path(path, 0, why, sizeof(why)) == -1);
	CHECK_STR(why, "writable by group or others");
	snprintf(path, sizeof(path), "%s/toopen", root);	/* a link: walked */
	CHECK(trust_path(path, 0, why, sizeof(why)) == -1);
	CHECK_STR(why, "writable by group or others");
	snprintf(path, sizeof(path), "%s/nothere", root);
	CHECK(trust_path(path, TRUST_MISSING_OK, why, sizeof(why)) == 1);
	snprintf(path, sizeof(path), "%s/theirs", root);
	CHECK(trust_opendir(path, 1, why, sizeof(why)) == -1);
	snprintf(path, sizeof(path), "%s/dir", root);
	CHECK((fd = trust_opendir(path, 1, why, sizeof(why))) >= 0);
	if (fd >= 0)
		close(fd);
}

int
main(void)
{
	char cmd[PATH_MAX];

	if (geteuid() != 0) {
		/* checks are for root: nothing is refused otherwise */
		CHECK(trust_strict() == 0);
		CHECK(trust_path("/nonexistent", 0, why, sizeof(why)) == 0);
		return UNIT_DONE("trust");
	}
	umask(022);
	if (mkdtemp(root) == NULL || chdir(root) == -1) {
		perror(root);
		return 2;
	}
	mk("file", 0644, 0);
	mk("open", 0664, 0);
	mk("theirs.file", 0644, OTHER);
	mk("dir", S_IFDIR | 0755, 0);
	mk("dir/inner", 0755, 0);
	mk("theirs", S_IFDIR | 0755, OTHER);
	mk("theirs/file", 0644, 0);
	mk("opendir", S_IFDIR | 0777, 0);
	mk("opendir/file", 0644, 0);
	mk("sticky", S_IFDIR | 01777, 0);
	mk("sticky/file", 0644, 0);
	ln("file", "rel", 0);
	ln("../file", "dir/up", 0);
	ln("dir", "dirlink", 0);
	snprintf(cmd, sizeof(cmd), "%s/file", root);
	ln(cmd, "abs", 0);
	ln("open", "toopen", 0);
	ln("theirs/file", "totheirs", 0);
	ln("loop2", "loop", 0);
	ln("loop", "loop2", 0);
	ln("nowhere", "dangling", 0);
	ln("file", "sticky/rootlink", 0);
	ln("file", "sticky/theirlink", OTHER);

	test_files_and_dirs();
	test_links();
	test_opendir();
	test_nolinks();
	test_not_strict();

	CHECK(chdir("/") == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK(system(cmd) == 0);
	return UNIT_DONE("trust");
}
