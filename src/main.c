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
#include <unistd.h>

#include <ev.h>

#include "children.h"
#include "config.h"
#include "env.h"
#include "guard.h"
#include "log.h"
#include "notify.h"
#include "phase.h"
#include "plan.h"
#include "reap.h"
#include "signals.h"
#include "spawn.h"
#include "supervise.h"

#define EXIT_USAGE	64
#define EXIT_CONFIG	78

static const char usage_text[] =
"usage: hookrun [-c FILE] [-n] [--only PHASE] [-v | -q] [--log-format text|json]\n"
"               [--] [APP [ARG...]]\n"
"\n"
"  -c, --config FILE     the config file (default: $HOOKRUN_CONFIG, else\n"
"                        " CONFIG_DEFAULT_FILE ")\n"
"  -n, --dry-run         validate, print the plan, run nothing\n"
"      --only PHASE      run just the hooks of PHASE (pre_start, post_start,\n"
"                        pre_stop or post_stop), then exit with its result\n"
"  -v, --verbose         more of hookrun's own messages\n"
"  -q, --quiet           only errors and warnings\n"
"      --log-format FMT  text (default) or json\n"
"  -V, --version         print the version\n"
"  -h, --help            print this help\n"
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

/*
 * libev wakes every minute unless it has a timerfd (to see the clock jump),
 * which it makes for a periodic.
 */
static void
loop_quiet(struct ev_loop *loop)
{
	ev_periodic p;

	ev_periodic_init(&p, NULL, 0., 0., 0);
	ev_periodic_start(loop, &p);
	ev_periodic_stop(loop, &p);
}

struct options {
	const char	*config;
	int		 explicit;
	int		 dry_run;
	int		 only;
	int		 verbosity;
	int		 json;		/* -1: not given */
	char *const	*app_argv;
};

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
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->only = -1;
	o->json = -1;
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
		status = phase_run(rt, only, NULL);
		reap_descendants(rt);
		return rt->stop_sig ? 128 + rt->stop_sig : status;
	}
	status = phase_run(rt, PHASE_PRE_START, &failed);
	if (rt->stop_sig) {
		status = 128 + rt->stop_sig;
		log_event(LOG_WARN, "pre_start", NULL, "phase_abort", status, -1,
		    "stopped by a signal: not starting the app");
	} else if (status != 0)
		log_event(LOG_ERR, "pre_start", NULL, "phase_abort", status, -1,
		    "hook %s failed: not starting the app",
		    failed != NULL ? failed : "?");
	else
		status = supervise_run(rt);
	phase_run(rt, PHASE_POST_STOP, NULL);
	reap_descendants(rt);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct config cfg;
	struct runtime rt;
	struct signals_launch launch;
	size_t i;
	int status;

	if (argc > 1 && strcmp(argv[1], GUARD_FLAG) == 0)
		return guard_main(argv + 2);
	ensure_std_fds();
	options_parse(&o, argc, argv);
	log_init(o.verbosity, o.json == 1);

	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, o.config, o.explicit, o.app_argv) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
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

	memset(&rt, 0, sizeof(rt));
	rt.cfg = &cfg;
	rt.app_status = -1;
	if ((rt.loop = loop_new()) == NULL) {
		log_err("ev_loop_new: cannot make the event loop");
		config_free(&cfg);
		return 70;
	}
	loop_quiet(rt.loop);
	notify_init(rt.loop);
	if (signals_init(rt.loop, on_signal, &rt, &launch) == -1) {
		log_err("signalfd: %s", strerror(errno));
		config_free(&cfg);
		ev_loop_destroy(rt.loop);
		return 70;
	}
	spawn_init(&launch.mask, launch.chld_ignored);
	/* As PID 1 too: every orphan is ours then anyway, and it costs no getpid. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_debug("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));

	status = run(&rt, o.only);

	env_exports_remove(&rt);
	for (i = 0; i < rt.nexports; i++)
		free(rt.exports[i]);
	free(rt.exports);
	config_free(&cfg);
	/* The signalfd goes with the process; the loop's memory is given back. */
	ev_loop_destroy(rt.loop);
	return status;
}
