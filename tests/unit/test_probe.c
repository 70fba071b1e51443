/* test_probe.c: probe_parse (tcp:, http://, unix:, exec:, and their errors), and the HTTP bits: status lines, http_status lists, the request. */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "probe.h"
#include "unit.h"

static char err[256];
static struct probe_target t;

static int
parse(const char *s)
{
	probe_target_free(&t);
	err[0] = '\0';
	return probe_parse(s, &t, err, sizeof(err));
}

static void
test_tcp(void)
{
	CHECK(parse("tcp:db:5432") == 0);
	CHECK(t.kind == PROBE_TCP && t.port == 5432);
	CHECK_STR(t.host, "db");
	CHECK_STR(t.text, "tcp:db:5432");
	CHECK(probe_has_name(&t));
	CHECK(parse("tcp:10.0.0.5:1") == 0);
	CHECK(!probe_has_name(&t));
	CHECK(parse("tcp:[::1]:80") == 0);
	CHECK_STR(t.host, "::1");
	CHECK(!probe_has_name(&t));
	/* A bare IPv6 address: the last ':' ends it (as ready = tcp: always took). */
	CHECK(parse("tcp:::1:80") == 0);
	CHECK_STR(t.host, "::1");
	CHECK(t.port == 80);
	CHECK(parse("tcp:db.svc.cluster.local:65535") == 0);
	CHECK(t.port == 65535);

	CHECK(parse("tcp:db") == -1);
	CHECK_STR(err, "tcp:HOST:PORT: missing ':PORT'");
	CHECK(parse("tcp::80") == -1);
	CHECK_STR(err, "tcp:HOST:PORT: missing host");
	CHECK(parse("tcp:db:") == -1);
	CHECK_STR(err, "tcp:HOST:PORT: missing port after ':'");
	CHECK(parse("tcp:db:65536") == -1);
	CHECK_STR(err, "tcp:HOST:PORT: port 65536 is out of range (1 to 65535)");
	CHECK(parse("tcp:db:0") == -1);
	CHECK(parse("tcp:db:99999999999999999999") == -1);
	CHECK(strstr(err, "out of range") != NULL);
	CHECK(parse("tcp:db:54x") == -1);
	CHECK_STR(err, "tcp:HOST:PORT: port '54x' is not a number");
	CHECK(parse("tcp:d b:1") == -1);
	CHECK_STR(err, "tcp:HOST:PORT: bad host 'd b'");
	CHECK(parse("tcp:[::1:80") == -1);
	CHECK_STR(err, "tcp:HOST:PORT: missing ']' after the IPv6 address");
	CHECK(parse("tcp:[::1]80") == -1);
	CHECK(parse("tcp:[]:80") == -1);
	CHECK_STR(err, "tcp:HOST:PORT: missing host");
}

static void
test_http(void)
{
	CHECK(parse("http://auth:8080/health") == 0);
	CHECK(t.kind == PROBE_HTTP && t.port == 8080);
	CHECK_STR(t.host, "auth");
	CHECK_STR(t.path, "/health");
	CHECK(parse("http://auth") == 0);
	CHECK(t.port == 80);
	CHECK_STR(t.path, "/");
	CHECK(parse("http://auth?ready=1") == 0);
	CHECK_STR(t.path, "/?ready=1");
	CHECK(parse("http://auth/a/b?x=%20#frag") == 0);
	CHECK_STR(t.path, "/a/b?x=%20");
	CHECK(parse("http://[::1]:4000/h") == 0);
	CHECK_STR(t.host, "::1");
	CHECK(t.port == 4000);
	CHECK(parse("http://[fe80::1%eth0]/") == 0);
	CHECK_STR(t.host, "fe80::1%eth0");

	CHECK(parse("http://") == -1);
	CHECK_STR(err, "http://HOST:PORT/PATH: missing host");
	CHECK(parse("http:///health") == -1);
	CHECK_STR(err, "http://HOST:PORT/PATH: missing host");
	CHECK(parse("http://:80/") == -1);
	CHECK(parse("http://x:70000/") == -1);
	CHECK_STR(err, "http://HOST:PORT/PATH: port 70000 is out of range "
	    "(1 to 65535)");
	CHECK(parse("http://::1/") == -1);
	CHECK_STR(err, "http://HOST:PORT/PATH: an IPv6 address goes in "
	    "brackets: [::1]");
	CHECK(parse("http://u:p@x/") == -1);
	CHECK_STR(err, "http://: a user or password in the URL is not "
	    "supported");
	CHECK(parse("http://x/a b") == -1);
	CHECK(strstr(err, "blank or control") != NULL);
	CHECK(parse("http://x/a\r\nHost: y") == -1);
	CHECK(parse("https://x/") == -1);
	CHECK(strstr(err, "https:// is not supported") != NULL);
}

static void
test_unix_exec_unknown(void)
{
	char longp[200];

	CHECK(parse("unix:/run/app.sock") == 0);
	CHECK(t.kind == PROBE_UNIX);
	CHECK_STR(t.path, "/run/app.sock");
	CHECK(!probe_has_name(&t));
	CHECK(parse("unix:@app") == 0);
	CHECK_STR(t.path, "@app");
	CHECK(parse("unix:run/app.sock") == -1);
	CHECK_STR(err, "unix:PATH needs an absolute path (or @NAME for an "
	    "abstract socket)");
	CHECK(parse("unix:") == -1);
	CHECK(parse("unix:/") == -1);
	memcpy(longp, "unix:/", 6);
	memset(longp + 6, 'a', sizeof(longp) - 7);
	longp[sizeof(longp) - 1] = '\0';
	CHECK(parse(longp) == -1);
	CHECK_STR(err, "unix:PATH: the path must have 1 to 107 bytes");
	longp[5 + 107] = '\0';
	CHECK(parse(longp) == 0);

	CHECK(parse("exec:pg_isready -h 'db host'") == 0);
	CHECK(t.kind == PROBE_EXEC);
	CHECK_STR(t.argv[0], "pg_isready");
	CHECK_STR(t.argv[2], "db host");
	CHECK(t.argv[3] == NULL);
	CHECK(parse("exec:") == -1);
	CHECK(parse("exec:'x") == -1);

	CHECK(parse("udp:db:53") == -1);
	CHECK_STR(err, "unknown probe 'udp:' (use tcp:HOST:PORT, "
	    "http://HOST:PORT/PATH, unix:PATH or exec:COMMAND)");
	CHECK(parse("db") == -1);
	CHECK_STR(err, "unknown probe 'db' (use tcp:HOST:PORT, "
	    "http://HOST:PORT/PATH, unix:PATH or exec:COMMAND)");
	CHECK(t.text == NULL && t.host == NULL);
}

static int
status(const char *s)
{
	int code = -7;
	int r = http_status_line(s, strlen(s), &code);

	return r == 1 ? code : r;
}

static void
test_status_line(void)
{
	CHECK(status("HTTP/1.1 200 OK\r\n") == 200);
	CHECK(status("HTTP/1.0 503 Service Unavailable\r\n") == 503);
	CHECK(status("HTTP/1.1 204\r\n") == 204);
	CHECK(status("HTTP/2 301 \r\n") == 301);
	CHECK(status("HTTP/1.1 404\n") == 404);
	/* Known before the line ends: the byte after the code decides. */
	CHECK(status("HTTP/1.1 200 ") == 200);
	/* Not yet known. */
	CHECK(status("") == 0);
	CHECK(status("HT") == 0);
	CHECK(status("HTTP/1.1") == 0);
	CHECK(status("HTTP/1.1 20") == 0);
	CHECK(status("HTTP/1.1 200") == 0);
	/* Not HTTP, as soon as that shows. */
	CHECK(status("SSH-2.0-OpenSSH_9.2\r\n") == -1);
	CHECK(status("220 smtp ready") == -1);
	CHECK(status("HTTP/x.1 200 OK") == -1);
	CHECK(status("HTTP/1.1 2x0 OK") == -1);
	CHECK(status("HTTP/1.1 2000 OK") == -1);
	CHECK(status("HTTP/1.1  200 OK") == -1);
	CHECK(status("HTTP/1.1 099 OK") == -1);
	CHECK(status("http/1.1 200 OK") == -1);
}

static void
test_codes(void)
{
	struct http_codes c;
	char req[256];
	int n;

	memset(&c, 0, sizeof(c));
	CHECK(http_status_ok(&c, 200) && http_status_ok(&c, 399));
	CHECK(http_status_ok(&c, 302) && http_status_ok(&c, 204));
	CHECK(!http_status_ok(&c, 199) && !http_status_ok(&c, 400));
	CHECK(!http_status_ok(&c, 503));
	CHECK(http_codes_parse("401, 503 599", &c, err, sizeof(err)) == 0);
	CHECK(http_status_ok(&c, 401) && http_status_ok(&c, 503));
	CHECK(http_status_ok(&c, 599) && http_status_ok(&c, 200));
	CHECK(!http_status_ok(&c, 404));
	CHECK(http_codes_parse("100", &c, err, sizeof(err)) == 0);
	CHECK(http_codes_has(&c, 100) && !http_codes_has(&c, 600));
	CHECK(http_codes_parse("600", &c, err, sizeof(err)) == -1);
	CHECK_STR(err, "'600' is not an HTTP status (use 100 to 599)");
	CHECK(http_codes_parse("2xx", &c, err, sizeof(err)) == -1);
	CHECK(http_codes_parse("404,", &c, err, sizeof(err)) == -1);
	CHECK(http_codes_parse(", 404", &c, err, sizeof(err)) == -1);
	CHECK(!http_codes_has(&c, 404));	/* untouched on error */
	CHECK(http_codes_parse("99999999999", &c, err, sizeof(err)) == -1);

	CHECK(parse("http://auth:8080/health?x=1") == 0);
	n = http_request(&t, req, sizeof(req));
	CHECK(n > 0 && (size_t)n == strlen(req));
	CHECK(strncmp(req, "GET /health?x=1 HTTP/1.1\r\nHost: auth:8080\r\n",
	    42) == 0);
	CHECK(strstr(req, "Connection: close\r\n") != NULL);
	CHECK(n > 4 && strcmp(req + n - 4, "\r\n\r\n") == 0);
	CHECK(parse("http://[::1]/") == 0);
	CHECK(http_request(&t, req, sizeof(req)) > 0);
	CHECK(strstr(req, "\r\nHost: [::1]\r\n") != NULL);
	CHECK(http_request(&t, req, 20) == -1);
}

int
main(void)
{
	test_tcp();
	test_http();
	test_unix_exec_unknown();
	test_status_line();
	test_codes();
	probe_target_free(&t);
	return UNIT_DONE("probe");
}
