/* test_status.c: the status file's format, both ways, and what --status exits with for each state. */
#include <string.h>
#include <sys/stat.h>

#include "status.h"
#include "unit.h"

static void
test_round_trip(void)
{
	struct status_info a, b;
	char buf[1024], err[128];

	memset(&a, 0, sizeof(a));
	a.version = 1;
	a.pid = 4242;
	a.pidns = 4026531836UL;
	a.state = STATUS_POST_START;
	strcpy(a.hook, "post_start:warm-cache");
	a.app_pid = 77;
	a.ready = 1;
	a.health = STATUS_HEALTH_STARTING;
	a.restarts = 3;
	a.since = 1700000000;
	a.exit_status = -1;
	CHECK(status_format(&a, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "state=post_start\n") != NULL);
	CHECK(strstr(buf, "hook=post_start:warm-cache\n") != NULL);
	CHECK(strstr(buf, "exit_status=\n") != NULL);
	CHECK(status_parse(buf, &b, err, sizeof(err)) == 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	CHECK(status_format(&a, buf, 40) == -1);

	a.state = STATUS_EXITED;
	a.exit_status = 143;
	a.hook[0] = '\0';
	CHECK(status_format(&a, buf, sizeof(buf)) > 0);
	CHECK(status_parse(buf, &b, err, sizeof(err)) == 0);
	CHECK(b.state == STATUS_EXITED && b.exit_status == 143);
	CHECK(b.hook[0] == '\0');
}

static void
test_parse_bad(void)
{
	struct status_info si;
	char err[128];

	CHECK(status_parse("", &si, err, sizeof(err)) == -1);
	CHECK_STR(err, "not a hookrun status file");
	CHECK(status_parse("pid=1\nstate=running\n", &si, err,
	    sizeof(err)) == -1);
	CHECK(status_parse("hookrun_status=1\npid=1\nstate=dancing\n", &si, err,
	    sizeof(err)) == -1);
	/* Unknown keys and odd lines are skipped: a later version may add some. */
	CHECK(status_parse("hookrun_status=2\nnoise\npid=9\nstate=running\n"
	    "colour=blue\nhealth=unhealthy\nrestarts=-4\n", &si, err,
	    sizeof(err)) == 0);
	CHECK(si.pid == 9 && si.state == STATUS_RUNNING);
	CHECK(si.health == STATUS_HEALTH_UNHEALTHY && si.restarts == 0);
	CHECK(si.exit_status == -1 && si.app_pid == 0);
}

static int
code(enum status_state st, enum status_health h)
{
	struct status_info si;

	memset(&si, 0, sizeof(si));
	si.state = st;
	si.health = h;
	return status_code(&si);
}

static void
test_codes(void)
{
	CHECK(code(STATUS_RUNNING, STATUS_HEALTH_NONE) == 0);
	CHECK(code(STATUS_RUNNING, STATUS_HEALTH_STARTING) == 0);
	CHECK(code(STATUS_RUNNING, STATUS_HEALTH_HEALTHY) == 0);
	CHECK(code(STATUS_RUNNING, STATUS_HEALTH_UNHEALTHY) == 2);
	CHECK(code(STATUS_PRE_START, STATUS_HEALTH_NONE) == 1);
	CHECK(code(STATUS_START, STATUS_HEALTH_NONE) == 1);
	CHECK(code(STATUS_POST_START, STATUS_HEALTH_HEALTHY) == 1);
	CHECK(code(STATUS_STOPPING, STATUS_HEALTH_NONE) == 1);
	CHECK(code(STATUS_RESTARTING, STATUS_HEALTH_UNHEALTHY) == 1);
	CHECK(code(STATUS_POST_STOP, STATUS_HEALTH_NONE) == 1);
	CHECK(code(STATUS_EXITED, STATUS_HEALTH_NONE) == 2);
	CHECK_STR(status_state_name(STATUS_RESTARTING), "restarting");
	CHECK_STR(status_health_name(STATUS_HEALTH_UNHEALTHY), "unhealthy");
}

/* The writer records it and the reader compares it: the namespace's inode. */
static void
test_pidns(void)
{
	struct stat st;

	CHECK(stat("/proc/self/ns/pid", &st) == 0);
	CHECK(status_pidns() != 0);
	CHECK(status_pidns() == (unsigned long)st.st_ino);
}

int
main(void)
{
	test_round_trip();
	test_parse_bad();
	test_codes();
	test_pidns();
	return UNIT_DONE("status");
}
