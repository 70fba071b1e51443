# test_stop.py: the stop sequence (TERM -> pre_stop -> stop signal -> KILL after
# stop_timeout -> post_stop with HOOKRUN_APP_STATUS), a stop during pre_start, and hooks
# dying with a SIGKILLed hookrun.

import os
import re
import signal

import pytest

from conftest import alive, post_stop_report, proc_stat, wait_for
from pid1util import read_pid

# The app: records its start and the TERM it gets in @D@/order, exits 0 on it.
TRAPPING_APP = """
trap 'echo app-term >> @D@/order; exit 0' TERM
echo app-start >> @D@/order
echo $$ > @D@/app.pid
while :; do sleep 0.05; done
"""


def test_stop_sequence_runs_pre_stop_before_the_app_gets_term(hr):
	hr.script("app.sh", TRAPPING_APP)
	# pre_stop checks that the app still runs when it does.
	hr.config("""
	    [hookrun]
	    stop_timeout = 20s
	    hooks_dir = @D@/hooks.d

	    [pre_start:a]
	    exec = sh -c 'echo pre_start >> @D@/order'

	    [start]
	    exec = @D@/app.sh

	    [pre_stop:b]
	    exec = sh -c 'kill -0 $$HOOKRUN_APP_PID && echo pre_stop-app-alive >> @D@/order'

	    [post_stop:c]
	    exec = sh -c 'echo post_stop-status=$$HOOKRUN_APP_STATUS >> @D@/order'
	    """)
	run = hr.start("-c", hr.cfg)
	read_pid(hr, "app.pid", run)
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 0, r
	assert hr.lines("order") == ["pre_start", "app-start",
	    "pre_stop-app-alive", "app-term", "post_stop-status=0"], r


def test_second_term_during_pre_stop_skips_the_rest_of_it(hr):
	hr.script("app.sh", TRAPPING_APP)
	# Every process of the slow hook dies of the TERM: kill_timeout, long
	# here, is not waited for.
	hr.config("""
	    [hookrun]
	    stop_timeout = 10s
	    kill_timeout = 10s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/app.sh

	    [pre_stop:slow]
	    exec = sh -c 'echo slow >> @D@/order; sleep 30; echo slow-end >> @D@/order'
	    timeout = 60s

	    [pre_stop:later]
	    exec = sh -c 'echo later >> @D@/order'
	    """)
	run = hr.start("-c", hr.cfg)
	read_pid(hr, "app.pid", run)
	run.signal(signal.SIGTERM)
	assert wait_for(lambda: "slow" in (hr.lines("order") or [])), run.err()
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 0, r
	assert hr.lines("order") == ["app-start", "slow", "app-term"], r
	assert r.elapsed < 5, r


def test_stop_timeout_kills_an_app_that_ignores_term(hr):
	hr.config("""
	    [hookrun]
	    stop_timeout = 500ms
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = sh -c "trap '' TERM; echo $$$$ > @D@/app.pid; exec sleep 100"

	    [post_stop:status]
	    exec = sh -c 'echo "$$HOOKRUN_APP_STATUS" > @D@/status'
	    """)
	run = hr.start("-c", hr.cfg)
	app = read_pid(hr, "app.pid", run)
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 137, r
	assert hr.read("status") == "137\n", r
	assert "app still running 500ms after the stop signal: sending KILL" \
	    in r.err, r
	assert 0.45 <= r.elapsed < 15, r
	assert not alive(app)


def test_post_stop_sees_the_status_of_an_app_that_exited_by_itself(hr):
	r, seen = post_stop_report(hr, "sh -c 'exit 42'", "$$HOOKRUN_APP_STATUS")
	assert r.rc == 42, r
	assert seen == "42\n", r


def test_term_during_pre_start_ends_it_at_once_and_starts_no_app(hr):
	# The hook and its sleep die of the TERM: neither its timeout nor
	# kill_timeout is waited for.
	hr.config("""
	    [hookrun]
	    timeout = 60s
	    kill_timeout = 10s
	    hooks_dir = @D@/hooks.d

	    [pre_start:slow]
	    exec = sh -c 'echo $$$$ > @D@/hook.pid; sleep 100; echo done'

	    [start]
	    exec = touch @D@/app-started
	    """)
	run = hr.start("-c", hr.cfg)
	read_pid(hr, "hook.pid", run)
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r
	assert not hr.exists("app-started"), r
	assert r.elapsed < 5, r


def test_term_during_pre_start_stops_the_hook_and_its_grandchildren(hr):
	# The hook leaves two grandchildren: one in its process group that
	# ignores TERM, one in a session of its own.
	hr.script("hook.sh", """
	    (trap '' TERM; exec sleep 100) &
	    echo $! > @D@/gc-group.pid
	    setsid sleep 100 &
	    echo $! > @D@/gc-session.pid
	    echo $$ > @D@/hook.pid
	    sleep 100
	    """)
	hr.config("""
	    [hookrun]
	    timeout = 60s
	    kill_timeout = 500ms
	    hooks_dir = @D@/hooks.d

	    [pre_start:slow]
	    exec = @D@/hook.sh

	    [start]
	    exec = touch @D@/app-started
	    """)
	run = hr.start("-c", hr.cfg)
	hook = read_pid(hr, "hook.pid", run)
	pids = [hook, int(hr.read("gc-group.pid")), int(hr.read("gc-session.pid"))]
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r
	assert r.elapsed < 15, r
	assert not hr.exists("app-started"), r
	assert [p for p in pids if alive(p)] == [], r


@pytest.mark.parametrize("user", ["", "user = nobody"],
    ids=["own-user", "other-user"])
def test_hook_dies_with_a_sigkilled_hookrun(hr, user):
	# As another user too: the user switch clears a parent-death signal
	# set before it, so hookrun must set it after.
	if user and os.geteuid() != 0:
		pytest.skip("switching users needs root")
	hr.config("""
	    [pre_start:slow]
	    exec = sleep 100
	    timeout = 60s
	    %s

	    [start]
	    exec = true
	    """ % user)
	run = hr.start("-c", hr.cfg)
	# Its pid from hookrun's own message (the hook may not write here).
	started = wait_for(lambda: re.search(r"slow: started \(pid (\d+)",
	    run.err()) or run.poll() is not None)
	assert started and started is not True, run.err()
	hook = int(started.group(1))
	assert alive(hook), run.err()
	run.signal(signal.SIGKILL)
	run.popen.wait(10)
	# The parent-death signal: not left running unsupervised.
	assert wait_for(lambda: not alive(hook)), (hook, run.err())


def test_locked_hooks_whole_group_dies_with_a_sigkilled_hookrun(hr):
	# A parent-death signal reaches only the hook's own process; a locked
	# hook runs under a guard, so that its children die with hookrun too
	# and no migration goes on while another replica takes the lock.
	hr.config("""
	    [pre_start:migrate]
	    exec = sh -c 'sleep 100 & echo $$! > @D@/child.pid; wait'
	    lock = @D@/lock
	    timeout = 60s

	    [start]
	    exec = true
	    """)
	run = hr.start("-c", hr.cfg)
	child = read_pid(hr, "child.pid", run)
	assert alive(child), run.err()
	run.signal(signal.SIGKILL)
	run.popen.wait(10)
	assert wait_for(lambda: not alive(child)), (child, run.err())


def test_a_stopped_hook_gets_its_term_at_the_timeout_not_at_the_kill(hr):
	# A stopped process acts on TERM only once continued: CONT goes with
	# it, so the hook's TERM trap runs at the timeout, 30 s before KILL.
	hr.config("""
	    [hookrun]
	    kill_timeout = 30s

	    [pre_start:frozen]
	    exec = sh -c 'trap "echo term > @D@/term; exit 3" TERM; kill -STOP $$$$; sleep 60'
	    timeout = 1s

	    [start]
	    exec = true
	    """, hooks_dir=False)
	run = hr.start("-c", hr.cfg)
	assert wait_for(lambda: hr.exists("term"), 15), run.err()
	r = run.wait()
	assert r.rc == 124, r
	assert "sending KILL" not in r.err, r


def test_a_stopped_app_is_stopped_even_with_stop_timeout_0(hr):
	hr.config("""
	    [hookrun]
	    stop_timeout = 0

	    [start]
	    exec = sh -c 'trap "exit 5" TERM; echo $$$$ > @D@/pid; kill -STOP $$$$; while :; do sleep 0.05; done'
	    """)
	run = hr.start("-c", hr.cfg)
	pid = read_pid(hr, "pid", run)
	assert wait_for(lambda: (proc_state(pid) or "") == "T"), run.err()
	run.signal(signal.SIGTERM)
	assert wait_for(lambda: run.poll() is not None, 15), run.err()
	r = run.wait()
	assert r.rc == 5, r


def proc_state(pid):
	st = proc_stat(pid)
	return st[0] if st else None
