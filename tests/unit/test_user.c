/* test_user.c: unit tests of user.c: users and groups found in passwd and
 * group files as getpwnam(3) would with "files", on temporary files. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user.h"
#include "unit.h"

static char	 root[] = "/tmp/test_user.XXXXXX";

static const char passwd[] =
    "# a comment, then a blank line and an indented entry\n"
    "\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "  daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "app:x:1000:1001:the app,,,:/home/app:/bin/sh\n"
    "app:x:2000:2000:a later app: never found:/:/bin/sh\n"
    "short:x:1200:1300\n"
    "nouid:x::5:empty uid:/:/bin/sh\n"
    "baduid:x:12a:5:letters in the uid:/:/bin/sh\n"
    "neguid:x:-3:5::/:/bin/sh\n"
    "bigid:x:4294967295:5:(uid_t)-1 means none:/:/bin/sh\n"
    "nogid:x:1400\n"
    "named7:x:7:70::/:/bin/sh\n"
    "1500:x:1600:1700:a name of digits::\n"
    "1600:x:1601:1701:its uid is also a name:/:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin";	/* no newline */

static const char group[] =
    "# groups\n"
    "root:x:0:\n"
    "staff:x:50:app,daemon\n"
    "\tstaff:x:51:\n"
    "nogid:x:\n"
    "badgid:x:5x:\n"
    "lone:x:60\n"
    "3000:x:3001:\n"
    "nogroup:x:65534:\n";

static void
write_file(const char *name, const char *text)
{
	FILE *fp;

	CHECK((fp = fopen(name, "w")) != NULL);
	if (fp != NULL) {
		CHECK(fputs(text, fp) >= 0);
		CHECK(fclose(fp) == 0);
	}
}

/*
 * user_entry's ids, set as a lookup sets its out parameters: only for what
 * was found (USER_NUMBER has no gid to give).
 */
static int
user_ids(const char *path, const char *s, uid_t *uid, gid_t *gid)
{
	struct user_entry e;
	int r;

	if ((r = user_entry(path, s, &e)) == USER_ENTRY || r == USER_NUMBER)
		*uid = e.uid;
	if (r == USER_ENTRY)
		*gid = e.gid;
	user_entry_free(&e);
	return r;
}

static void
test_user_found_by_name(void)
{
	uid_t uid = 99;
	gid_t gid = 99;

	CHECK(user_ids("passwd", "root", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 0 && gid == 0);
	CHECK(user_ids("passwd", "daemon", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 1 && gid == 1);
	CHECK(user_ids("passwd", "app", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 1000 && gid == 1001);	/* the first entry wins */
	CHECK(user_ids("passwd", "short", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 1200 && gid == 1300);	/* no gecos, home, shell */
	CHECK(user_ids("passwd", "nobody", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 65534 && gid == 65534);	/* the last line */
}

static void
test_user_name_is_exact(void)
{
	uid_t uid = 99;
	gid_t gid = 99;

	CHECK(user_ids("passwd", "ap", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "apps", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "App", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "#", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "root:x", &uid, &gid) == USER_NONE);
	CHECK(uid == 99 && gid == 99);		/* left alone */
}

static void
test_user_malformed_lines_skipped(void)
{
	uid_t uid = 99;
	gid_t gid = 99;

	CHECK(user_ids("passwd", "nouid", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "baduid", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "neguid", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "bigid", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "nogid", &uid, &gid) == USER_NONE);
	CHECK(uid == 99 && gid == 99);
}

static void
test_user_found_by_uid(void)
{
	uid_t uid = 99;
	gid_t gid = 99;

	CHECK(user_ids("passwd", "7", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 7 && gid == 70);
	CHECK(user_ids("passwd", "0", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 0 && gid == 0);
	CHECK(user_ids("passwd", "2000", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 2000 && gid == 2000);	/* the second "app" has it */
	/* A name first: "1500" is a user, uid 1600 */
	CHECK(user_ids("passwd", "1500", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 1600 && gid == 1700);
	CHECK(user_ids("passwd", "1600", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 1601 && gid == 1701);
}

static void
test_user_number_without_entry(void)
{
	uid_t uid = 99;
	gid_t gid = 99;

	CHECK(user_ids("passwd", "4242", &uid, &gid) == USER_NUMBER);
	CHECK(uid == 4242 && gid == 99);	/* no gid to give */
	CHECK(user_ids("passwd", "12", &uid, &gid) == USER_NUMBER);
	CHECK(uid == 12);
	uid = 99;
	CHECK(user_ids("passwd", "4294967295", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "99999999999", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "-1", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "+5", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", " 5", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "5 ", &uid, &gid) == USER_NONE);
	CHECK(user_ids("passwd", "0x10", &uid, &gid) == USER_NONE);
	CHECK(uid == 99 && gid == 99);
}

static void
test_group_lookup(void)
{
	gid_t gid = 99;

	CHECK(group_lookup("group", "root", &gid) == USER_ENTRY);
	CHECK(gid == 0);
	CHECK(group_lookup("group", "staff", &gid) == USER_ENTRY);
	CHECK(gid == 50);			/* the first entry wins */
	CHECK(group_lookup("group", "lone", &gid) == USER_ENTRY);
	CHECK(gid == 60);			/* no member list */
	CHECK(group_lookup("group", "nogroup", &gid) == USER_ENTRY);
	CHECK(gid == 65534);
	CHECK(group_lookup("group", "3000", &gid) == USER_ENTRY);
	CHECK(gid == 3001);			/* a name before a number */
	CHECK(group_lookup("group", "77", &gid) == USER_NUMBER);
	CHECK(gid == 77);
	gid = 99;
	CHECK(group_lookup("group", "nogid", &gid) == USER_NONE);
	CHECK(group_lookup("group", "badgid", &gid) == USER_NONE);
	CHECK(group_lookup("group", "app", &gid) == USER_NONE);
	CHECK(group_lookup("group", "sta", &gid) == USER_NONE);
	CHECK(group_lookup("group", "4294967295", &gid) == USER_NONE);
	CHECK(gid == 99);
}

static void
test_missing_file_has_no_entries(void)
{
	uid_t uid = 99;
	gid_t gid = 99;

	/* A scratch image may have neither file: numbers still work. */
	CHECK(user_ids("none", "root", &uid, &gid) == USER_NONE);
	CHECK(user_ids("none", "0", &uid, &gid) == USER_NUMBER);
	CHECK(uid == 0 && gid == 99);
	CHECK(group_lookup("none", "root", &gid) == USER_NONE);
	CHECK(group_lookup("none", "5", &gid) == USER_NUMBER);
	CHECK(gid == 5);
}

static void
test_unreadable_file_is_an_error(void)
{
	uid_t uid = 99;
	gid_t gid = 99;

	errno = 0;
	CHECK(user_ids(".", "root", &uid, &gid) == -1);
	CHECK(errno == EISDIR);
	errno = 0;
	CHECK(user_ids(".", "0", &uid, &gid) == -1);
	CHECK(errno == EISDIR);
	errno = 0;
	CHECK(group_lookup(".", "5", &gid) == -1);
	CHECK(errno == EISDIR);
	CHECK(uid == 99 && gid == 99);
	if (geteuid() != 0) {	/* root reads it anyway */
		write_file("locked", "root:x:0:0::/:/bin/sh\n");
		CHECK(chmod("locked", 0) == 0);
		errno = 0;
		CHECK(user_ids("locked", "root", &uid, &gid) == -1);
		CHECK(errno == EACCES);
	}
}

static void
test_long_lines(void)
{
	size_t n = 100000;
	char *text;
	uid_t uid = 99;
	gid_t gid = 99;

	if ((text = malloc(n + 64)) == NULL) {
		CHECK(text != NULL);
		return;
	}
	memset(text, 'g', n);		/* a gecos field of 100000 bytes */
	memcpy(text, "long:x:3:4:", 11);
	strcpy(text + n, "\nafter:x:5:6::/:/bin/sh\n");
	write_file("longpasswd", text);
	free(text);
	CHECK(user_ids("longpasswd", "long", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 3 && gid == 4);
	CHECK(user_ids("longpasswd", "after", &uid, &gid) == USER_ENTRY);
	CHECK(uid == 5 && gid == 6);
}

static void
test_user_entry(void)
{
	struct user_entry e;

	CHECK(user_entry("passwd", "app", &e) == USER_ENTRY);
	CHECK(e.uid == 1000 && e.gid == 1001);
	CHECK_STR(e.name, "app");
	CHECK_STR(e.home, "/home/app");
	CHECK_STR(e.shell, "/bin/sh");
	user_entry_free(&e);
	/* found by uid: the entry's name, not the number */
	CHECK(user_entry("passwd", "65534", &e) == USER_ENTRY);
	CHECK_STR(e.name, "nobody");
	CHECK_STR(e.home, "/nonexistent");
	CHECK_STR(e.shell, "/usr/sbin/nologin");
	user_entry_free(&e);
	/* no home, no shell: left NULL */
	CHECK(user_entry("passwd", "short", &e) == USER_ENTRY);
	CHECK_STR(e.name, "short");
	CHECK(e.home == NULL && e.shell == NULL);
	user_entry_free(&e);
	CHECK(user_entry("passwd", "1500", &e) == USER_ENTRY);
	CHECK(e.uid == 1600 && e.home == NULL && e.shell == NULL);
	user_entry_free(&e);
	/* a number without an entry keeps the number as its name */
	CHECK(user_entry("passwd", "4242", &e) == USER_NUMBER);
	CHECK(e.uid == 4242);
	CHECK_STR(e.name, "4242");
	CHECK(e.home == NULL && e.shell == NULL);
	user_entry_free(&e);
	CHECK(user_entry("passwd", "ghost", &e) == USER_NONE);
	CHECK(e.name == NULL);
}

static void
test_user_groups(void)
{
	gid_t *g = NULL;
	size_t n = 0;

	/* the primary first, then each group listing the name, once */
	write_file("groups2", "staff:x:50:app,daemon\nweb:x:60:daemon\n"
	    "own:x:1001:app\n# app:x:70:app\nbad:x:7x:app\n"
	    "again:x:50:app\nlast:x:80:other,app\nshort:x:90\n"
	    "apps:x:91:apple,xapp,app2\n");
	CHECK(user_groups("groups2", "app", 1001, &g, &n) == 0);
	CHECK(n == 3);
	if (n == 3)
		CHECK(g[0] == 1001 && g[1] == 50 && g[2] == 80);
	free(g);
	CHECK(user_groups("groups2", "nobody", 65534, &g, &n) == 0);
	CHECK(n == 1 && g[0] == 65534);
	free(g);
	/* a uid without an entry has no name to be listed by */
	CHECK(user_groups("groups2", "", 7, &g, &n) == 0);
	CHECK(n == 1 && g[0] == 7);
	free(g);
	CHECK(user_groups("missing", "app", 5, &g, &n) == 0);
	CHECK(n == 1 && g[0] == 5);
	free(g);
}

int
main(void)
{
	char cmd[PATH_MAX];

	if (mkdtemp(root) == NULL || chdir(root) == -1) {
		perror(root);
		return 2;
	}
	write_file("passwd", passwd);
	write_file("group", group);

	test_user_found_by_name();
	test_user_name_is_exact();
	test_user_malformed_lines_skipped();
	test_user_found_by_uid();
	test_user_number_without_entry();
	test_group_lookup();
	test_missing_file_has_no_entries();
	test_unreadable_file_is_an_error();
	test_long_lines();
	test_user_entry();
	test_user_groups();

	CHECK(chdir("/") == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK(system(cmd) == 0);
	return UNIT_DONE("user");
}
