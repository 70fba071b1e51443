/* lockexec.c: lock = exec:COMMAND: starts the lock command, speaks its line protocol, reports to lock.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.h"
#include "lockexec.h"
#include "log.h"
#include "parse.h"
#include "path.h"
#include "spawn.h"

/*
 * COMMAND answers "locked" or "done" on its stdout; after the hook, hookrun
 * writes "success" or "failure" on its stdin and closes it (after "done":
 * closes it at once), and COMMAND exits. Its stderr is hookrun's. Its exit
 * while the hook runs means the lock is lost.
 */

enum { X_IDLE, X_WAITING, X_HELD, X_RELEASING };

/* A KILLed command not gone within this is given up on. */
#define KILL_BOUND	1.

/* Ends what lockexec_start began (every event but LOST): nothing stays active. */
static void
settle(struct lockexec *x, enum lockexec_event ev)
{
	ev_timer_stop(x->loop, &x->timer);
	x->state = X_IDLE;
	x->cb(x, ev, x->data);
}

static void
close_input(struct lockexec *x)
{
	if (x->to >= 0)
		close(x->to);
	x->to = -1;
}

static void
close_output(struct lockexec *x)
{
	if (x->from < 0)
		return;
	ev_io_stop(x->loop, &x->io);
	close(x->from);
	x->from = -1;
}

/* sig to its group; to itself when it has left the group. */
static void
signal_command(struct lockexec *x, int sig)
{
	if (spawn_kill(-x->pid, sig) == -1 && errno == ESRCH)
		spawn_kill(x->pid, sig);
}

void
lockexec_stop(struct lockexec *x)
{
	ev_timer_stop(x->loop, &x->timer);
	if (x->pid > 0) {
		signal_command(x, SIGTERM);
		children_unwatch(&x->child);
		x->pid = 0;
	}
	close_output(x);
	close_input(x);
	x->state = X_IDLE;
}

/*
 * Reads what COMMAND wrote until the pipe is empty, keeping its first line
 * (the rest is dropped). Returns 1 at EOF or on an error.
 */
static int
read_output(struct lockexec *x)
{
	char buf[512];
	size_t room;
	ssize_t n;

	while ((n = read(x->from, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno != EAGAIN;
		if (memchr(x->said, '\n', x->saidlen) != NULL)
			continue;
		room = sizeof(x->said) - 1 - x->saidlen;
		if ((size_t)n < room)
			room = (size_t)n;
		memcpy(x->said + x->saidlen, buf, room);
		x->saidlen += room;
	}
	return 1;
}

/* Its answer so far: see parse_lock_answer. */
static int
answer(struct lockexec *x, int eof)
{
	return parse_lock_answer(x->said, &x->saidlen, sizeof(x->said), eof);
}

static void
release_wait(struct lockexec *x)
{
	x->state = X_RELEASING;
	ev_timer_stop(x->loop, &x->timer);
	ev_timer_set(&x->timer, (ev_tstamp)x->grace_ms / 1000., 0.);
	ev_timer_start(x->loop, &x->timer);
}

static void
answered(struct lockexec *x, int a)
{
	switch (a) {
	case 'l':
		log_debug("%s:%s: lock command (pid %d) holds the lock",
		    x->phase, x->hook->name, (int)x->pid);
		x->state = X_HELD;
		x->cb(x, LOCKEXEC_LOCKED, x->data);
		break;
	case 'd':
		/* Nothing to run: it may let go at once. */
		x->done = 1;
		close_input(x);
		release_wait(x);
		break;
	default:
		log_event(LOG_ERR, x->phase, x->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command (pid %d) said '%s', "
		    "expected 'locked' or 'done'", (int)x->pid, x->said);
		lockexec_stop(x);
		settle(x, LOCKEXEC_FAILED);
		break;
	}
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct lockexec *x = w->data;
	int a;

	(void)loop;
	(void)revents;
	if (read_output(x))
		close_output(x);
	/* At EOF with no answer yet, its exit tells the rest. */
	if (x->state == X_WAITING && (a = answer(x, 0)) != 0)
		answered(x, a);
}

static void
exited_waiting(struct lockexec *x, const char *how)
{
	int a = answer(x, 1);

	if (a == 'd') {
		x->done = 1;
		settle(x, LOCKEXEC_DONE);
		return;
	}
	if (a == '?')
		log_event(LOG_ERR, x->phase, x->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command said '%s' and %s",
		    x->said, how);
	else
		log_event(LOG_ERR, x->phase, x->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command %s %s", how,
		    a == 'l' ? "right after answering 'locked'" :
		    "before answering");
	settle(x, LOCKEXEC_FAILED);
}

static void
child_cb(struct child_watch *w, int wstatus)
{
	struct lockexec *x = w->data;
	int ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
	char how[64];

	children_exit_text(wstatus, how, sizeof(how));
	if (x->from >= 0)
		read_output(x);
	close_output(x);
	close_input(x);
	switch (x->state) {
	case X_WAITING:
		x->pid = 0;
		exited_waiting(x, how);
		return;
	case X_HELD:
		log_event(LOG_ERR, x->phase, x->hook->name, "lock_lost",
		    LOCK_STATUS_FAILED, -1, "lock command (pid %d) %s while "
		    "the hook ran: the lock is lost", (int)x->pid, how);
		x->pid = 0;
		x->cb(x, LOCKEXEC_LOST, x->data);
		return;
	case X_RELEASING:
		break;
	default:
		return;
	}
	if (!ok && x->success && x->hook->once != NULL)
		log_event(LOG_ERR, x->phase, x->hook->name, "once_record",
		    -1, -1, "lock command (pid %d) %s after 'success': once key "
		    "'%s' may not be recorded", (int)x->pid, how,
		    x->hook->once);
	else if (!ok)
		log_event(LOG_WARN, x->phase, x->hook->name, "lock_error",
		    -1, -1, "lock command (pid %d) %s on release",
		    (int)x->pid, how);
	x->pid = 0;
	settle(x, x->done ? LOCKEXEC_DONE : LOCKEXEC_EXITED);
}

/* Its grace to exit is over: KILL; a second after, it is given up on. */
static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct lockexec *x = w->data;
	char d[32];

	(void)revents;
	if (!x->kill_sent) {
		x->kill_sent = 1;
		format_duration(x->grace_ms, d, sizeof(d));
		log_event(LOG_WARN, x->phase, x->hook->name, "lock_kill",
		    -1, -1, "lock command (pid %d) still running %s after its "
		    "stdin closed: sending KILL", (int)x->pid, d);
		signal_command(x, SIGKILL);
		ev_timer_set(w, KILL_BOUND, 0.);
		ev_timer_start(loop, w);
		return;
	}
	log_event(LOG_WARN, x->phase, x->hook->name, "lock_kill", -1, -1,
	    "lock command (pid %d) still there %gs after KILL: giving up on it",
	    (int)x->pid, KILL_BOUND);
	children_unwatch(&x->child);
	x->pid = 0;
	close_output(x);
	close_input(x);
	settle(x, x->done ? LOCKEXEC_DONE : LOCKEXEC_EXITED);
}

void
lockexec_timeout(struct lockexec *x, int64_t timeout_ms)
{
	char d[32];

	format_duration(timeout_ms, d, sizeof(d));
	log_event(LOG_ERR, x->phase, x->hook->name, "lock_timeout",
	    LOCK_STATUS_TIMEOUT, timeout_ms, "lock command (pid %d) did not "
	    "answer within %s: sending TERM to process group %d",
	    (int)x->pid, d, (int)x->pid);
	lockexec_stop(x);
}

void
lockexec_release(struct lockexec *x, int success)
{
	const char *word = success ? "success\n" : "failure\n";

	if (x->pid == 0) {		/* lost: nobody to tell */
		lockexec_stop(x);
		settle(x, LOCKEXEC_EXITED);
		return;
	}
	x->success = success;
	/* A pipe takes 8 bytes without blocking; EPIPE: it closed stdin. */
	if (write(x->to, word, strlen(word)) == -1)
		log_debug("%s:%s: write to lock command: %s", x->phase,
		    x->hook->name, strerror(errno));
	close_input(x);
	release_wait(x);
}

/* Its environment: the hook's, with the lock's key and once key. */
static char **
command_env(struct lockexec *x, struct runtime *rt)
{
	const struct hook *h = x->hook;
	char *vars[5], **envp = NULL, err[512];
	int n = 0;

	if (asprintf(&vars[n++], "HOOKRUN_PHASE=%s", x->phase) == -1 ||
	    asprintf(&vars[n++], "HOOKRUN_HOOK=%s", h->name) == -1 ||
	    asprintf(&vars[n++], "HOOKRUN_LOCK_KEY=%s:%s", x->phase,
	    h->name) == -1 || (h->once != NULL &&
	    asprintf(&vars[n++], "HOOKRUN_ONCE=%s", h->once) == -1)) {
		vars[n - 1] = NULL;
		snprintf(err, sizeof(err), "lock command: %s", strerror(ENOMEM));
	} else {
		vars[n] = NULL;
		envp = env_build(rt, &h->proc, vars, err, sizeof(err));
	}
	if (envp == NULL)
		log_event(LOG_ERR, x->phase, h->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "%s", err);
	for (n = 0; vars[n] != NULL; n++)
		free(vars[n]);
	return envp;
}

static pid_t
command_spawn(struct lockexec *x, char **envp, int in, int out)
{
	char *const *argv = x->hook->lock_argv;
	char path[PATH_MAX];
	const char *step = "exec", *exec;
	struct spawn_req req;
	pid_t pid = -1;
	int e;

	if ((e = path_exec(x->hook->lock_path, NULL, argv[0], path,
	    sizeof(path), &exec)) == 0) {
		spawn_req_init(&req, exec, argv, envp, NULL);
		req.fd_in = in;
		req.fd_out = out;
		/* TERM, not KILL: it may then cancel a wait on the server. */
		req.pdeathsig = SIGTERM;
		pid = spawn_process(&req, &e, &step);
	}
	if (pid == -1)
		log_event(LOG_ERR, x->phase, x->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command: %s %s: %s", step,
		    argv[0], strerror(e));
	return pid;
}

void
lockexec_start(struct lockexec *x, struct runtime *rt, const struct hook *h,
    const char *phase, lockexec_fn cb, void *data)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	char **envp;

	memset(x, 0, sizeof(*x));
	x->loop = rt->loop;
	x->hook = h;
	x->phase = phase;
	x->cb = cb;
	x->data = data;
	x->to = x->from = -1;
	x->state = X_WAITING;
	x->grace_ms = rt->cfg->kill_timeout_ms > 0 ?
	    rt->cfg->kill_timeout_ms : LOCK_GRACE_MS;
	ev_timer_init(&x->timer, timer_cb, 0., 0.);
	x->timer.data = x;
	if ((envp = command_env(x, rt)) == NULL) {
		settle(x, LOCKEXEC_FAILED);
		return;
	}
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		log_event(LOG_ERR, x->phase, x->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command: pipe: %s",
		    strerror(errno));
		x->pid = -1;
	} else
		x->pid = command_spawn(x, envp, in[0], out[1]);
	env_free(envp);
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	x->to = in[1];
	x->from = out[0];
	if (x->pid == -1) {
		x->pid = 0;
		close_input(x);
		if (x->from >= 0)
			close(x->from);
		x->from = -1;
		settle(x, LOCKEXEC_FAILED);
		return;
	}
	fcntl(x->from, F_SETFL, O_NONBLOCK);
	children_watch(&x->child, x->pid, child_cb, x);
	ev_io_init(&x->io, io_cb, x->from, EV_READ);
	x->io.data = x;
	ev_io_start(x->loop, &x->io);
	log_debug("%s:%s: lock command started (pid %d)", x->phase,
	    x->hook->name, (int)x->pid);
}
