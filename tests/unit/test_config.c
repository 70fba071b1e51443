/* test_config.c: the config loader's rules (syntax, keys, defaults, errors with FILE:LINE) */
/* and the hooks_dir scan (order, skip rules), on temporary files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "hookdir.h"
#include "log.h"
#include "plan.h"
#include "trust.h"
#include "unit.h"

static char	 tmpdir[] = "/tmp/hookrun-test-config.XXXXXX";
static char	 errbuf[65536];	/* stderr of the last load */
static struct config cfg;

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

static void
run(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		exit(2);
	}
}

/* Loads path (config_free'ing the previous one) with stderr captured in errbuf. */
static int
load_file(const char *path, int explicit, char *const *app)
{
	int fd, saved, errors;
	ssize_t n;

	config_free(&cfg);
	fflush(stderr);
	saved = dup(2);
	fd = open("stderr.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	errors = config_load(&cfg, path, explicit, app);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, errbuf, sizeof(errbuf) - 1, 0);
	errbuf[n > 0 ? n : 0] = '\0';
	close(fd);
	return errors;
}

static int
load(const char *text)
{
	write_file("t.ini", text, 0644);
	return load_file("t.ini", 1, NULL);
}

static const struct hook *
hook(enum phase_id ph, size_t i)
{
	return i < cfg.phases[ph].nhooks ? cfg.phases[ph].hooks[i] : NULL;
}

static void
test_defaults(void)
{
	CHECK(load("") == 0);
	CHECK_STR(errbuf, "");
	CHECK(cfg.found == 1);
	CHECK(cfg.timeout_ms == 300000);
	CHECK(cfg.kill_timeout_ms == 5000);
	CHECK(cfg.stop_timeout_ms == 10000);
	CHECK(cfg.restart == RESTART_NO);
	CHECK(cfg.restart_delay_ms == 1000);
	CHECK(cfg.restart_delay_max_ms == 30000);
	CHECK(cfg.restart_limit == 5 && cfg.restart_window_ms == 60000);
	CHECK(cfg.log_json == 0 && cfg.log_json_set == 0);
	CHECK(trust_strict_option() == 1);
	CHECK_STR(cfg.hooks_dir, "/etc/hookrun/hooks.d");
	CHECK(cfg.hooks_dir_set == 0);
	CHECK(cfg.phases[PHASE_PRE_START].on_failure == ON_FAILURE_ABORT);
	CHECK(cfg.phases[PHASE_POST_START].on_failure == ON_FAILURE_ABORT);
	CHECK(cfg.phases[PHASE_PRE_STOP].on_failure == ON_FAILURE_IGNORE);
	CHECK(cfg.phases[PHASE_POST_STOP].on_failure == ON_FAILURE_IGNORE);
	CHECK(cfg.phases[PHASE_PRE_START].timeout_ms == 300000);
	CHECK(cfg.phases[PHASE_PRE_START].deadline_ms == 0);
	CHECK_STR(cfg.phases[PHASE_POST_STOP].name, "post_stop");
	CHECK(cfg.app.proc.argv == NULL);
	CHECK(cfg.app.ready == READY_NONE);
	CHECK(cfg.app.ready_timeout_ms == 60000);
	CHECK(cfg.app.stop_signal == 0);
	CHECK(cfg.app.success_status[0] == 1 && cfg.app.success_status[1] == 0);
	CHECK(phase_from_name("post_start") == PHASE_POST_START);
	CHECK(phase_from_name("Post_start") == -1);
	CHECK_STR(phase_name(PHASE_PRE_STOP), "pre_stop");
}

static void
test_full_example(void)
{
	const struct hook *h;

	setenv("RELEASE_VERSION", "1.2.3", 1);
	CHECK(load(
	    "[hookrun]\n"
	    "hooks_dir = /nonexistent/hooks.d\n"
	    "timeout = 4m\n"
	    "kill_timeout = 3s\n"
	    "stop_timeout = 20s\n"
	    "restart = on-failure\n"
	    "restart_delay = 2s\n"
	    "restart_delay_max = 1m\n"
	    "restart_limit = 3/30s\n"
	    "log_format = json\n"
	    "; strict_permissions is no config key: a comment keeps the lines\n"
	    "\n"
	    "[pre_start]\n"
	    "deadline = 15m\n"
	    "\n"
	    "[pre_start:migrate]\n"
	    "exec = /app/bin/migrate --to latest\n"
	    "shell = no\n"
	    "timeout = 10m\n"
	    "retries = 2\n"
	    "retry_delay = 2s\n"
	    "on_failure = ignore\n"
	    "lock = /shared/locks/migrate\n"
	    "once = ${RELEASE_VERSION}\n"
	    "user = nobody\n"
	    "group = daemon\n"
	    "workdir = /app\n"
	    "env = MIX_ENV=prod\n"
	    "env = B=x=y\n"
	    "env_file = /etc/app/env\n"
	    "\n"
	    "[start]\n"
	    "exec = /app/bin/app start\n"
	    "ready = notify\n"
	    "ready_timeout = 90s\n"
	    "stop_signal = INT\n"
	    "success_status = 143 2\n"
	    "signal_group = yes\n"
	    "user = daemon\n") == 0);
	CHECK_STR(errbuf, "");
	CHECK_STR(cfg.hooks_dir, "/nonexistent/hooks.d");
	CHECK(cfg.hooks_dir_set == 1);
	CHECK(cfg.timeout_ms == 240000 && cfg.kill_timeout_ms == 3000);
	CHECK(cfg.stop_timeout_ms == 20000);
	CHECK(cfg.restart == RESTART_ON_FAILURE);
	CHECK(cfg.restart_delay_ms == 2000 && cfg.restart_delay_max_ms == 60000);
	CHECK(cfg.restart_limit == 3 && cfg.restart_window_ms == 30000);
	CHECK(cfg.log_json == 1 && cfg.log_json_set == 1);
	CHECK(cfg.phases[PHASE_PRE_START].deadline_ms == 900000);
	CHECK(cfg.phases[PHASE_PRE_START].line == 13);
	CHECK(cfg.phases[PHASE_PRE_START].timeout_ms == 240000);
	CHECK(cfg.phases[PHASE_PRE_START].nhooks == 1);
	if ((h = hook(PHASE_PRE_START, 0)) == NULL)
		return;
	CHECK_STR(h->name, "migrate");
	CHECK_STR(h->source, "t.ini");
	CHECK(h->line == 16);
	CHECK(h->phase == PHASE_PRE_START);
	CHECK_STR(h->proc.exec, "/app/bin/migrate --to latest");
	CHECK_STR(h->proc.argv[0], "/app/bin/migrate");
	CHECK_STR(h->proc.argv[2], "latest");
	CHECK(h->proc.argv[3] == NULL);
	CHECK(h->timeout_ms == 600000 && h->retries == 2);
	CHECK(h->retry_delay_ms == 2000);
	CHECK(h->on_failure == ON_FAILURE_IGNORE);
	CHECK_STR(h->lock, "/shared/locks/migrate");
	CHECK(h->lock_argv == NULL);
	CHECK_STR(h->once, "1.2.3");
	CHECK(h->lock_timeout_ms == 600000);
	CHECK_STR(h->proc.user, "nobody");
	CHECK(h->proc.uid == 65534 && h->proc.gid == 1);
	CHECK_STR(h->proc.workdir, "/app");
	CHECK(h->proc.nenv == 2);
	CHECK_STR(h->proc.env[0], "MIX_ENV=prod");
	CHECK_STR(h->proc.env[1], "B=x=y");
	CHECK(h->proc.env[2] == NULL);
	CHECK(h->proc.nenv_files == 1);
	CHECK_STR(h->proc.env_files[0], "/etc/app/env");
	CHECK(cfg.app.line == 32);
	CHECK(cfg.app.from_cmdline == 0);
	CHECK_STR(cfg.app.proc.argv[0], "/app/bin/app");
	CHECK_STR(cfg.app.proc.argv[1], "start");
	CHECK(cfg.app.ready == READY_NOTIFY);
	CHECK(cfg.app.ready_timeout_ms == 90000);
	CHECK(cfg.app.stop_signal == 2);
	CHECK(cfg.app.success_status[143] && cfg.app.success_status[2]);
	CHECK(cfg.app.success_status[0] && !cfg.app.success_status[1]);
	CHECK(cfg.app.signal_group == 1);
	CHECK(cfg.app.proc.uid == 1 && cfg.app.proc.gid == 1);
}

static void
test_unknown_names(void)
{
	CHECK(load("[pre_start:migrate]\nexec = /bin/true\ntimout = 3s\n")
	    == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: unknown key 'timout' in "
	    "[pre_start:migrate] (did you mean 'timeout'?)\n");
	CHECK(load("[pre_strat]\ntimeout = 3s\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:1: unknown section [pre_strat] "
	    "(did you mean [pre_start]?)\n");
	CHECK(load("[pre_strat:x]\nexec = /bin/true\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:1: unknown phase 'pre_strat' in "
	    "[pre_strat:x] (did you mean 'pre_start'?)\n");
	CHECK(load("[bogus]\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:1: unknown section [bogus]\n");
	/* case-sensitive */
	CHECK(load("[Hookrun]\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:1: unknown section [Hookrun] "
	    "(did you mean [hookrun]?)\n");
	CHECK(load("[start]\nExec = /bin/true\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: unknown key 'Exec' in [start] "
	    "(did you mean 'exec'?)\n");
	/* a known key in the wrong section says where it belongs */
	CHECK(load("[pre_start:m]\nexec = /bin/true\ndeadline = 1m\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: unknown key 'deadline' in "
	    "[pre_start:m] (allowed in [pre_start])\n");
	CHECK(load("[hookrun]\nready = notify\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: unknown key 'ready' in "
	    "[hookrun] (allowed in [start])\n");
	CHECK(load("[post_stop]\nuser = root\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: unknown key 'user' in "
	    "[post_stop] (allowed in [post_stop:NAME] or [start])\n");
	CHECK(load("[start:x]\nexec = /bin/true\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:1: [start:x]: the start phase has "
	    "no hooks (the app is [start])\n");
	CHECK(load("timeout = 3s\n[hookrun]\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:1: key 'timeout' outside any "
	    "section\n");
}

static void
test_repeats(void)
{
	CHECK(load("[pre_start:a]\nexec = /bin/true\n\n[hookrun]\n"
	    "[pre_start:a]\nexec = /bin/false\ntimeout = 1s\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:5: section [pre_start:a] repeated "
	    "(first at line 1)\n");
	/* no merge: the first section stands, alone */
	CHECK(cfg.phases[PHASE_PRE_START].nhooks == 1);
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.exec, "/bin/true");
	CHECK(hook(PHASE_PRE_START, 0)->timeout_ms == 300000);
	/* keys of a repeat are still checked */
	CHECK(load("[hookrun]\n[start]\n[hookrun]\ntimout = 1s\n") == 2);
	CHECK_STR(errbuf, "hookrun: t.ini:3: section [hookrun] repeated "
	    "(first at line 1)\nhookrun: t.ini:4: unknown key 'timout' in "
	    "[hookrun] (did you mean 'timeout'?)\n");
	CHECK(load("[start]\nexec = a\nready = none\nexec = b\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:4: repeated key 'exec' in [start] "
	    "(first at line 2)\n");
	CHECK(load("[pre_stop]\n[pre_stop]\nuser = x\n") == 2);
	CHECK_STR(errbuf, "hookrun: t.ini:2: section [pre_stop] repeated "
	    "(first at line 1)\nhookrun: t.ini:3: unknown key 'user' in "
	    "[pre_stop] (allowed in [pre_stop:NAME] or [start])\n");
	/* env and env_file may repeat */
	CHECK(load("[start]\nexec = a\nenv = A=1\nenv = B=2\nenv_file = /e\n"
	    "env_file = /f\n") == 0);
	CHECK(cfg.app.proc.nenv == 2 && cfg.app.proc.nenv_files == 2);
	CHECK_STR(cfg.app.proc.env_files[1], "/f");
	/* same hook name in two phases is fine */
	CHECK(load("[pre_start:a]\nexec = x\n[post_stop:a]\nexec = y\n") == 0);
}

static void
test_comments_and_values(void)
{
	CHECK(load("; comment\n  # indented comment\n[pre_start:a]\n"
	    "exec = sh -c 'a; b' # c\n") == 0);
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.exec, "sh -c 'a; b' # c");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.argv[2], "a; b");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.argv[3], "#");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.argv[4], "c");
	CHECK(load("[pre_start:a]\nexec = echo a ;b\nshell = yes\n") == 0);
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.argv[0], "/bin/sh");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.argv[1], "-c");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.argv[2], "echo a ;b");
	CHECK(hook(PHASE_PRE_START, 0)->proc.argv[3] == NULL);
	/* inih's other separator, and blanks around everything */
	CHECK(load("  [start]  \n\texec:   /bin/echo  x  \t\n") == 0);
	CHECK_STR(cfg.app.proc.exec, "/bin/echo  x");
	/* indented lines are lines, not continuations */
	CHECK(load("[pre_start:a]\n    exec = /bin/true\n    timeout = 3s\n")
	    == 0);
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.exec, "/bin/true");
	CHECK(hook(PHASE_PRE_START, 0)->timeout_ms == 3000);
	CHECK(load("[pre_start:a]\nexec = /bin/true\n  more words\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: expected 'key = value', "
	    "'[section]' or a comment\n");
	CHECK(load("[pre_start:a]\n= x\n[start\n") == 3);
	/* errors come in line order, even those found at the end */
	CHECK_STR(errbuf, "hookrun: t.ini:1: missing exec in [pre_start:a]\n"
	    "hookrun: t.ini:2: missing key before '='\n"
	    "hookrun: t.ini:3: malformed section header: expected [NAME]\n");
	/* CRLF line endings are accepted */
	CHECK(load("[pre_start:a]\r\nexec = /bin/true\r\n\r\n"
	    "[start]\r\nexec = /bin/x y\r\n") == 0);
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.exec, "/bin/true");
	CHECK_STR(cfg.app.proc.argv[1], "y");
	CHECK(load("\xef\xbb\xbf[start]\nexec = x\n") == 0);
	CHECK(load("[start]\nexec = x\nempty =\n") == 1);
	CHECK(load("[start]\nexec =\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: exec: empty value\n");
	{
		FILE *fp = fopen("t.ini", "w");

		fwrite("[start]\nexec = a\0b\n", 1, 19, fp);
		fclose(fp);
	}
	CHECK(load_file("t.ini", 1, NULL) == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: line contains a NUL byte\n");
}

static void
test_long_lines(void)
{
	size_t n = 70000 + 100;
	char *text = malloc(n), *p;

	/* a 60000-byte line works */
	p = text + sprintf(text, "[start]\nexec = /bin/echo ");
	memset(p, 'a', 60000 - 17);
	strcpy(p + 60000 - 17, "\nready = none\n");
	CHECK(load(text) == 0);
	CHECK(strlen(cfg.app.proc.exec) == 60000 - 7);
	CHECK(strlen(cfg.app.proc.argv[1]) == 60000 - 17);
	/* a key longer than inih's buffer is still ours, whole */
	p = text + sprintf(text, "[start]\n");
	memset(p, 'k', 300);
	strcpy(p + 300, " = 1\n");
	CHECK(load(text) == 1);
	CHECK(strlen(errbuf) > 300 && strstr(errbuf, "kkk' in [start]\n"));
	/* exactly 65536 bytes works, with or without a \r */
	p = text + sprintf(text, "[start]\nexec = ");
	memset(p, 'b', 65536 - 7);
	strcpy(p + 65536 - 7, "\r\n");
	CHECK(load(text) == 0);
	CHECK(cfg.app.proc.exec != NULL &&
	    strlen(cfg.app.proc.exec) == 65536 - 7);
	strcpy(p + 65536 - 7, "b\n");
	CHECK(load(text) == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: line longer than 65536 bytes\n");
	/* 70000 bytes: an error with its line number; parsing stops there */
	p = text + sprintf(text, "[start]\n\nexec = ");
	memset(p, 'c', 70000 - 7);
	strcpy(p + 70000 - 7, "\nbogus = 1\n");
	CHECK(load(text) == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: line longer than 65536 bytes\n");
	free(text);
}

static void
test_expansion(void)
{
	setenv("HR_T", "abc", 1);
	unsetenv("HR_UNSET");
	setenv("HR_EMPTY", "", 1);
	CHECK(load("[start]\nexec = echo ${HR_T} ${HR_UNSET:-d} "
	    "${HR_EMPTY:-e} $$HR_T '$HOME' x${HR_T}y\n") == 0);
	CHECK_STR(cfg.app.proc.exec, "echo abc d e $HR_T '$HOME' xabcy");
	CHECK_STR(cfg.app.proc.argv[5], "$HOME");
	CHECK(load("[pre_start:a]\n\nexec = echo ${HR_UNSET}\n"
	    "workdir = ${HR_T}\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: exec: variable 'HR_UNSET' is not "
	    "set\n");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.workdir, "abc");
	/* the exec line had an error: no "missing exec" on top of it */
	CHECK(load("[hookrun]\ntimeout = ${HR_T}\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: timeout: invalid duration 'abc' "
	    "(use 250ms, 30s, 5m, 1h, 0 or infinity)\n");
}

static void
test_durations(void)
{
	CHECK(load("[hookrun]\ntimeout = 250ms\nkill_timeout = 1h\n"
	    "stop_timeout = infinity\nrestart_delay = 0\n"
	    "restart_delay_max = 7\n") == 0);
	CHECK(cfg.timeout_ms == 250 && cfg.kill_timeout_ms == 3600000);
	CHECK(cfg.stop_timeout_ms == 0 && cfg.restart_delay_ms == 0);
	CHECK(cfg.restart_delay_max_ms == 7000);
	CHECK(load("[hookrun]\ntimeout = 5x\nrestart_delay = 10s\n"
	    "restart_delay_max = 5s\n") == 2);
	CHECK_STR(errbuf, "hookrun: t.ini:2: timeout: invalid duration '5x' "
	    "(use 250ms, 30s, 5m, 1h, 0 or infinity)\n"
	    "hookrun: t.ini:4: restart_delay_max is less than restart_delay\n");
	CHECK(load("[hookrun]\nrestart = on_failure\nlog_format = JSON\n"
	    "restart_limit = 5\nstrict_permissions = maybe\n") == 4);
	CHECK_STR(errbuf, "hookrun: t.ini:2: restart: 'on_failure' is not no, "
	    "on-failure or always (did you mean 'on-failure'?)\n"
	    "hookrun: t.ini:3: log_format: 'JSON' is not text or json "
	    "(did you mean 'json'?)\n"
	    "hookrun: t.ini:4: restart_limit: invalid rate '5' (use "
	    "COUNT/WINDOW, as 5/60s)\n"
	    "hookrun: t.ini:5: strict_permissions: not a config key any more "
	    "(a file cannot loosen its own check): use --no-strict-permissions "
	    "or HOOKRUN_STRICT_PERMISSIONS=no\n");
}

static void
test_hook_rules(void)
{
	const struct hook *h;

	/* defaults come from [PHASE] then [hookrun], whatever the order */
	CHECK(load("[pre_start:a]\nexec = x\n[pre_stop:b]\nexec = y\n"
	    "[post_start:c]\nexec = z\ntimeout = 0\n"
	    "[pre_start]\ntimeout = 3s\non_failure = ignore\n"
	    "[hookrun]\ntimeout = 7s\n") == 0);
	h = hook(PHASE_PRE_START, 0);
	CHECK(h->timeout_ms == 3000 && h->on_failure == ON_FAILURE_IGNORE);
	CHECK(h->lock_timeout_ms == 3000 && h->retries == 0);
	CHECK(h->retry_delay_ms == 1000);
	h = hook(PHASE_PRE_STOP, 0);
	CHECK(h->timeout_ms == 7000 && h->on_failure == ON_FAILURE_IGNORE);
	h = hook(PHASE_POST_START, 0);
	CHECK(h->timeout_ms == 0 && h->on_failure == ON_FAILURE_ABORT);
	CHECK(load("[pre_start:x]\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:1: missing exec in [pre_start:x]\n");
	CHECK(load("[pre_start:m]\nexec = x\nonce = v1\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: once needs lock in "
	    "[pre_start:m]\n");
	CHECK(load("[pre_start:a b]\n[pre_start:a/b]\n[pre_start:]\n") == 3);
	CHECK_STR(errbuf, "hookrun: t.ini:1: bad hook name in [pre_start:a b]: "
	    "it must be non-empty, without blanks or '/'\n"
	    "hookrun: t.ini:2: bad hook name in [pre_start:a/b]: it must be "
	    "non-empty, without blanks or '/'\n"
	    "hookrun: t.ini:3: bad hook name in [pre_start:]: it must be "
	    "non-empty, without blanks or '/'\n");
	CHECK(load("[pre_start:m]\nexec = x 'y\nretries = -1\n") == 2);
	CHECK_STR(errbuf, "hookrun: t.ini:2: exec: unterminated single quote\n"
	    "hookrun: t.ini:3: retries: invalid number '-1' (use 0 to "
	    "1000000)\n");
	CHECK(load("[pre_start:m]\nexec = x\nlock = exec:pglock --key 'a b'\n"
	    "once = 7\nlock_timeout = 1s\n") == 0);
	h = hook(PHASE_PRE_START, 0);
	CHECK_STR(h->lock, "exec:pglock --key 'a b'");
	CHECK(h->lock_argv != NULL && h->lock_argv[2] != NULL &&
	    strcmp(h->lock_argv[2], "a b") == 0);
	CHECK(h->lock_timeout_ms == 1000);
	/* errors are all reported, in file order */
	CHECK(load("[pre_start:a]\nexec = x\non_failure = stop\n"
	    "[start]\nstop_signal = FOO\nuser = no-such-user-hr\n"
	    "group = no-such-group-hr\n[post_stop:b]\n") == 5);
	CHECK_STR(errbuf, "hookrun: t.ini:3: on_failure: 'stop' is not abort "
	    "or ignore\nhookrun: t.ini:5: stop_signal: unknown signal 'FOO'\n"
	    "hookrun: t.ini:6: user 'no-such-user-hr' not found\n"
	    "hookrun: t.ini:7: group 'no-such-group-hr' not found\n"
	    "hookrun: t.ini:8: missing exec in [post_stop:b]\n");
	CHECK(load("[start]\nuser = 4242\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: user 4242 has no passwd entry: "
	    "set group too\n");
	CHECK(load("[start]\nuser = 4242\ngroup = 4343\n") == 0);
	CHECK(cfg.app.proc.uid == 4242 && cfg.app.proc.gid == 4343);
	CHECK(load("[start]\nuser = 0\ngroup = nogroup\nenv = 1A=b\n"
	    "env = A\n") == 2);
	CHECK(cfg.app.proc.uid == 0 && cfg.app.proc.gid == 65534);
	CHECK_STR(errbuf, "hookrun: t.ini:4: env: expected NAME=VALUE with a "
	    "valid variable name\nhookrun: t.ini:5: env: expected NAME=VALUE "
	    "with a valid variable name\n");
}

static void
test_ready(void)
{
	CHECK(load("[start]\nready = fd:3\n") == 0);
	CHECK(cfg.app.ready == READY_FD && cfg.app.ready_fd == 3);
	CHECK_STR(cfg.app.ready_arg, "3");
	CHECK(load("[start]\nready = tcp:localhost:8080\n") == 0);
	CHECK(cfg.app.ready == READY_TCP);
	CHECK_STR(cfg.app.ready_probe.host, "localhost");
	CHECK(cfg.app.ready_probe.port == 8080);
	CHECK(load("[start]\nready = tcp:[::1]:80\n") == 0);
	CHECK_STR(cfg.app.ready_probe.host, "::1");
	CHECK_STR(cfg.app.ready_arg, "[::1]:80");
	CHECK_STR(cfg.app.ready_probe.text, "tcp:[::1]:80");
	CHECK(load("[start]\nready = exec:curl -fs 'http://x/'\n") == 0);
	CHECK(cfg.app.ready == READY_EXEC);
	CHECK_STR(cfg.app.ready_probe.argv[0], "curl");
	CHECK_STR(cfg.app.ready_probe.argv[2], "http://x/");
	CHECK(load("[start]\nready = delay:2s\n") == 0);
	CHECK(cfg.app.ready == READY_DELAY && cfg.app.ready_delay_ms == 2000);
	CHECK(load("[start]\nready = http://app:4000/health\n") == 0);
	CHECK(cfg.app.ready == READY_HTTP);
	CHECK_STR(cfg.app.ready_probe.host, "app");
	CHECK_STR(cfg.app.ready_probe.path, "/health");
	CHECK(load("[start]\nready = unix:/run/app.sock\n") == 0);
	CHECK(cfg.app.ready == READY_UNIX);
	CHECK_STR(cfg.app.ready_probe.path, "/run/app.sock");
	CHECK(load("[start]\nready = fd:2\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: ready: fd:N needs a descriptor "
	    "number of 3 or more\n");
	CHECK(load("[start]\nready = tcp:host\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: ready: tcp:HOST:PORT: missing "
	    "':PORT'\n");
	CHECK(load("[start]\nready = tcp:host:99999\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: ready: tcp:HOST:PORT: port 99999 "
	    "is out of range (1 to 65535)\n");
	CHECK(load("[start]\nready = http://\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: ready: http://HOST:PORT/PATH: "
	    "missing host\n");
	CHECK(load("[start]\nready = ftp://x\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: ready: 'ftp://x' is not none, "
	    "notify, fd:N, delay:DURATION or a probe (tcp:HOST:PORT, "
	    "http://HOST:PORT/PATH, unix:PATH or exec:COMMAND)\n");
	CHECK(load("[start]\nready = delay:soon\n") == 1);
	CHECK(load("[start]\nready = exec:\n") == 1);
}

/* wait =, health, http_status, status_file: values and their errors, with file and line. */
static void
test_probes(void)
{
	const struct hook *h;

	CHECK(load("[pre_start:db]\nwait = tcp:db:5432 "
	    "'exec:pg_isready -h db' http://auth:8080/health?x=1\n"
	    "http_status = 401\ntimeout = 2m\n") == 0);
	CHECK((h = hook(PHASE_PRE_START, 0)) != NULL && h->nwait == 3);
	if (h != NULL && h->nwait == 3) {
		CHECK(h->proc.argv == NULL);
		CHECK(h->wait[0].kind == PROBE_TCP && h->wait[0].port == 5432);
		CHECK(h->wait[1].kind == PROBE_EXEC);
		CHECK_STR(h->wait[1].argv[2], "db");
		CHECK(h->wait[2].kind == PROBE_HTTP);
		CHECK_STR(h->wait[2].path, "/health?x=1");
		CHECK(http_codes_has(&h->wait[2].ok, 401));
		CHECK(!http_codes_has(&h->wait[2].ok, 404));
		CHECK(h->timeout_ms == 120000);
	}
	CHECK(load("[pre_start:db]\nwait =\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: wait: no target (use one or more "
	    "of tcp:HOST:PORT, http://HOST:PORT/PATH, unix:PATH or "
	    "exec:COMMAND)\n");
	CHECK(load("[pre_start:db]\nwait = tcp:db:5432 udp:db:53\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: wait: unknown probe 'udp:' (use "
	    "tcp:HOST:PORT, http://HOST:PORT/PATH, unix:PATH or "
	    "exec:COMMAND)\n");
	CHECK(load("[pre_start:db]\nwait = tcp:db:0\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: wait: tcp:HOST:PORT: port 0 is "
	    "out of range (1 to 65535)\n");
	CHECK(load("[pre_start:db]\n\nwait = http://:80/\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: wait: http://HOST:PORT/PATH: "
	    "missing host\n");
	CHECK(load("[pre_start:db]\nexec = true\nwait = tcp:db:1\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: [pre_start:db] has both exec and "
	    "wait: a hook runs a command or waits, not both\n");
	CHECK(load("[pre_start:db]\nwait = tcp:db:1\nhttp_status = 404\n")
	    == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: http_status is set, but no probe "
	    "in [pre_start:db] is http://\n");
	CHECK(load("[pre_start:db]\nretries = 1\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:1: missing exec in [pre_start:db]\n");
	CHECK(load("[start]\nwait = tcp:db:1\n") == 1);

	CHECK(load("[start]\nexec = app\n") == 0);
	CHECK(cfg.app.health.text == NULL);
	CHECK(cfg.app.health_interval_ms == 30000);
	CHECK(cfg.app.health_timeout_ms == 5000);
	CHECK(cfg.app.health_retries == 3);
	CHECK(cfg.app.health_start_period_ms == 0);
	CHECK(cfg.app.on_unhealthy == UNHEALTHY_RESTART);
	CHECK_STR(cfg.status_file, "/run/hookrun/status");
	CHECK(load("[start]\nexec = app\nhealth = http://[::1]:4000/h\n"
	    "health_interval = 10s\nhealth_timeout = 2s\nhealth_retries = 5\n"
	    "health_start_period = 1m\non_unhealthy = stop\n"
	    "http_status = 503\n") == 0);
	CHECK(cfg.app.health.kind == PROBE_HTTP && cfg.app.health.port == 4000);
	CHECK(http_codes_has(&cfg.app.health.ok, 503));
	CHECK(cfg.app.health_interval_ms == 10000);
	CHECK(cfg.app.health_timeout_ms == 2000);
	CHECK(cfg.app.health_retries == 5);
	CHECK(cfg.app.health_start_period_ms == 60000);
	CHECK(cfg.app.on_unhealthy == UNHEALTHY_STOP);
	CHECK(load("[start]\nexec = app\nhealth = tcp:x:1\n"
	    "health_interval = 0\nhealth_retries = 0\non_unhealthy = reboot\n")
	    == 3);
	CHECK_STR(errbuf, "hookrun: t.ini:4: health_interval: must be more "
	    "than 0\nhookrun: t.ini:5: health_retries: must be 1 or more\n"
	    "hookrun: t.ini:6: on_unhealthy: 'reboot' is not restart, stop or "
	    "ignore\n");
	CHECK(load("[start]\nexec = app\nhealth_interval = 5s\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: health_interval needs health in "
	    "[start]\n");
	CHECK(load("[start]\nexec = app\nhealth = http://x/\n"
	    "http_status = 99\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:4: http_status: '99' is not an HTTP "
	    "status (use 100 to 599)\n");

	CHECK(load("[hookrun]\nstatus_file = /run/app/status\n") == 0);
	CHECK_STR(cfg.status_file, "/run/app/status");
	CHECK(cfg.status_file_set == 1);
	CHECK(load("[hookrun]\nstatus_file =\n") == 0);
	CHECK(cfg.status_file == NULL);
	CHECK(load("[hookrun]\nstatus_file = run/status\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:2: status_file: 'run/status' is not "
	    "an absolute path to a file\n");
}

static void
test_app_and_files(void)
{
	char *app[] = { "/bin/sleep", "1 0", NULL };

	write_file("t.ini", "[start]\nexec = /bin/true\nshell = yes\n"
	    "ready = notify\n", 0644);
	CHECK(load_file("t.ini", 1, app) == 0);
	CHECK(cfg.app.from_cmdline == 1 && cfg.app.proc.shell == 0);
	CHECK_STR(cfg.app.proc.argv[0], "/bin/sleep");
	CHECK_STR(cfg.app.proc.argv[1], "1 0");
	CHECK(cfg.app.proc.argv[2] == NULL);
	CHECK(cfg.app.ready == READY_NOTIFY);
	/* a missing file: an error only when named with -c */
	CHECK(load_file("missing.ini", 1, NULL) == 1);
	CHECK_STR(errbuf, "hookrun: missing.ini: cannot open: No such file or "
	    "directory\n");
	CHECK(load_file("missing.ini", 0, app) == 0);
	CHECK(cfg.found == 0);
	CHECK_STR(cfg.file, "missing.ini");
	CHECK(cfg.app.from_cmdline == 1);
	CHECK(load_file(".", 1, NULL) == 1);
	/* relative hooks_dir, lock and env_file: from the file's directory */
	mkdir("sub", 0755);
	write_file("sub/t.ini", "[hookrun]\nhooks_dir = hooks.d\n"
	    "[pre_start:a]\nexec = bin/a\nlock = locks/a\nenv_file = e\n"
	    "env_file = /abs\nworkdir = w\n", 0644);
	CHECK(load_file("sub/t.ini", 1, NULL) == 0);
	CHECK_STR(cfg.hooks_dir, "sub/hooks.d");
	CHECK_STR(hook(PHASE_PRE_START, 0)->lock, "sub/locks/a");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.env_files[0], "sub/e");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.env_files[1], "/abs");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.workdir, "w");
	CHECK_STR(hook(PHASE_PRE_START, 0)->proc.argv[0], "bin/a");
	CHECK(load("[hookrun]\nhooks_dir =\n") == 0);
	CHECK(cfg.hooks_dir == NULL);
	/* strict_permissions, as root: a file others can write is refused */
	if (geteuid() == 0) {
		write_file("t.ini", "[start]\nexec = x\n", 0664);
		CHECK(load_file("t.ini", 1, NULL) == 1);
		CHECK_STR(errbuf, "hookrun: t.ini: writable by group or others "
		    "(refused as root: --no-strict-permissions allows it)\n");
		/* the file cannot turn the check off for itself */
		write_file("t.ini", "[hookrun]\nstrict_permissions = no\n",
		    0666);
		CHECK(load_file("t.ini", 1, NULL) == 2);
		/* the command line can */
		trust_set_strict(0);
		write_file("t.ini", "[start]\nexec = x\n", 0666);
		CHECK(load_file("t.ini", 1, NULL) == 0);
		trust_set_strict(1);
	}
}

static void
test_hookdir(void)
{
	static const char *const silent[] = {
		".hidden", "x~", "y.disabled", "z.dpkg-old", "z.dpkg-new",
		"z.dpkg-dist", "z.rpmnew", "z.rpmsave"
	};
	const struct phase *p = &cfg.phases[PHASE_PRE_START];
	char path[256];
	size_t i;

	run("rm -rf hd && mkdir -p hd/pre_start/sub hd/post_stop");
	write_file("hd/pre_start/b", "#!/bin/sh\n", 0755);
	write_file("hd/pre_start/A", "#!/bin/sh\n", 0755);
	write_file("hd/pre_start/10-x", "#!/bin/sh\n", 0755);
	write_file("hd/pre_start/2-y", "#!/bin/sh\n", 0755);
	write_file("hd/pre_start/README", "text\n", 0644);
	write_file("hd/target", "#!/bin/sh\n", 0755);
	symlink("../target", "hd/pre_start/link");
	symlink("../nowhere", "hd/pre_start/dangling");
	for (i = 0; i < sizeof(silent) / sizeof(silent[0]); i++) {
		snprintf(path, sizeof(path), "hd/pre_start/%s", silent[i]);
		write_file(path, "#!/bin/sh\n", 0755);
	}
	CHECK(hookdir_silent_skip(".x") && hookdir_silent_skip("a.rpmsave"));
	CHECK(!hookdir_silent_skip("a.sh") && !hookdir_silent_skip("rpmnew"));
	CHECK(load("[hookrun]\nhooks_dir = hd\n[pre_start:zz]\nexec = x\n"
	    "[pre_start:aa]\nexec = y\n") == 0);
	/* configured hooks in file order, then the directory in byte order */
	CHECK(p->nhooks == 7);
	if (p->nhooks == 7) {
		CHECK_STR(p->hooks[0]->name, "zz");
		CHECK_STR(p->hooks[1]->name, "aa");
		CHECK_STR(p->hooks[2]->name, "10-x");
		CHECK_STR(p->hooks[3]->name, "2-y");
		CHECK_STR(p->hooks[4]->name, "A");
		CHECK_STR(p->hooks[5]->name, "b");
		CHECK_STR(p->hooks[6]->name, "link");
		CHECK_STR(p->hooks[6]->source, "hd/pre_start/link");
		CHECK_STR(p->hooks[6]->proc.argv[0], "hd/pre_start/link");
		CHECK(p->hooks[6]->proc.argv[1] == NULL);
		CHECK(p->hooks[6]->line == 0);
		CHECK(p->hooks[6]->timeout_ms == 300000);
		CHECK(p->hooks[6]->on_failure == ON_FAILURE_ABORT);
	}
	/* only the unexpected skips are warned about */
	CHECK_STR(errbuf, "hookrun: hd/pre_start/README: skipped: not "
	    "executable\nhookrun: hd/pre_start/dangling: skipped: dangling "
	    "symbolic link\nhookrun: hd/pre_start/sub: skipped: not a regular "
	    "file\n");
	CHECK(p->nskipped == 11);
	for (i = 0; i < p->nskipped; i++)
		if (strcmp(p->skipped[i].path, "hd/pre_start/x~") == 0) {
			CHECK(p->skipped[i].warned == 0);
			CHECK_STR(p->skipped[i].why, "name ends in '~'");
		} else if (strcmp(p->skipped[i].path, "hd/pre_start/.hidden") == 0)
			CHECK_STR(p->skipped[i].why, "name begins with '.'");
		else if (strcmp(p->skipped[i].path, "hd/pre_start/README") == 0)
			CHECK(p->skipped[i].warned == 1);
	CHECK(cfg.phases[PHASE_POST_STOP].nhooks == 0);
	/* a file may not reuse a configured hook's name */
	CHECK(load("[hookrun]\nhooks_dir = hd\n[pre_start:b]\nexec = x\n") == 1);
	CHECK(strstr(errbuf, "hookrun: hd/pre_start/b: hook name 'b' is "
	    "already used by [pre_start:b] at t.ini:3\n") != NULL);
	/* an invalid config is not scanned at all */
	CHECK(load("[hookrun]\nhooks_dir = hd\nbogus = 1\n") == 1);
	CHECK(cfg.phases[PHASE_PRE_START].nhooks == 0);
	if (geteuid() == 0) {
		chmod("hd/pre_start/A", 0777);
		CHECK(load("[hookrun]\nhooks_dir = hd\n") == 1);
		CHECK(strstr(errbuf, "hookrun: hd/pre_start/A: writable by "
		    "group or others (refused as root: --no-strict-permissions "
		    "allows it)\n") != NULL);
		chmod("hd/pre_start/A", 0755);
	}
}

static void
test_plan(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int errors;

	CHECK(load("[hookrun]\nhooks_dir =\n[pre_start:a]\n"
	    "exec = /nonexistent/hr-a x\n[start]\nexec = /bin/sh -c 'x \"y\"'\n")
	    == 0);
	out = open_memstream(&buf, &len);
	fflush(stderr);
	{
		int saved = dup(2), fd = open("/dev/null", O_WRONLY);

		dup2(fd, 2);
		errors = plan_print(out, &cfg, -1);
		dup2(saved, 2);
		close(fd);
		close(saved);
	}
	fclose(out);
	CHECK(errors == 1);
	CHECK(strstr(buf, "  hook a: t.ini:3\n    argv: [\"/nonexistent/hr-a\", "
	    "\"x\"]\n    path: not found\n") != NULL);
	CHECK(strstr(buf, "    argv: [\"/bin/sh\", \"-c\", \"x \\\"y\\\"\"]\n"
	    "    path: /bin/sh\n") != NULL);
	free(buf);
}

static void
test_once_keys(void)
{
	char text[1024], key[300];

	setenv("REL", "2.0\n1.0", 1);
	CHECK(load("[pre_start:m]\nexec = x\nlock = l\nonce = ${REL}\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:4: once: the key has a control "
	    "character (0x0a) at byte 4\n");
	setenv("REL", "a\x7f", 1);
	CHECK(load("[pre_start:m]\nexec = x\nlock = l\nonce = ${REL}\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:4: once: the key has a control "
	    "character (0x7f) at byte 2\n");
	memset(key, 'k', 257);
	key[257] = '\0';
	snprintf(text, sizeof(text), "[pre_start:m]\nexec = x\nlock = l\n"
	    "once = %s\n", key);
	CHECK(load(text) == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:4: once: the key is 257 bytes long, "
	    "more than 256\n");
	key[256] = '\0';
	snprintf(text, sizeof(text), "[pre_start:m]\nexec = x\nlock = l\n"
	    "once = %s\n", key);
	CHECK(load(text) == 0);
	/* UTF-8 is no control character */
	CHECK(load("[pre_start:m]\nexec = x\nlock = l\nonce = v\xc3\xa9 1\n")
	    == 0);
	unsetenv("REL");
}

static void
test_exports_key(void)
{
	const struct hook *h;

	CHECK(load("[pre_start:m]\nexec = x\nexports = A, B_2\tc,,D\n") == 0);
	h = hook(PHASE_PRE_START, 0);
	CHECK(h != NULL && h->nexports == 4);
	if (h != NULL && h->nexports == 4) {
		CHECK_STR(h->exports[0], "A");
		CHECK_STR(h->exports[1], "B_2");
		CHECK_STR(h->exports[2], "c");
		CHECK_STR(h->exports[3], "D");
		CHECK(h->exports[4] == NULL);
	}
	CHECK(load("[pre_start:m]\nexec = x\n") == 0);
	CHECK(hook(PHASE_PRE_START, 0)->exports == NULL);
	CHECK(load("[pre_start:m]\nexec = x\nexports = A 1B\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: exports: '1B' is not a variable "
	    "name\n");
	CHECK(load("[pre_start:m]\nexec = x\nexports = ,\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: exports: no variable name\n");
	CHECK(load("[pre_start:m]\nexec = x\nexports = NOTIFY_SOCKET\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: exports: 'NOTIFY_SOCKET' is set "
	    "by hookrun itself: no hook may export it\n");
	CHECK(load("[start]\nexec = x\nexports = A\n") == 1);
	CHECK_STR(errbuf, "hookrun: t.ini:3: unknown key 'exports' in [start] "
	    "(allowed in [PHASE:NAME])\n");
}

int
main(void)
{
	umask(022);
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) == -1) {
		perror(tmpdir);
		return 2;
	}
	log_init(0, 0);
	test_defaults();
	test_full_example();
	test_unknown_names();
	test_repeats();
	test_comments_and_values();
	test_long_lines();
	test_expansion();
	test_durations();
	test_hook_rules();
	test_ready();
	test_probes();
	test_app_and_files();
	test_hookdir();
	test_plan();
	test_once_keys();
	test_exports_key();
	config_free(&cfg);
	if (chdir("/") == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		run(cmd);
	}
	return UNIT_DONE("config");
}
