/* main.c: the command line, and the wiring: load the config, run the phases, supervise the app, exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "children.h"
#include "config.h"
#include "dns.h"
#include "exports.h"
#include "guard.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "phase.h"
#include "plan.h"
#include "reap.h"
#include "signals.h"
#include "sink.h"
#include "spawn.h"
#include "status.h"
#include "supervise.h"
#include "trust.h"

#define EXIT_USAGE	64
#define EXIT_CONFIG	78
/*
 * Descriptors hookrun may need at once: its own (the event loop, signals,
 * systemd's and the app's notify sockets), a hook's pipes, its lock, a
 * readiness probe. Fewer is refused at start, not found out mid-deploy.
 */
#define FDS_NEEDED	32
/* How long output still queued at exit may wait for its reader. */
#define SINK_EXIT_MS	5000

static const char usage_text[] =
"usage: hookrun [-c FILE] [-n] [--only PHASE] [-v | -q] [--log-format text|json]\n"
"               [--no-strict-permissions] [--] [APP [ARG...]]\n"
"       hookrun [-c FILE] --status [--json]\n"
"\n"
"  -c, --config FILE     the config file (default: $HOOKRUN_CONFIG, else\n"
"                        " CONFIG_DEFAULT_FILE ")\n"
"  -n, --dry-run         validate, print the plan, run nothing\n"
"      --only PHASE      run just the hooks of PHASE (pre_start, post_start,\n"
"                        pre_stop or post_stop), then exit with its result\n"
"  -v, --verbose         more of hookrun's own messages\n"
"  -q, --quiet           only errors and warnings\n"
"      --log-format FMT  text (default) or json\n"
"      --no-strict-permissions\n"
"                        as root, run even when the config, an env_file,\n"
"                        hooks_dir or a hook file is not root's or is\n"
"                        writable by group or others (also\n"
"                        HOOKRUN_STRICT_PERMISSIONS=no)\n"
"  -V, --version         print the version\n"
"  -h, --help            print this help\n"
"      --status          print the state of the hookrun that uses FILE's\n"
"                        status_file; exit 0 when its app is ready and\n"
"                        healthy, 1 while starting or stopping, 2 when\n"
"                        unhealthy or down\n"
"      --json            with --status: print it as JSON\n"
"\n"
"APP ARG... replaces [start] exec. See hookrun(8) and hookrun.ini(5).\n";

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hookrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nhookrun: try 'hookrun --help'\n", stderr);
	exit(EXIT_USAGE);
}

/*
 * Descriptors 0, 1 and 2 always exist, so no pipe of ours becomes one. One
 * poll says which are open (POLLNVAL: not); the missing get /dev/null.
 */
static void
ensure_std_fds(void)
{
	struct pollfd p[3] = { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 } };
	int fd;

	if (poll(p, 3, 0) == 0 || !((p[0].revents | p[1].revents |
	    p[2].revents) & POLLNVAL))
		return;
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Refuses to start with fewer descriptors than hookrun may need. */
static int
fds_enough(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= FDS_NEEDED)
		return 1;
	log_err("too few file descriptors: the limit (ulimit -n) is %llu, "
	    "hookrun needs %d", (unsigned long long)rl.rlim_cur, FDS_NEEDED);
	return 0;
}

/* libev cannot go on (no descriptor for its loop, say): exit, not abort. */
static void
loop_syserr(const char *msg)
{
	int e = errno;

	log_err("event loop: %s: %s", msg, strerror(e));
	exit(e == EMFILE || e == ENFILE ? SPAWN_STATUS_NOFILE : 70);
}

/*
 * libev wakes every minute unless it has a timerfd (to see the clock jump),
 * which it makes for a periodic. Most waits never need one: the signalfd
 * alone is read without the loop (signals.c), and a hook or a probe has
 * its timeout. The first wait of the loop of QUIET_AFTER or more (a hook
 * with timeout = 0, say) gives libev its timerfd, once; from then on it
 * sleeps as long as there is nothing to do.
 */
#define QUIET_AFTER	5.

static ev_tstamp	 slept_at;
static ev_prepare	 quiet_now;

static void
quiet_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	ev_periodic p;

	(void)revents;
	ev_prepare_stop(loop, w);
	ev_periodic_init(&p, NULL, 0., 0., 0);
	ev_periodic_start(loop, &p);
	ev_periodic_stop(loop, &p);
}

static void
loop_release(struct ev_loop *loop) EV_NOEXCEPT
{
	slept_at = ev_now(loop);
}

static void
loop_acquire(struct ev_loop *loop) EV_NOEXCEPT
{
	if (ev_time() - slept_at < QUIET_AFTER)
		return;
	ev_set_loop_release_cb(loop, NULL, NULL);
	ev_prepare_start(loop, &quiet_now);
}

static void
loop_quiet(struct ev_loop *loop)
{
	ev_prepare_init(&quiet_now, quiet_cb);
	ev_set_loop_release_cb(loop, loop_release, loop_acquire);
}

struct options {
	const char	*config;
	int		 explicit;
	int		 dry_run;
	int		 only;
	int		 verbosity;
	int		 json;		/* -1: not given */
	int		 strict;	/* strict permissions checks */
	int		 status;	/* --status */
	int		 status_json;	/* --json */
	char *const	*app_argv;
};

/* HOOKRUN_STRICT_PERMISSIONS: yes (the default) or no; never the config file. */
static int
strict_from_env(void)
{
	const char *v = getenv("HOOKRUN_STRICT_PERMISSIONS");
	int on = 1;

	if (v != NULL && *v != '\0' && parse_bool(v, &on, NULL, 0) == -1)
		usage_error("HOOKRUN_STRICT_PERMISSIONS: '%s' is neither yes "
		    "nor no", v);
	return on;
}

static void
options_parse(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "dry-run",	no_argument,		NULL, 'n' },
		{ "only",	required_argument,	NULL, 'O' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "log-format",	required_argument,	NULL, 'L' },
		{ "no-strict-permissions", no_argument,	NULL, 'P' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "status",	no_argument,		NULL, 'S' },
		{ "json",	no_argument,		NULL, 'J' },
		{ NULL,		0,			NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->only = -1;
	o->json = -1;
	o->strict = strict_from_env();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:nvqVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			o->explicit = 1;
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case 'O':
			o->only = phase_from_name(optarg);
			if (o->only < 0 || o->only == PHASE_START)
				usage_error("--only: '%s' is not a hook phase "
				    "(pre_start, post_start, pre_stop, post_stop)",
				    optarg);
			break;
		case 'v':
			o->verbosity = 1;
			break;
		case 'q':
			o->verbosity = -1;
			break;
		case 'L':
			if (strcmp(optarg, "text") == 0)
				o->json = 0;
			else if (strcmp(optarg, "json") == 0)
				o->json = 1;
			else
				usage_error("--log-format: '%s' is neither text "
				    "nor json", optarg);
			break;
		case 'P':
			o->strict = 0;
			break;
		case 'S':
			o->status = 1;
			break;
		case 'J':
			o->status_json = 1;
			break;
		case 'V':
			printf("hookrun %s\n", HOOKRUN_VERSION);
			exit(0);
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->app_argv = argv + optind;
	if (o->only >= 0 && o->app_argv != NULL)
		usage_error("--only runs no app, but one was given: '%s'",
		    argv[optind]);
	if (o->status_json && !o->status)
		usage_error("--json goes with --status");
	if (o->status && (o->app_argv != NULL || o->only >= 0 || o->dry_run))
		usage_error("--status only reads the state of a running "
		    "hookrun: no app, --only or --dry-run with it");
	if (o->config == NULL && (o->config = getenv("HOOKRUN_CONFIG")) != NULL &&
	    *o->config != '\0')
		o->explicit = 1;
	if (o->config == NULL || *o->config == '\0')
		o->config = CONFIG_DEFAULT_FILE;
}

/*
 * Where every signal read goes: CHLD to the reaper, the rest to the
 * supervisor. Returns 0 when only orphans were reaped (signals.c).
 */
static int
on_signal(int sig, void *rt)
{
	if (sig == SIGCHLD)
		return children_reap() > 0;
	supervise_signal(sig, rt);
	return 1;
}

/* An event loop without libev's own signal and child handling (signals.c, children.c). */
static struct ev_loop *
loop_new(void)
{
	struct ev_loop *loop;

	/* Naming the backend spares libev the kernel version probe. */
	if ((loop = ev_loop_new(EVFLAG_NOENV | EVBACKEND_EPOLL)) == NULL)
		loop = ev_loop_new(EVFLAG_NOENV);
	return loop;
}

static int
run(struct runtime *rt, int only)
{
	const char *failed = NULL;
	int status;

	if (only >= 0) {
		status = phase_run(rt, only, &failed);
		if (status != 0 && !rt->stop_sig)
			notify_failed("%s: %s failed (status %d)",
			    phase_name(only), failed != NULL ? failed : "?",
			    status);
		notify_wait(rt->cfg->kill_timeout_ms);
		reap_descendants(rt);
		return rt->stop_sig ? 128 + rt->stop_sig : status;
	}
	status_state(STATUS_PRE_START);
	status = phase_run(rt, PHASE_PRE_START, &failed);
	if (rt->stop_sig) {
		status = 128 + rt->stop_sig;
		log_event(LOG_WARN, "pre_start", NULL, "phase_abort", status, -1,
		    "stopped by a signal: not starting the app");
	} else if (status != 0) {
		log_event(LOG_ERR, "pre_start", NULL, "phase_abort", status, -1,
		    "hook %s failed: not starting the app",
		    failed != NULL ? failed : "?");
		notify_failed("pre_start: %s failed (status %d): not starting "
		    "the app", failed != NULL ? failed : "?", status);
	} else
		status = supervise_run(rt);
	status_state(STATUS_POST_STOP);
	phase_run(rt, PHASE_POST_STOP, NULL);
	/* The sweep may wait kill_timeout. */
	notify_wait(rt->cfg->kill_timeout_ms);
	reap_descendants(rt);
	status_exit(status);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct config cfg;
	struct runtime rt;
	struct signals_launch launch;
	mode_t launch_umask;
	int status;

	if (argc > 1 && strcmp(argv[1], GUARD_FLAG) == 0)
		return guard_main(argv + 2);
	ensure_std_fds();
	options_parse(&o, argc, argv);
	log_init(o.verbosity, o.json == 1);
	if (!fds_enough())
		return SPAWN_STATUS_NOFILE;
	trust_set_strict(o.strict);

	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, o.config, o.explicit, o.app_argv) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (o.status) {
		if (cfg.status_file == NULL) {
			log_err("%s: status_file is off: no status to read",
			    o.config);
			status = 2;
		} else
			status = status_show(stdout, cfg.status_file,
			    o.status_json);
		config_free(&cfg);
		return status;
	}
	if (o.json < 0 && cfg.log_json_set)
		log_set_json(cfg.log_json);
	if (o.only < 0 && cfg.app.proc.argv == NULL) {
		if (!cfg.found)
			log_err("%s: %s, and no app was given", o.config,
			    strerror(ENOENT));
		else
			log_err("%s: no app: set [start] exec or give one "
			    "after --", o.config);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (o.dry_run) {
		status = plan_print(stdout, &cfg, o.only) ? EXIT_CONFIG : 0;
		config_free(&cfg);
		return status;
	}

	ev_set_syserr_cb(loop_syserr);
	/* Files hookrun makes get the modes it asks for; children the launcher's. */
	launch_umask = umask(022);

	memset(&rt, 0, sizeof(rt));
	rt.cfg = &cfg;
	rt.app_status = -1;
	if ((rt.loop = loop_new()) == NULL) {
		log_err("ev_loop_new: cannot make the event loop");
		config_free(&cfg);
		return 70;
	}
	loop_quiet(rt.loop);
	sink_start(rt.loop);
	notify_init(rt.loop);
	if (signals_init(rt.loop, on_signal, &rt, &launch) == -1) {
		log_err("signalfd: %s", strerror(errno));
		config_free(&cfg);
		ev_loop_destroy(rt.loop);
		return 70;
	}
	signals_before_wait(sink_flush);
	spawn_init(&launch.mask, launch.chld_ignored, launch_umask);
	/* As PID 1 too: every orphan is ours then anyway, and it costs no getpid. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_debug("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
	/* --only is a one-off beside a running hookrun: its state is not ours. */
	if (o.only < 0)
		status_open(rt.loop, cfg.status_file, cfg.status_file_set);

	status = run(&rt, o.only);
	notify_exit();
	/* What a slow reader has not taken yet, it gets a little longer for. */
	sink_stop(SINK_EXIT_MS);

	dns_shutdown();
	exports_free(&rt);
	config_free(&cfg);
	/* The signalfd and the status directory close with the process. */
	ev_loop_destroy(rt.loop);
	return status;
}
