/* hosts.c: a host's addresses from an address literal or /etc/hosts: the local half of a probe's lookup. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosts.h"

static int
hosts_add(struct hosts *h, const char *text, int port)
{
	struct sockaddr_storage *ss = &h->addr[h->n];
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (h->n == HOSTS_MAX)
		return 0;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		h->len[h->n++] = sizeof(*in4);
		return 1;
	}
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		h->len[h->n++] = sizeof(*in6);
		return 1;
	}
	return 0;
}

int
hosts_resolve(struct hosts *h, const char *hosts_file, const char *host,
    int port)
{
	char *line = NULL, *tok, *save, *addr;
	size_t cap = 0;
	FILE *f;

	h->n = 0;
	if (hosts_add(h, host, port))
		return h->n;
	if ((f = fopen(hosts_file, "re")) != NULL) {
		while (getline(&line, &cap, f) != -1) {
			if ((addr = strtok_r(line, " \t\n", &save)) == NULL ||
			    addr[0] == '#')
				continue;
			while ((tok = strtok_r(NULL, " \t\n", &save)) != NULL &&
			    tok[0] != '#')
				if (strcmp(tok, host) == 0) {
					hosts_add(h, addr, port);
					break;
				}
		}
		free(line);
		fclose(f);
	}
	if (h->n == 0 && strcmp(host, "localhost") == 0) {
		hosts_add(h, "127.0.0.1", port);
		hosts_add(h, "::1", port);
	}
	return h->n;
}

const char *
hosts_file(void)
{
	const char *p = getenv(HOSTS_FILE_ENV);

	return p != NULL && *p != '\0' ? p : "/etc/hosts";
}

const char *
hosts_text(const struct hosts *h, int i, char *buf, size_t len)
{
	const struct sockaddr_storage *ss = &h->addr[i];

	if (ss->ss_family == AF_INET6)
		return inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
		    (socklen_t)len);
	return inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
	    buf, (socklen_t)len);
}
