/* notify.c: sd_notify out to systemd, and the app's own notify socket in. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "safefile.h"
#include "notify.h"

#define APP_SOCKET	"notify"	/* its name in its directory */
/*
 * What systemd is told to add to a bounded wait: the moment hookrun needs
 * after it (a KILLed hook's group seen to go, the next step's message), with
 * room for a loaded machine.
 */
#define WAIT_SLACK_MS	2000
/* A wait without bound is extended by KEEP_MS, again every KEEP_EVERY_S. */
#define KEEP_MS		6000
#define KEEP_EVERY_S	2.

static int			 out_fd = -1;
static struct sockaddr_un	 out_addr;
static socklen_t		 out_len;
static struct ev_loop		*out_loop;
static ev_timer			 watchdog;
static ev_timer			 keep;		/* extends a wait without bound */
static int			 app_alive;
static char			 failure[512];	/* STATUS= after a failure */

static int			 app_fd = -1;
static ev_io			 app_io;
static struct safe_dir		 app_dir = { .parent = -1, .fd = -1 };
static char			 app_path[160];
static notify_ready_fn		 app_ready_cb;
static void			*app_ready_arg;

static void
watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (app_alive)
		notify_send("WATCHDOG=1");
}

static void
keep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	notify_send("EXTEND_TIMEOUT_USEC=%lld", (long long)KEEP_MS * 1000);
}

void
notify_init(struct ev_loop *loop)
{
	const char *path = getenv("NOTIFY_SOCKET"), *usec, *wpid;
	size_t len;
	unsigned long long us;

	if (path != NULL && (path[0] == '/' || path[0] == '@') &&
	    (len = strlen(path)) < sizeof(out_addr.sun_path)) {
		memset(&out_addr, 0, sizeof(out_addr));
		out_addr.sun_family = AF_UNIX;
		memcpy(out_addr.sun_path, path, len);
		if (path[0] == '@')
			out_addr.sun_path[0] = '\0';
		out_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
		out_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (out_fd == -1)
			log_warn("NOTIFY_SOCKET: socket: %s", strerror(errno));
	} else if (path != NULL)
		log_warn("NOTIFY_SOCKET '%s': not a socket path: ignored", path);

	usec = getenv("WATCHDOG_USEC");
	wpid = getenv("WATCHDOG_PID");
	if (out_fd >= 0 && usec != NULL && (us = strtoull(usec, NULL, 10)) > 0 &&
	    (wpid == NULL || strtol(wpid, NULL, 10) == (long)getpid())) {
		ev_timer_init(&watchdog, watchdog_cb, (ev_tstamp)us / 2e6,
		    (ev_tstamp)us / 2e6);
		ev_timer_start(loop, &watchdog);
	}
	out_loop = loop;
	ev_timer_init(&keep, keep_cb, KEEP_EVERY_S, KEEP_EVERY_S);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

void
notify_send(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (out_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (sendto(out_fd, buf, (size_t)n, MSG_NOSIGNAL,
	    (struct sockaddr *)&out_addr, out_len) == -1)
		log_debug("NOTIFY_SOCKET: sendto: %s", strerror(errno));
}

/*
 * systemd counts its start and stop timeouts from the start of the job; an
 * extension reaches from the moment it is received, and only ever moves
 * the deadline later. So each wait says how long it may last, as it begins.
 */
void
notify_wait(int64_t ms)
{
	if (out_fd < 0)
		return;
	ev_timer_stop(out_loop, &keep);
	if (ms > 0) {
		if (ms > INT64_MAX / 1000 - WAIT_SLACK_MS)
			ms = INT64_MAX / 1000 - WAIT_SLACK_MS;
		notify_send("EXTEND_TIMEOUT_USEC=%lld",
		    (long long)(ms + WAIT_SLACK_MS) * 1000);
		return;
	}
	keep_cb(out_loop, &keep, 0);
	ev_timer_again(out_loop, &keep);
}

void
notify_wait_over(void)
{
	if (out_fd >= 0)
		ev_timer_stop(out_loop, &keep);
}

void
notify_failed(const char *fmt, ...)
{
	va_list ap;

	if (failure[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	notify_send("STATUS=%s", failure);
}

void
notify_exit(void)
{
	notify_wait_over();
	if (failure[0] != '\0')
		notify_send("STATUS=%s", failure);
}

void
notify_app_alive(int alive)
{
	app_alive = alive;
}

/* One datagram from the app: newline-separated VAR=value assignments. */
static void
app_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	char buf[4096], *line, *save = NULL;
	ssize_t n;

	(void)loop;
	(void)revents;
	while ((n = recv(w->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (strcmp(line, "READY=1") == 0) {
				if (app_ready_cb != NULL)
					app_ready_cb(app_ready_arg);
			} else if (strncmp(line, "STATUS=", 7) == 0)
				notify_send("%s", line);
		}
	}
}

/*
 * The socket lives in a directory of hookrun's own that stays hookrun's:
 * the app's user may reach the socket (its owner, mode 0600) through it,
 * but can neither replace nor add anything there, so that removing it
 * later, by descriptor, removes nothing else.
 */
int
notify_app_open(struct ev_loop *loop, notify_ready_fn ready_cb, void *arg,
    uid_t uid, gid_t gid)
{
	struct sockaddr_un sa;
	struct stat st;
	char why[256];
	int saved;

	if (safe_mkdtemp(&app_dir, "hookrun-notify", why, sizeof(why)) == -1) {
		log_debug("notify socket: %s", why);
		return -1;
	}
	snprintf(app_path, sizeof(app_path), "%s/" APP_SOCKET, app_dir.path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(app_path) >= sizeof(sa.sun_path)) {
		notify_app_close(loop);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, app_path, strlen(app_path) + 1);
	if ((app_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1 || bind(app_fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    fstatat(app_dir.fd, APP_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    (!S_ISSOCK(st.st_mode) && (errno = EPERM)) ||
	    safe_dir_share(&app_dir, APP_SOCKET, uid, gid) == -1) {
		saved = errno;
		notify_app_close(loop);
		errno = saved;
		return -1;
	}
	app_ready_cb = ready_cb;
	app_ready_arg = arg;
	ev_io_init(&app_io, app_cb, app_fd, EV_READ);
	ev_io_start(loop, &app_io);
	return 0;
}

const char *
notify_app_path(void)
{
	return app_fd >= 0 ? app_path : NULL;
}

void
notify_app_close(struct ev_loop *loop)
{
	if (app_fd >= 0) {
		ev_io_stop(loop, &app_io);
		close(app_fd);
		app_fd = -1;
	}
	safe_dir_remove(&app_dir, APP_SOCKET);
	app_path[0] = '\0';
}
