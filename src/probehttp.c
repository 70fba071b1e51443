/* probehttp.c: an http:// probe on its connected socket: sends the GET, reads the status line, and closes. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "probe.h"
#include "probe_int.h"

static void
answer_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe *p = w->data;
	ssize_t n;
	int code = 0, r;

	(void)loop;
	(void)revents;
	if (revents & EV_WRITE) {
		n = write(p->fd, p->req + p->reqoff, p->reqlen - p->reqoff);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			probe_say(p, "%s: send: %s", p->t->text,
			    strerror(errno));
			p->finish(p, 0);
			return;
		}
		if ((p->reqoff += (size_t)n) < p->reqlen)
			return;
		ev_io_stop(p->ctx->rt->loop, &p->io);
		ev_io_set(&p->io, p->fd, EV_READ);
		ev_io_start(p->ctx->rt->loop, &p->io);
		return;
	}
	n = read(p->fd, p->head + p->headlen, sizeof(p->head) - p->headlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		probe_say(p, "%s: %s", p->t->text, strerror(errno));
		p->finish(p, 0);
		return;
	}
	p->headlen += (size_t)n;
	r = http_status_line(p->head, p->headlen, &code);
	if (r == 0 && n > 0 && p->headlen < sizeof(p->head))
		return;
	if (r == 1 && http_status_ok(&p->t->ok, code)) {
		p->finish(p, 1);
		return;
	}
	if (r == 1)
		probe_say(p, "%s: HTTP status %d", p->t->text, code);
	else if (p->headlen == 0)
		probe_say(p, "%s: connection closed without an answer",
		    p->t->text);
	else
		probe_say(p, "%s: the answer is not HTTP", p->t->text);
	p->finish(p, 0);
}

/* Connected: sends the GET, then reads until the status is known. */
void
probe_http(struct probe *p)
{
	int n;

	if ((n = http_request(p->t, p->req, sizeof(p->req))) < 0) {
		probe_say(p, "%s: the request is too long", p->t->text);
		p->finish(p, 0);
		return;
	}
	p->reqlen = (size_t)n;
	p->reqoff = 0;
	p->headlen = 0;
	ev_io_stop(p->ctx->rt->loop, &p->io);
	ev_io_init(&p->io, answer_cb, p->fd, EV_WRITE);
	p->io.data = p;
	ev_io_start(p->ctx->rt->loop, &p->io);
}
