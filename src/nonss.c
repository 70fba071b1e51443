/* nonss.c: the service-name lookups c-ares links in, answered "unknown" without NSS. */
/*
 * hookrun gives c-ares ports, never service names, so these are never
 * asked; defined here, they keep glibc's NSS-backed ones (and their
 * "statically linked applications requires at runtime the shared libraries"
 * warning) out of hookrun, and a static hookrun from ever loading NSS.
 */
#include <errno.h>
#include <netdb.h>
#include <stddef.h>

struct servent *
getservbyname(const char *name, const char *proto)
{
	(void)name;
	(void)proto;
	return NULL;
}

int
getservbyport_r(int port, const char *proto, struct servent *result_buf,
    char *buf, size_t buflen, struct servent **result)
{
	(void)port;
	(void)proto;
	(void)result_buf;
	(void)buf;
	(void)buflen;
	*result = NULL;
	return ENOENT;
}
