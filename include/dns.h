/* dns.h: a name's addresses from DNS, asked on the event loop through c-ares, without NSS. */
#ifndef HOOKRUN_DNS_H
#define HOOKRUN_DNS_H

#include <ev.h>
#include <stddef.h>

#include "hosts.h"

/*
 * For tests: the resolv.conf to read instead of /etc/resolv.conf (the hosts
 * file's is in hosts.h).
 */
#define DNS_RESOLV_CONF_ENV	"HOOKRUN_RESOLV_CONF"

struct dns_req;
/* A query in flight; req is NULL once it has answered or been cancelled. */
struct dns_query {
	struct dns_req	*req;
};

/* h: the addresses (with port set), or NULL with err saying why not. */
typedef void (*dns_fn)(void *arg, const struct hosts *h, const char *err);

/*
 * Asks DNS for host's IPv4 and IPv6 addresses, per resolv.conf (servers,
 * search domains, ndots, timeout, attempts); nothing else is read: no
 * nsswitch.conf, no hosts file (see hosts.h), no NSS module. cb runs once,
 * from the loop, or before dns_resolve returns when the query cannot even
 * be sent. resolv.conf is read afresh for each query after an idle moment,
 * and no socket nor timer is left once no query is pending.
 */
void	 dns_resolve(struct dns_query *q, struct ev_loop *loop,
	    const char *host, int port, dns_fn cb, void *arg);
/* Forgets a query: its callback never comes. Safe when none is pending. */
void	 dns_cancel(struct dns_query *q);
/* Drops every query (no callbacks) and c-ares' state, at exit. */
void	 dns_shutdown(void);

/*
 * Resolves host now, on a loop of its own, waiting at most timeout_s (for
 * the plan, before any loop runs). Returns h->n, or 0 with a reason in err.
 */
int	 dns_lookup_now(const char *host, int port, struct hosts *h,
	    double timeout_s, char *err, size_t len);

#endif
