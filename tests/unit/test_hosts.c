/* test_hosts.c: hosts_resolve: address literals, the hosts file, localhost, no DNS. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

#include "hosts.h"
#include "unit.h"

static const char *
text(const struct hosts *h, int i, char *buf, size_t len)
{
	const struct sockaddr_storage *ss = &h->addr[i];

	if (ss->ss_family == AF_INET)
		return inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)ss)->sin_addr, buf, len);
	return inet_ntop(AF_INET6,
	    &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, len);
}

static int
port(const struct hosts *h, int i)
{
	const struct sockaddr_storage *ss = &h->addr[i];

	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

int
main(void)
{
	char path[] = "/tmp/hookrun-hosts.XXXXXX", buf[64];
	struct hosts h;
	FILE *f;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return 2;
	fputs("# comment\n"
	    "127.0.0.1\tlocalhost\n"
	    "::1 ip6-localhost\n"
	    "::1 two # comment two-not\n"
	    "10.0.0.7 other two\n"
	    "garbage two\n", f);
	fclose(f);

	CHECK(hosts_resolve(&h, path, "192.0.2.1", 80) == 1);
	CHECK_STR(text(&h, 0, buf, sizeof(buf)), "192.0.2.1");
	CHECK(port(&h, 0) == 80);
	CHECK(hosts_resolve(&h, path, "::1", 443) == 1);
	CHECK(h.addr[0].ss_family == AF_INET6 && port(&h, 0) == 443);

	/* Every address of a name, in file order; garbage is skipped. */
	CHECK(hosts_resolve(&h, path, "two", 5432) == 2);
	CHECK_STR(text(&h, 0, buf, sizeof(buf)), "::1");
	CHECK_STR(text(&h, 1, buf, sizeof(buf)), "10.0.0.7");
	CHECK(port(&h, 1) == 5432);
	/* A name after '#' is a comment. */
	CHECK(hosts_resolve(&h, path, "two-not", 1) == 0);
	CHECK(hosts_resolve(&h, path, "localhost", 8080) == 1);
	CHECK_STR(text(&h, 0, buf, sizeof(buf)), "127.0.0.1");

	/* No such name, and no DNS asked. */
	CHECK(hosts_resolve(&h, path, "example.invalid", 1) == 0);
	/* Without a hosts file, localhost still means loopback. */
	CHECK(hosts_resolve(&h, "/nonexistent/hosts", "localhost", 1) == 2);
	CHECK_STR(text(&h, 1, buf, sizeof(buf)), "::1");

	unlink(path);
	return UNIT_DONE("hosts");
}
