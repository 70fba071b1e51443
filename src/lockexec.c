/* lockexec.c: lock = exec:COMMAND: starts the lock command and speaks its line protocol. */
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

#include "children.h"
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

/* "exited with status 3", "was killed by signal TERM". */
static void
exit_text(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "was killed by signal %s",
		    signal_name(WTERMSIG(wstatus)));
	else
		snprintf(buf, len, "ended (wait status %#x)", wstatus);
}

static void
close_input(struct lock *lk)
{
	if (lk->to >= 0)
		close(lk->to);
	lk->to = -1;
}

static void
close_output(struct lock *lk)
{
	if (lk->from < 0)
		return;
	ev_io_stop(lk->loop, &lk->io);
	close(lk->from);
	lk->from = -1;
}

void
lockexec_stop(struct lock *lk)
{
	if (lk->pid > 0) {
		kill(-lk->pid, SIGTERM);
		children_unwatch(&lk->child);
		lk->pid = 0;
	}
	close_output(lk);
	close_input(lk);
}

/*
 * Reads what COMMAND wrote until the pipe is empty, keeping its first line
 * (the rest is dropped). Returns 1 at EOF or on an error.
 */
static int
read_output(struct lock *lk)
{
	char buf[512];
	size_t room;
	ssize_t n;

	while ((n = read(lk->from, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno != EAGAIN;
		if (memchr(lk->said, '\n', lk->saidlen) != NULL)
			continue;
		room = sizeof(lk->said) - 1 - lk->saidlen;
		if ((size_t)n < room)
			room = (size_t)n;
		memcpy(lk->said + lk->saidlen, buf, room);
		lk->saidlen += room;
	}
	return 1;
}

/*
 * Its answer: 'l' (locked), 'd' (done), '?' (anything else, then kept in
 * lk->said, printable), or 0 when no whole line has come yet (at eof, a
 * last line without its newline counts).
 */
static int
answer(struct lock *lk, int eof)
{
	char *nl = memchr(lk->said, '\n', lk->saidlen);
	size_t len, i;

	if (nl == NULL && !eof && lk->saidlen < sizeof(lk->said) - 1)
		return 0;
	if (nl == NULL && lk->saidlen == 0)
		return 0;
	len = nl != NULL ? (size_t)(nl - lk->said) : lk->saidlen;
	if (len > 0 && lk->said[len - 1] == '\r')
		len--;
	lk->said[len] = '\0';
	lk->saidlen = len;
	if (strcmp(lk->said, "locked") == 0)
		return 'l';
	if (strcmp(lk->said, "done") == 0)
		return 'd';
	for (i = 0; i < len; i++)
		if ((unsigned char)lk->said[i] < 0x20 || lk->said[i] == 0x7f)
			lk->said[i] = '?';
	return '?';
}

static void
release_wait(struct lock *lk)
{
	lk->state = LOCK_RELEASING;
	ev_timer_stop(lk->loop, &lk->timer);
	ev_timer_set(&lk->timer, (ev_tstamp)lk->grace_ms / 1000., 0.);
	ev_timer_start(lk->loop, &lk->timer);
}

static void
answered(struct lock *lk, int a)
{
	switch (a) {
	case 'l':
		log_debug("%s:%s: lock command (pid %d) holds the lock",
		    lk->phase, lk->hook->name, (int)lk->pid);
		lock_settle(lk, LOCK_ACQUIRED);
		break;
	case 'd':
		/* Nothing to run: it may let go at once. */
		lk->done = 1;
		close_input(lk);
		release_wait(lk);
		break;
	default:
		log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command (pid %d) said '%s', "
		    "expected 'locked' or 'done'", (int)lk->pid, lk->said);
		lockexec_stop(lk);
		lock_settle(lk, LOCK_FAILED);
		break;
	}
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct lock *lk = w->data;
	int a;

	(void)loop;
	(void)revents;
	if (read_output(lk))
		close_output(lk);
	/* At EOF with no answer yet, its exit tells the rest. */
	if (lk->state == LOCK_WAITING && (a = answer(lk, 0)) != 0)
		answered(lk, a);
}

static void
exited_waiting(struct lock *lk, const char *how)
{
	int a = answer(lk, 1);

	if (a == 'd') {
		lk->done = 1;
		lock_settle(lk, LOCK_DONE);
		return;
	}
	if (a == '?')
		log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command said '%s' and %s",
		    lk->said, how);
	else
		log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command %s %s", how,
		    a == 'l' ? "right after answering 'locked'" :
		    "before answering");
	lock_settle(lk, LOCK_FAILED);
}

static void
child_cb(struct child_watch *w, int wstatus)
{
	struct lock *lk = w->data;
	int ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
	char how[64];

	exit_text(wstatus, how, sizeof(how));
	if (lk->from >= 0)
		read_output(lk);
	close_output(lk);
	close_input(lk);
	switch (lk->state) {
	case LOCK_WAITING:
		lk->pid = 0;
		exited_waiting(lk, how);
		return;
	case LOCK_HELD:
		log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_lost",
		    LOCK_STATUS_FAILED, -1, "lock command (pid %d) %s while "
		    "the hook ran: the lock is lost", (int)lk->pid, how);
		lk->pid = 0;
		lk->cb(lk, LOCK_LOST, lk->data);
		return;
	case LOCK_RELEASING:
		break;
	default:
		return;
	}
	if (!ok && lk->success && lk->hook->once != NULL)
		log_event(LOG_ERR, lk->phase, lk->hook->name, "once_record",
		    -1, -1, "lock command (pid %d) %s after 'success': once key "
		    "'%s' may not be recorded", (int)lk->pid, how,
		    lk->hook->once);
	else if (!ok)
		log_event(LOG_WARN, lk->phase, lk->hook->name, "lock_error",
		    -1, -1, "lock command (pid %d) %s on release",
		    (int)lk->pid, how);
	lk->pid = 0;
	lock_settle(lk, lk->done ? LOCK_DONE : LOCK_RELEASED);
}

void
lockexec_timer(struct lock *lk)
{
	char d[32];

	if (lk->state == LOCK_RELEASING) {
		format_duration(lk->grace_ms, d, sizeof(d));
		log_event(LOG_WARN, lk->phase, lk->hook->name, "lock_kill",
		    -1, -1, "lock command (pid %d) still running %s after its "
		    "stdin closed: sending KILL", (int)lk->pid, d);
		kill(-lk->pid, SIGKILL);
		return;
	}
	format_duration(lk->hook->lock_timeout_ms, d, sizeof(d));
	log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_timeout",
	    LOCK_STATUS_TIMEOUT, lk->hook->lock_timeout_ms, "lock command "
	    "(pid %d) did not answer within %s: sending TERM to process "
	    "group %d", (int)lk->pid, d, (int)lk->pid);
	lockexec_stop(lk);
	lock_settle(lk, LOCK_TIMEOUT);
}

void
lockexec_release(struct lock *lk, int success)
{
	const char *word = success ? "success\n" : "failure\n";

	if (lk->pid == 0) {		/* lost: nobody to tell */
		lockexec_stop(lk);
		lock_settle(lk, LOCK_RELEASED);
		return;
	}
	lk->success = success;
	/* A pipe takes 8 bytes without blocking; EPIPE: it closed stdin. */
	if (write(lk->to, word, strlen(word)) == -1)
		log_debug("%s:%s: write to lock command: %s", lk->phase,
		    lk->hook->name, strerror(errno));
	close_input(lk);
	release_wait(lk);
}

/* Its environment: the hook's, with the lock's key and once key. */
static char **
command_env(struct lock *lk, struct runtime *rt)
{
	const struct hook *h = lk->hook;
	char *vars[5], **envp = NULL, err[512];
	int n = 0;

	if (asprintf(&vars[n++], "HOOKRUN_PHASE=%s", lk->phase) == -1 ||
	    asprintf(&vars[n++], "HOOKRUN_HOOK=%s", h->name) == -1 ||
	    asprintf(&vars[n++], "HOOKRUN_LOCK_KEY=%s:%s", lk->phase,
	    h->name) == -1 || (h->once != NULL &&
	    asprintf(&vars[n++], "HOOKRUN_ONCE=%s", h->once) == -1)) {
		vars[n - 1] = NULL;
		snprintf(err, sizeof(err), "lock command: %s", strerror(ENOMEM));
	} else {
		vars[n] = NULL;
		envp = env_build(rt, &h->proc, vars, err, sizeof(err));
	}
	if (envp == NULL)
		log_event(LOG_ERR, lk->phase, h->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "%s", err);
	for (n = 0; vars[n] != NULL; n++)
		free(vars[n]);
	return envp;
}

static pid_t
command_spawn(struct lock *lk, char **envp, int in, int out)
{
	char *const *argv = lk->hook->lock_argv;
	char path[PATH_MAX];
	const char *step = "exec";
	struct spawn_req req;
	pid_t pid = -1;
	int e;

	if ((e = path_resolve(argv[0], path, sizeof(path))) == 0) {
		spawn_req_init(&req, path, argv, envp, NULL);
		req.fd_in = in;
		req.fd_out = out;
		/* TERM, not KILL: it may then cancel a wait on the server. */
		req.pdeathsig = SIGTERM;
		pid = spawn_process(&req, &e, &step);
	}
	if (pid == -1)
		log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command: %s %s: %s", step,
		    argv[0], strerror(e));
	return pid;
}

void
lockexec_start(struct lock *lk, struct runtime *rt)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	char **envp;

	if ((envp = command_env(lk, rt)) == NULL) {
		lock_settle(lk, LOCK_FAILED);
		return;
	}
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		log_event(LOG_ERR, lk->phase, lk->hook->name, "lock_error",
		    LOCK_STATUS_FAILED, -1, "lock command: pipe: %s",
		    strerror(errno));
		lk->pid = -1;
	} else
		lk->pid = command_spawn(lk, envp, in[0], out[1]);
	env_free(envp);
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	lk->to = in[1];
	lk->from = out[0];
	if (lk->pid == -1) {
		lk->pid = 0;
		close_input(lk);
		if (lk->from >= 0)
			close(lk->from);
		lk->from = -1;
		lock_settle(lk, LOCK_FAILED);
		return;
	}
	fcntl(lk->from, F_SETFL, O_NONBLOCK);
	children_watch(&lk->child, lk->pid, child_cb, lk);
	ev_io_init(&lk->io, io_cb, lk->from, EV_READ);
	lk->io.data = lk;
	ev_io_start(lk->loop, &lk->io);
	log_debug("%s:%s: lock command started (pid %d)", lk->phase,
	    lk->hook->name, (int)lk->pid);
}
