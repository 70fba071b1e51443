/* notify.h: sd_notify to systemd (when NOTIFY_SOCKET is set), and the app's own notify socket. */
#ifndef HOOKRUN_NOTIFY_H
#define HOOKRUN_NOTIFY_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads NOTIFY_SOCKET (a path, or "@name" for an abstract socket) and
 * WATCHDOG_USEC/WATCHDOG_PID, and removes them from hookrun's environment,
 * so that no child inherits them by accident.
 */
void	 notify_init(struct ev_loop *loop);
/* Sends one datagram ("READY=1", "STATUS=..."); nothing without NOTIFY_SOCKET. */
void	 notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A wait that may last ms begins (a hook, a lock, the ready wait, the app's
 * stop_timeout): EXTEND_TIMEOUT_USEC= of ms and some slack, so that
 * systemd's start or stop timeout does not cut it short. ms <= 0: a wait
 * without bound, extended again every few seconds until the next
 * notify_wait or notify_wait_over.
 */
void	 notify_wait(int64_t ms);
/* Nothing to wait for any more (the app is ready): no more extensions. */
void	 notify_wait_over(void);
/*
 * A failure that ends hookrun (a hook, the app): STATUS= says it now, and
 * again at notify_exit, whatever STATUS= came between. The first one counts.
 */
void	 notify_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* hookrun is about to exit. */
void	 notify_exit(void);
/* WATCHDOG=1 pings go out at half of WATCHDOG_USEC only while the app is alive. */
void	 notify_app_alive(int alive);

/*
 * The app's own socket (ready = notify): a datagram socket in a private
 * directory; its path goes into the app's NOTIFY_SOCKET. ready_cb runs on
 * READY=1; STATUS= lines are relayed to systemd. The directory and socket
 * are given to uid/gid (-1: unchanged), the app's user. -1 with errno.
 */
typedef void (*notify_ready_fn)(void *arg);
int	 notify_app_open(struct ev_loop *loop, notify_ready_fn ready_cb,
	    void *arg, uid_t uid, gid_t gid);
const char *notify_app_path(void);
void	 notify_app_close(struct ev_loop *loop);

#endif
