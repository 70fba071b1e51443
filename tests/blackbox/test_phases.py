# test_phases.py: the pre_start/post_stop phases: order, hooks_dir, environment, failures, retries, timeouts.

import os
import re

from conftest import (alive, assert_own_process_group, post_stop_report,
    run_one_hook, wait_for)
from pid1util import python_app


def record(name, target="order"):
	"""A hook body appending NAME to @D@/TARGET."""
	return "echo %s >> @D@/%s\n" % (name, target)


def test_pre_start_hooks_run_in_file_order_then_hooks_dir_in_byte_order(hr):
	hr.config("""
	    [pre_start:zz-first]
	    exec = sh -c 'echo zz-first >> @D@/order'

	    [pre_start:aa-second]
	    exec = sh -c 'echo aa-second >> @D@/order'

	    [start]
	    exec = sh -c 'echo app >> @D@/order'
	    """)
	for name in ("20-x", "10-y", "B", "a"):
		hr.hook("pre_start", name, record(name))
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.lines("order") == ["zz-first", "aa-second", "10-y", "20-x",
	    "B", "a", "app"], r


def test_hooks_dir_follows_symlinks(hr):
	hr.config("""
	    [start]
	    exec = true
	    """)
	target = hr.script("elsewhere/target", record("target"))
	os.makedirs(hr.path("hooks.d", "pre_start"), exist_ok=True)
	os.symlink(target, hr.path("hooks.d", "pre_start", "50-link"))
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.lines("order") == ["target"], r


def test_hooks_dir_skips_backup_and_hidden_files_silently(hr):
	hr.config("""
	    [start]
	    exec = true
	    """)
	hr.hook("pre_start", "10-real", record("10-real"))
	for name in ("x~", ".hidden", "x.dpkg-old", "x.dpkg-new",
	    "x.dpkg-dist", "x.disabled", "x.rpmnew", "x.rpmsave"):
		hr.hook("pre_start", name, record(name))
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.lines("order") == ["10-real"], r
	for name in ("x~", ".hidden", "dpkg-old", "dpkg-new", "dpkg-dist",
	    "disabled", "rpmnew", "rpmsave"):
		assert name not in r.err, r


def test_hooks_dir_warns_about_non_executable_file_and_skips_it(hr):
	hr.config("""
	    [start]
	    exec = true
	    """)
	hr.hook("pre_start", "10-real", record("10-real"))
	hr.hook("pre_start", "20-noexec", record("20-noexec"), mode=0o644)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.lines("order") == ["10-real"], r
	warn = [l for l in r.err_lines if "20-noexec" in l]
	assert warn and all(l.startswith("hookrun: ") for l in warn), r


def test_hooks_dir_warns_about_directory_and_skips_it(hr):
	hr.config("""
	    [start]
	    exec = true
	    """)
	hr.hook("pre_start", "10-real", record("10-real"))
	os.makedirs(hr.path("hooks.d", "pre_start", "20-subdir"))
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.lines("order") == ["10-real"], r
	assert "20-subdir" in r.err, r


def test_app_starts_only_after_every_pre_start_hook_succeeded(hr):
	# The last hook is slow: the app must not have started before it ends.
	hr.config("""
	    [pre_start:first]
	    exec = sh -c 'echo first >> @D@/order'

	    [pre_start:slow]
	    exec = sh -c 'sleep 0.3; echo slow >> @D@/order'

	    [start]
	    exec = sh -c 'echo app >> @D@/order'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.lines("order") == ["first", "slow", "app"], r


def test_env_file_exports_reach_later_hooks_and_app(hr):
	hr.script("export.sh", """
	    echo 'GREETING=hello world' >> "$HOOKRUN_ENV_FILE"
	    echo 'export SECOND=2' >> "$HOOKRUN_ENV_FILE"
	    """)
	hr.script("show.sh", """
	    echo "$GREETING|$SECOND" > "$1"
	    """)
	hr.config("""
	    [pre_start:export]
	    exec = @D@/export.sh

	    [pre_start:later]
	    exec = @D@/show.sh @D@/hook.seen

	    [start]
	    exec = @D@/show.sh @D@/app.seen
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("hook.seen") == "hello world|2\n", r
	assert hr.read("app.seen") == "hello world|2\n", r


def test_env_file_exports_of_a_failed_hook_are_not_applied(hr):
	hr.config("""
	    [pre_start:fails]
	    exec = sh -c 'echo LEAKED=yes >> "$HOOKRUN_ENV_FILE"; exit 3'
	    on_failure = ignore

	    [start]
	    exec = sh -c 'echo "$${LEAKED-unset}" > @D@/app.seen'
	    """)
	r = hr.run("-c", hr.cfg, env={"LEAKED": None})
	assert r.rc == 0, r
	assert hr.read("app.seen") == "unset\n", r


def test_env_file_bad_line_is_warned_about_and_skipped(hr):
	hr.config("""
	    [pre_start:export]
	    exec = sh -c 'printf "not an assignment\\nGOOD=1\\n" >> "$HOOKRUN_ENV_FILE"'

	    [start]
	    exec = sh -c 'echo "$${GOOD-unset}" > @D@/app.seen'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app.seen") == "1\n", r
	assert any(l.startswith("hookrun: pre_start:export: ") and
	    "not an assignment" in l for l in r.err_lines), r


def test_env_settings_override_exports_and_exports_override_hookruns_env(hr):
	hr.config("""
	    [pre_start:export]
	    exec = sh -c 'echo A=exported >> "$HOOKRUN_ENV_FILE"; echo B=exported >> "$HOOKRUN_ENV_FILE"'

	    [pre_start:show]
	    exec = sh -c 'echo "$A|$B|$C|$D" > @D@/hook.seen'
	    env = B=config
	    env = C=config-c
	    env_file = @D@/vars

	    [start]
	    exec = sh -c 'echo "$A|$B|$${C-unset}" > @D@/app.seen'
	    """)
	hr.write("vars", "# comment\nexport D=from-file\n")
	r = hr.run("-c", hr.cfg, env={"A": "inherited", "B": "inherited",
	    "C": None, "D": None})
	assert r.rc == 0, r
	assert hr.read("hook.seen") == "exported|config|config-c|from-file\n", r
	assert hr.read("app.seen") == "exported|exported|unset\n", r


def test_hook_runs_in_its_workdir(hr):
	os.makedirs(hr.path("wd"))
	hr.config("""
	    [pre_start:where]
	    exec = sh -c 'pwd > @D@/where'
	    workdir = @D@/wd

	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("where") == hr.path("wd") + "\n", r


def test_hook_stdin_is_hookruns_stdin(hr):
	hr.write("input", "from-stdin\n")
	hr.config("""
	    [pre_start:reader]
	    exec = sh -c 'cat > @D@/got'

	    [start]
	    exec = true
	    """)
	with open(hr.path("input")) as f:
		r = hr.run("-c", hr.cfg, stdin=f)
	assert r.rc == 0, r
	assert hr.read("got") == "from-stdin\n", r


def test_hooks_see_phase_hook_name_and_attempt(hr):
	hr.script("show.sh", """
	    echo "$HOOKRUN_PHASE|$HOOKRUN_HOOK|$HOOKRUN_ATTEMPT" >> @D@/seen
	    """)
	hr.config("""
	    [pre_start:configured]
	    exec = @D@/show.sh

	    [start]
	    exec = true
	    """)
	hr.hook("pre_start", "50-fromdir", 'exec @D@/show.sh\n')
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.lines("seen") == ["pre_start|configured|1",
	    "pre_start|50-fromdir|1"], r


def test_post_stop_hooks_see_app_status(hr):
	r, seen = post_stop_report(hr, "sh -c 'exit 5'",
	    "$HOOKRUN_PHASE|$HOOKRUN_APP_STATUS")
	assert r.rc == 5, r
	assert seen == "post_stop|5\n", r


def test_post_stop_hooks_see_128_plus_signal_for_killed_app(hr):
	r, seen = post_stop_report(hr, "sh -c 'kill -KILL $$$$'",
	    "$HOOKRUN_APP_STATUS")
	assert r.rc == 137, r
	assert seen == "137\n", r


def test_failing_post_stop_hook_keeps_the_apps_status(hr):
	hr.config("""
	    [start]
	    exec = sh -c 'exit 4'

	    [post_stop:fails]
	    exec = sh -c 'exit 9'

	    [post_stop:after]
	    exec = touch @D@/after
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 4, r
	assert hr.exists("after"), r


def test_failing_pre_start_hook_exits_with_its_status_and_starts_no_app(hr):
	hr.config("""
	    [pre_start:fails]
	    exec = sh -c 'exit 3'

	    [pre_start:after]
	    exec = touch @D@/after

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 3, r
	assert not hr.exists("app"), r
	assert not hr.exists("after"), r
	# decisions.md: "hookrun: pre_start: hook migrate failed: not starting the app"
	assert re.search(r"^hookrun: pre_start: .*\bfails\b.*not starting the app",
	    r.err, re.M), r


def test_failing_pre_start_hook_still_runs_post_stop_with_empty_app_status(hr):
	hr.config("""
	    [pre_start:fails]
	    exec = sh -c 'exit 3'

	    [start]
	    exec = touch @D@/app

	    [post_stop:report]
	    exec = sh -c 'echo "status=[$${HOOKRUN_APP_STATUS-unset}]" > @D@/seen'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 3, r
	assert not hr.exists("app"), r
	assert hr.read("seen") == "status=[]\n", r


def test_on_failure_ignore_continues_to_next_hook_and_app(hr):
	hr.config("""
	    [pre_start:fails]
	    exec = sh -c 'exit 3'
	    on_failure = ignore

	    [pre_start:after]
	    exec = touch @D@/after

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.exists("after"), r
	assert hr.exists("app"), r


def test_phase_on_failure_ignore_is_default_of_its_hooks(hr):
	hr.config("""
	    [pre_start]
	    on_failure = ignore

	    [pre_start:fails]
	    exec = sh -c 'exit 3'

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.exists("app"), r


def test_retries_give_three_attempts_with_attempt_numbers(hr):
	hr.script("flaky.sh", """
	    echo "$HOOKRUN_ATTEMPT $(date +%s.%N)" >> @D@/attempts
	    exit 3
	    """)
	hr.config("""
	    [pre_start:flaky]
	    exec = @D@/flaky.sh
	    retries = 2
	    retry_delay = 100ms

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 3, r
	lines = hr.lines("attempts")
	assert [l.split()[0] for l in lines] == ["1", "2", "3"], r
	assert not hr.exists("app"), r
	# The delay doubles: 100ms before attempt 2, 200ms before attempt 3
	# (only lower bounds: a slow machine may only add to them).
	t = [float(l.split()[1]) for l in lines]
	assert t[1] - t[0] >= 0.09, lines
	assert t[2] - t[1] >= 0.19, lines
	assert re.search(r"retrying in 100ms \(attempt 2 of 3\)", r.err), r
	assert re.search(r"retrying in 200ms \(attempt 3 of 3\)", r.err), r


def test_retry_that_succeeds_lets_the_app_start(hr):
	hr.config("""
	    [pre_start:flaky]
	    exec = sh -c 'echo $HOOKRUN_ATTEMPT >> @D@/attempts; [ $HOOKRUN_ATTEMPT -ge 2 ]'
	    retries = 5
	    retry_delay = 50ms

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.lines("attempts") == ["1", "2"], r
	assert hr.exists("app"), r


def test_hook_killed_by_signal_gives_128_plus_signal(hr):
	hr.config("""
	    [pre_start:dies]
	    exec = sh -c 'kill -KILL $$$$'

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 128 + 9, r
	assert not hr.exists("app"), r
	assert "signal KILL" in r.err, r


def test_missing_hook_executable_gives_127(hr):
	hr.config("""
	    [pre_start:missing]
	    exec = @D@/no-such-hook

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 127, r
	assert not hr.exists("app"), r
	assert "exec %s: No such file or directory" % hr.path("no-such-hook") \
	    in r.err, r


def test_non_executable_hook_gives_126(hr):
	hr.write("plain.sh", "#!/bin/sh\ntrue\n", mode=0o644)
	hr.config("""
	    [pre_start:noexec]
	    exec = @D@/plain.sh

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 126, r
	assert not hr.exists("app"), r


def test_hook_timeout_exits_124(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 300ms

	    [pre_start:slow]
	    exec = sleep 20
	    timeout = 300ms

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 124, r
	assert r.elapsed < 15, r
	assert not hr.exists("app"), r
	assert "timed out" in r.err, r


def test_hook_timeout_ends_at_once_when_term_ends_its_whole_group(hr):
	# sh and its sleep both die of the TERM: nothing is left to KILL, so
	# kill_timeout (6s here) is not waited for.
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 6s

	    [pre_start:slow]
	    exec = sh -c 'sleep 30; true'
	    timeout = 300ms

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 124, r
	assert not hr.exists("app"), r
	assert "sending KILL" not in r.err, r
	assert r.elapsed < 4, r


def test_hook_timeout_kills_whole_group_including_term_ignoring_grandchild(hr):
	# The slow hook and its background child both ignore TERM: only the
	# KILL that follows kill_timeout ends them. The next hook (the first
	# one's failure is ignored) records whether any of them is still there.
	hr.script("stubborn.sh", """
	    trap '' TERM
	    sleep 100 &
	    echo $! > @D@/grandchild.pid
	    echo $$ > @D@/hook.pid
	    while :; do sleep 1; done
	    """)
	hr.script("check.sh", """
	    for name in hook grandchild; do
	        pid=$(cat @D@/$name.pid)
	        i=0
	        while [ $i -lt 50 ]; do
	            state=$(cat /proc/$pid/stat 2>/dev/null) || { state=gone; break; }
	            case $state in *") Z "*) state=zombie; break;; esac
	            sleep 0.02; i=$((i + 1))
	        done
	        echo "$name $state" >> @D@/survivors
	    done
	    """)
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 300ms

	    [pre_start:stubborn]
	    exec = @D@/stubborn.sh
	    timeout = 300ms
	    on_failure = ignore

	    [pre_start:check]
	    exec = @D@/check.sh

	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	for line in hr.lines("survivors"):
		name, state = line.split(" ", 1)
		assert state in ("gone", "zombie"), "%s survived its timeout: %s" % (
		    name, state)
	assert "sending KILL" in r.err, r
	gc = int(hr.read("grandchild.pid"))
	assert not alive(gc)


# A hook that leaves its process group for hookrun's own, so that TERM and
# KILL to its group miss it, and ignores TERM.
ESCAPER = r"""
import os, signal, time
os.setpgid(0, os.getpgid(os.getppid()))
signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open("@D@/escaper.pid", "w") as f:
	f.write("%d\n" % os.getpid())
time.sleep(6)
"""


def test_timed_out_hook_that_left_its_group_fails_and_is_killed(hr):
	python_app(hr, "escaper.py", ESCAPER)
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 1s

	    [pre_start:escaper]
	    exec = @D@/escaper.py
	    timeout = 1s

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	# A failure (the timeout's 124), never a success; no app, no crash.
	assert r.rc == 124, r
	assert "succeeded" not in r.err, r
	assert "timed out (status 124)" in r.err, r
	assert not hr.exists("app"), r
	# The KILL reached it, out of its group: hookrun did not wait out its
	# 6 s, nor leave it running.
	assert r.elapsed < 5.5, r
	assert not alive(int(hr.read("escaper.pid"))), r


def test_phase_deadline_stops_hooks_that_together_run_too_long(hr):
	# Each hook alone is well within its own timeout and the deadline;
	# the three together are not: the deadline is for the whole phase.
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 300ms

	    [pre_start]
	    deadline = 1s

	    [pre_start:one]
	    exec = sh -c 'sleep 0.4; touch @D@/one'

	    [pre_start:two]
	    exec = sh -c 'sleep 0.4; touch @D@/two'

	    [pre_start:three]
	    exec = sh -c 'sleep 0.4; touch @D@/three'

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 124, r
	assert r.elapsed < 8, r
	assert hr.exists("one"), r
	assert not hr.exists("three"), r
	assert not hr.exists("app"), r
	assert "deadline" in r.err, r


def test_hook_runs_in_its_own_process_group(hr):
	r = run_one_hook(hr, "grp", "sh -c 'cat /proc/$$$$/stat > @D@/hook.stat'")
	assert_own_process_group(hr.read("hook.stat"), r.pid)


def test_hook_background_child_left_behind_is_gone_when_hookrun_exits(hr):
	# setsid: the child leaves the hook's process group, but hookrun reaps
	# and ends every descendant before it exits.
	run_one_hook(hr, "leaver", "sh -c 'setsid sleep 60 > /dev/null 2>&1 "
	    "< /dev/null & echo $! > @D@/left.pid'")
	pid = int(hr.read("left.pid"))
	assert wait_for(lambda: not alive(pid), 2), "pid %d outlived hookrun" % pid


def test_hook_is_over_only_once_its_process_group_is_empty(hr):
	# The hook's process exits at once; a child it left in its group
	# works on for a second. The next hook starts only after that.
	hr.config("""
	    [pre_start:leaves]
	    exec = sh -c '(sleep 1; touch @D@/bg-done) & exit 0'

	    [pre_start:next]
	    exec = sh -c 'test -e @D@/bg-done && touch @D@/in-order'

	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.exists("in-order"), r
	assert "leaves: exited, but its process group" in r.err, r
	assert "leaves: succeeded" in r.err, r


def test_group_left_running_past_the_timeout_fails_the_hook(hr):
	# Exiting 0 is not success while the group goes on: at the timeout it
	# gets TERM, and the hook has failed (124).
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 1s

	    [pre_start:leaves]
	    exec = sh -c 'sleep 30 & echo $$! > @D@/bg.pid; exit 0'
	    timeout = 1s

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 124, r
	assert "succeeded" not in r.err, r
	assert not hr.exists("app"), r
	assert not alive(int(hr.read("bg.pid"))), r
