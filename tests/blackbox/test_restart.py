# test_restart.py: the restart policy: on-failure and always, the doubling delay, the
# restart limit, post_start again after each restart but pre_start once.

import re
import signal

from conftest import wait_for
from pid1util import read_pid

# The app counts its runs in @D@/runs and exits with the status its run
# number picks from STATUSES (the last one repeats).
#   flaky.sh STATUS...
FLAKY = """
echo run >> @D@/runs
n=$(wc -l < @D@/runs)
shift $(( n <= $# ? n - 1 : $# - 1 ))
exit $1
"""


def runs(hr):
	return len(hr.lines("runs") or [])


def run_flaky(hr, config):
	"""Runs hookrun on CONFIG (which starts @D@/flaky.sh, FLAKY) to its end."""
	hr.script("flaky.sh", FLAKY)
	hr.config(config)
	return hr.run("-c", hr.cfg)


def test_on_failure_restarts_a_flaky_app_until_it_succeeds(hr):
	r = run_flaky(hr, """
	    [hookrun]
	    restart = on-failure
	    restart_delay = 50ms
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/flaky.sh 1 1 0
	    """)
	assert r.rc == 0, r
	assert runs(hr) == 3, r
	assert len(re.findall(r"restarting in", r.err)) == 2, r


def test_on_failure_does_not_restart_a_success_status(hr):
	r = run_flaky(hr, """
	    [hookrun]
	    restart = on-failure
	    restart_delay = 50ms
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/flaky.sh 3
	    success_status = 3
	    """)
	assert r.rc == 0, r
	assert runs(hr) == 1, r


def test_restart_no_runs_the_app_once(hr):
	r = run_flaky(hr, """
	    [hookrun]
	    restart = no
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/flaky.sh 9 0
	    """)
	assert r.rc == 9, r
	assert runs(hr) == 1, r


def test_always_gives_up_at_the_restart_limit_with_the_last_status(hr):
	# 3 restarts are allowed within 60 s: 4 runs, then the 4th's status.
	r = run_flaky(hr, """
	    [hookrun]
	    restart = always
	    restart_delay = 10ms
	    restart_limit = 3/60s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/flaky.sh 11 0 13 14 15
	    """)
	assert r.rc == 14, r
	assert runs(hr) == 4, r
	assert "restart limit reached" in r.err, r


def test_restart_delay_doubles_up_to_restart_delay_max(hr):
	r = run_flaky(hr, """
	    [hookrun]
	    restart = on-failure
	    restart_delay = 100ms
	    restart_delay_max = 400ms
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/flaky.sh 1 1 1 1 1 0
	    """)
	assert r.rc == 0, r
	assert runs(hr) == 6, r
	assert re.findall(r"restarting in (\w+)", r.err) == ["100ms", "200ms",
	    "400ms", "400ms", "400ms"], r
	assert r.elapsed >= 1.45, r


def test_post_start_runs_after_each_restart_and_pre_start_once(hr):
	# Each run of the app waits until the post_start hook of its run has
	# recorded its pid (post_start runs while the app does), then fails
	# twice and succeeds the third time.
	hr.script("app.sh", """
	    echo $$ >> @D@/apps
	    i=0
	    while ! grep -qx $$ @D@/posts 2>/dev/null && [ $i -lt 1000 ]; do
	        sleep 0.01; i=$((i + 1))
	    done
	    [ $(wc -l < @D@/apps) -ge 3 ] && exit 0
	    exit 1
	    """)
	hr.config("""
	    [hookrun]
	    restart = on-failure
	    restart_delay = 10ms
	    hooks_dir = @D@/hooks.d

	    [pre_start:once]
	    exec = sh -c 'echo pre >> @D@/pres'

	    [start]
	    exec = @D@/app.sh

	    [post_start:each]
	    exec = sh -c 'echo $$HOOKRUN_APP_PID >> @D@/posts'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	apps = hr.lines("apps")
	assert len(apps) == 3, r
	assert hr.lines("posts") == apps, r
	assert hr.lines("pres") == ["pre"], r


def test_term_during_the_restart_delay_exits_with_the_last_status(hr):
	hr.config("""
	    [hookrun]
	    restart = always
	    restart_delay = 60s
	    restart_delay_max = 60s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = sh -c 'echo $$$$ > @D@/app.pid; exit 5'
	    """)
	run = hr.start("-c", hr.cfg)
	read_pid(hr, "app.pid", run)
	assert wait_for(lambda: "restarting in 1m" in run.err()), run.err()
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 5, r
	assert r.elapsed < 15, r


def test_an_app_that_cannot_be_executed_is_not_restarted(hr):
	hr.config("""
	    [hookrun]
	    restart = always
	    restart_delay = 10ms
	    hooks_dir = @D@/hooks.d
	    """)
	r = hr.run("-c", hr.cfg, "--", hr.path("no-such-app"))
	assert r.rc == 127, r
	assert "restarting" not in r.err, r
