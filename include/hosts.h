/* hosts.h: a host's addresses, from an address or the hosts file: never DNS. */
#ifndef HOOKRUN_HOSTS_H
#define HOOKRUN_HOSTS_H

#include <sys/socket.h>

#define HOSTS_MAX	8

struct hosts {
	struct sockaddr_storage	 addr[HOSTS_MAX];
	socklen_t		 len[HOSTS_MAX];
	int			 n;
};

/*
 * Fills h with host's addresses and port: host itself when it is an IPv4 or
 * IPv6 address, else every address hosts_file (normally /etc/hosts) gives
 * it, in order, else 127.0.0.1 and ::1 for "localhost". DNS is never asked:
 * its blocking lookups would stall the supervisor, and need NSS when
 * static. Returns h->n (0: unknown).
 */
int	 hosts_resolve(struct hosts *h, const char *hosts_file, const char *host,
	    int port);

#endif
