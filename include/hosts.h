/* hosts.h: a host's addresses, from an address or the hosts file (DNS is dns.h's). */
#ifndef HOOKRUN_HOSTS_H
#define HOOKRUN_HOSTS_H

#include <stddef.h>
#include <sys/socket.h>

#define HOSTS_MAX	16

struct hosts {
	struct sockaddr_storage	 addr[HOSTS_MAX];
	socklen_t		 len[HOSTS_MAX];
	int			 n;
};

/*
 * Fills h with host's addresses and port: host itself when it is an IPv4 or
 * IPv6 address, else every address hosts_file (normally /etc/hosts) gives
 * it, in order, else 127.0.0.1 and ::1 for "localhost". DNS is not asked
 * here (see dns.h): this is the quick, local part of a lookup, as NSS's
 * "files" is. Returns h->n (0: unknown).
 */
int	 hosts_resolve(struct hosts *h, const char *hosts_file, const char *host,
	    int port);

/* For tests: the hosts file to read instead of /etc/hosts. */
#define HOSTS_FILE_ENV	"HOOKRUN_HOSTS_FILE"
/* $HOOKRUN_HOSTS_FILE, else /etc/hosts. */
const char *hosts_file(void);
/* One address as text: "127.0.0.1", "::1" (without the port). */
const char *hosts_text(const struct hosts *h, int i, char *buf, size_t len);

#endif
