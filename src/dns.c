/* dns.c: DNS lookups on the event loop through c-ares, reading resolv.conf itself: no NSS, so static builds resolve too. */
#define _GNU_SOURCE
#include <ares.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

struct dns_req {
	struct dns_query	*q;	/* NULL: cancelled (freed on c-ares' answer) */
	dns_fn			 cb;
	void			*arg;
	int			 port;
};

struct dns_sock {
	ev_io			 io;
	struct dns_sock		*next;
};

static ares_channel	 channel;
static struct ev_loop	*chan_loop;
static size_t		 pending;	/* queries c-ares has yet to answer */
static size_t		 live;		/* of those, the ones not cancelled */
static int		 in_ares;	/* inside c-ares: the channel must stay */
static ev_timer		 timer;		/* c-ares' next timeout */
static struct dns_sock	*socks;
static int		 lib_ready;
static int		 closing;	/* answers now are not passed on */

/* The resolv.conf in use. */
static const char *
dns_resolv_conf(void)
{
	const char *p = getenv(DNS_RESOLV_CONF_ENV);

	return p != NULL && *p != '\0' ? p : "/etc/resolv.conf";
}

static void
sock_free_all(void)
{
	struct dns_sock *s;

	while ((s = socks) != NULL) {
		socks = s->next;
		ev_io_stop(chan_loop, &s->io);
		free(s);
	}
}

static void
channel_close(void)
{
	if (channel == NULL)
		return;
	in_ares++;
	closing = 1;
	ares_destroy(channel);	/* answers what is pending: ARES_EDESTRUCTION */
	closing = 0;
	in_ares--;
	channel = NULL;
	ev_timer_stop(chan_loop, &timer);
	sock_free_all();
}

/*
 * No query anyone waits for, and not inside c-ares: nothing stays open, not
 * even for the answers to cancelled queries (a probe cut short by its hook's
 * timeout), which would keep c-ares' retry timers going for nothing.
 */
static void
channel_idle(void)
{
	if (live == 0 && in_ares == 0)
		channel_close();
}

static void
timer_update(void)
{
	struct timeval tv, *t;

	ev_timer_stop(chan_loop, &timer);
	if (channel == NULL || (t = ares_timeout(channel, NULL, &tv)) == NULL)
		return;
	ev_timer_set(&timer, (ev_tstamp)t->tv_sec + (ev_tstamp)t->tv_usec / 1e6,
	    0.);
	ev_timer_start(chan_loop, &timer);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	int fd = w->fd;		/* w may be freed inside c-ares */

	(void)loop;
	in_ares++;
	ares_process_fd(channel, revents & EV_READ ? fd : ARES_SOCKET_BAD,
	    revents & EV_WRITE ? fd : ARES_SOCKET_BAD);
	in_ares--;
	timer_update();
	channel_idle();
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	in_ares++;
	ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	in_ares--;
	timer_update();
	channel_idle();
}

/* c-ares opens, watches and closes its sockets through this. */
static void
sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_sock **sp, *s;

	(void)data;
	for (sp = &socks; *sp != NULL && (*sp)->io.fd != fd; sp = &(*sp)->next)
		;
	if ((s = *sp) != NULL)
		ev_io_stop(chan_loop, &s->io);
	if (!readable && !writable) {
		if (s != NULL) {
			*sp = s->next;
			free(s);
		}
		return;
	}
	if (s == NULL) {
		/* Without memory the query times out: c-ares says so. */
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return;
		s->next = socks;
		socks = s;
	}
	ev_io_init(&s->io, io_cb, fd, (readable ? EV_READ : 0) |
	    (writable ? EV_WRITE : 0));
	ev_io_start(chan_loop, &s->io);
}

/*
 * A channel that reads resolv.conf (or $HOOKRUN_RESOLV_CONF) and nothing
 * else: lookups "b" keeps c-ares from nsswitch.conf and host.conf, and from
 * its own hosts file lookup (hosts.c did that).
 */
static const char *
channel_open(struct ev_loop *loop)
{
	struct ares_options o;
	int r;

	if (!lib_ready) {
		if ((r = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS)
			return ares_strerror(r);
		lib_ready = 1;
	}
	memset(&o, 0, sizeof(o));
	o.lookups = (char *)"b";
	o.sock_state_cb = sock_state_cb;
	o.resolvconf_path = (char *)dns_resolv_conf();
	if ((r = ares_init_options(&channel, &o, ARES_OPT_LOOKUPS |
	    ARES_OPT_SOCK_STATE_CB | ARES_OPT_RESOLVCONF)) != ARES_SUCCESS) {
		channel = NULL;
		return ares_strerror(r);
	}
	chan_loop = loop;
	ev_timer_init(&timer, timer_cb, 0., 0.);
	return NULL;
}

static void
hosts_from(struct hosts *h, const struct ares_addrinfo *res, int port)
{
	const struct ares_addrinfo_node *n;

	h->n = 0;
	for (n = res != NULL ? res->nodes : NULL; n != NULL && h->n < HOSTS_MAX;
	    n = n->ai_next) {
		if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) ||
		    (size_t)n->ai_addrlen > sizeof(h->addr[0]))
			continue;
		memset(&h->addr[h->n], 0, sizeof(h->addr[0]));
		memcpy(&h->addr[h->n], n->ai_addr, (size_t)n->ai_addrlen);
		if (n->ai_family == AF_INET)
			((struct sockaddr_in *)&h->addr[h->n])->sin_port =
			    htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)&h->addr[h->n])->sin6_port =
			    htons((uint16_t)port);
		h->len[h->n++] = (socklen_t)n->ai_addrlen;
	}
}

static void
addrinfo_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_req *r = arg;
	struct hosts h;
	dns_fn cb = r->cb;
	void *cbarg = r->arg;
	int wanted = r->q != NULL && !closing;

	(void)timeouts;
	pending--;
	if (live > 0 && r->q != NULL)
		live--;
	if (r->q != NULL)
		r->q->req = NULL;
	if (wanted)
		hosts_from(&h, status == ARES_SUCCESS ? res : NULL, r->port);
	free(r);
	if (res != NULL)
		ares_freeaddrinfo(res);
	if (!wanted)
		return;
	if (h.n > 0)
		cb(cbarg, &h, NULL);
	else
		cb(cbarg, NULL, status == ARES_SUCCESS ? "no address" :
		    ares_strerror(status));
}

void
dns_resolve(struct dns_query *q, struct ev_loop *loop, const char *host,
    int port, dns_fn cb, void *arg)
{
	struct ares_addrinfo_hints hints;
	struct dns_req *r;
	const char *err;

	q->req = NULL;
	if (channel != NULL && chan_loop != loop)
		channel_idle();
	if (channel == NULL && (err = channel_open(loop)) != NULL) {
		cb(arg, NULL, err);
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		channel_idle();
		cb(arg, NULL, "out of memory");
		return;
	}
	r->q = q;
	r->cb = cb;
	r->arg = arg;
	r->port = port;
	q->req = r;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	pending++;
	live++;
	in_ares++;
	ares_getaddrinfo(channel, host, NULL, &hints, addrinfo_cb, r);
	in_ares--;
	timer_update();
	channel_idle();
}

void
dns_cancel(struct dns_query *q)
{
	if (q->req != NULL) {
		q->req->q = NULL;
		q->req = NULL;
		live--;
		channel_idle();
	}
}

void
dns_shutdown(void)
{
	channel_close();
	if (lib_ready)
		ares_library_cleanup();
	lib_ready = 0;
}

struct lookup_now {
	int		 done;
	struct hosts	*h;
	char		*err;
	size_t		 len;
};

static void
now_cb(void *arg, const struct hosts *h, const char *err)
{
	struct lookup_now *ln = arg;

	ln->done = 1;
	if (h != NULL)
		*ln->h = *h;
	else
		snprintf(ln->err, ln->len, "%s", err);
}

static void
now_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	now_cb(w->data, NULL, "no answer in time");
}

int
dns_lookup_now(const char *host, int port, struct hosts *h, double timeout_s,
    char *err, size_t len)
{
	struct lookup_now ln = { 0, h, err, len };
	struct dns_query q;
	struct ev_loop *loop;
	ev_timer t;

	h->n = 0;
	if ((loop = ev_loop_new(EVFLAG_NOENV)) == NULL) {
		snprintf(err, len, "cannot make an event loop");
		return 0;
	}
	ev_timer_init(&t, now_timeout, timeout_s, 0.);
	t.data = &ln;
	ev_timer_start(loop, &t);
	dns_resolve(&q, loop, host, port, now_cb, &ln);
	while (!ln.done)
		ev_run(loop, EVRUN_ONCE);
	dns_cancel(&q);
	ev_timer_stop(loop, &t);
	channel_close();
	ev_loop_destroy(loop);
	return h->n;
}
