# test_notify_waits.py: what keeps systemd's start and stop timeouts from cutting hookrun
# short (EXTEND_TIMEOUT_USEC= before every wait that may outlast them: a hook, a lock,
# a retry delay, the ready wait, the app's stop_timeout, the final sweep), and the
# STATUS= that says what failed. tests/systemd shows the same against a real systemd;
# these pin it with a stand-in socket, where no systemd can boot.
#
# An extension is the wait's bound plus 2 s of slack; a wait without bound is extended
# by 6 s, again every 2 s until it ends.

import os
import signal

from conftest import wait_for
from notifyutil import NotifyListener

SLACK_US = 2000000
KEEP = "EXTEND_TIMEOUT_USEC=6000000"
WAITING = "STATUS=start: waiting for the app to be ready"


def listener(hr):
	return NotifyListener(hr.path("notify.sock"))


def extend(seconds):
	return "EXTEND_TIMEOUT_USEC=%d" % (int(seconds * 1000000) + SLACK_US)


def after(lines, line, n=1):
	"""The N lines that came right after LINE's first occurrence."""
	assert line in lines, (line, lines)
	i = lines.index(line)
	return lines[i + 1:i + 1 + n]


def run_to_end(hr, ln, last):
	"""Runs hookrun on hr.cfg to its end; waits until LAST has come."""
	r = hr.run("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
	assert wait_for(lambda: last in ln.lines(), 3), (ln, r)
	return r


def statuses(ln):
	return [l for l in ln.lines() if l.startswith("STATUS=")]


def test_the_ready_wait_is_covered_by_its_ready_timeout(hr):
	hr.config("""
	    [start]
	    exec = sh -c 'sleep 0.3; echo >&3; exec sleep 30'
	    ready = fd:3
	    ready_timeout = 6s
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	lines = ln.lines()
	assert after(lines, WAITING) == [extend(6)], ln
	assert lines.index(extend(6)) < lines.index("READY=1"), ln


def test_a_ready_delay_shorter_than_ready_timeout_is_the_bound(hr):
	hr.config("""
	    [start]
	    exec = sleep 30
	    ready = delay:300ms
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	assert after(ln.lines(), WAITING) == [extend(0.3)], ln


def test_ready_none_waits_for_nothing_and_extends_nothing(hr):
	hr.config("""
	    [start]
	    exec = sleep 30
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	lines = ln.lines()
	start = lines[lines.index(WAITING):lines.index("READY=1")]
	assert not [l for l in start if l.startswith("EXTEND_")], ln


def test_a_wait_without_bound_is_extended_again_until_it_ends(hr):
	# A post_start hook with no timeout: nothing bounds it but the hook
	# itself, so systemd must keep waiting as long as it runs; once the app
	# is ready, the extensions stop (an idle hookrun wakes for nothing).
	hr.config("""
	    [start]
	    exec = sleep 30

	    [post_start:warm]
	    exec = sleep 2.7
	    timeout = 0
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		ready = ln.wait("READY=1", 15)
		assert ready, (ln, run.err())
		n = len(ln.datagrams())
		# Were they still coming, two more would be here by now.
		wait_for(lambda: KEEP in [d.text for d in ln.datagrams()[n:]], 4.5)
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	lines = ln.lines()
	hook = lines.index("STATUS=post_start: warm (attempt 1)")
	during = lines[hook - 1:lines.index("READY=1")]
	assert during.count(KEEP) >= 2, ln
	ds = ln.datagrams()
	i = ds.index(ready)
	assert KEEP not in [l for d in ds[i:] for l in d.lines], ln


def test_the_way_down_is_covered_step_by_step(hr):
	# pre_stop hook: its timeout + kill_timeout; the stop signal: the
	# app's stop_timeout; post_stop hook: as pre_stop; the final sweep:
	# kill_timeout. Each goes out as its wait begins.
	hr.script("app.sh", """
	    trap 'sleep 0.3; exit 0' TERM
	    while :; do sleep 0.05; done
	    """)
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 1s
	    stop_timeout = 3s

	    [start]
	    exec = @D@/app.sh

	    [pre_stop:drain]
	    exec = sleep 0.2
	    timeout = 5s

	    [post_stop:report]
	    exec = true
	    timeout = 4s
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
		assert wait_for(lambda: extend(1) in ln.lines(), 3), ln
	assert r.rc == 0, r
	lines = ln.lines()
	down = lines[lines.index("STOPPING=1"):]
	ext = [l for l in down if l.startswith("EXTEND_")]
	assert ext == [extend(5 + 1), extend(3), extend(4 + 1), extend(1)], ln
	assert after(down, extend(6)) == ["STATUS=pre_stop: drain (attempt 1)"]
	assert after(down, extend(5)) == ["STATUS=post_stop: report (attempt 1)"]
	assert down.index("STATUS=pre_stop: drain (attempt 1)") < \
	    down.index(extend(3)) < \
	    down.index("STATUS=post_stop: report (attempt 1)"), ln


def test_an_unbounded_stop_timeout_is_extended_until_the_app_is_gone(hr):
	hr.script("app.sh", """
	    trap 'sleep 2.5; exit 0' TERM
	    while :; do sleep 0.05; done
	    """)
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    stop_timeout = 0

	    [start]
	    exec = @D@/app.sh
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 0, r
	down = ln.lines()[ln.lines().index("STOPPING=1"):]
	assert down.count(KEEP) >= 2, ln


def test_a_retry_delay_is_covered(hr):
	hr.config("""
	    [pre_start:flaky]
	    exec = sh -c 'test -e @D@/tried || { touch @D@/tried; exit 1; }'
	    retries = 1
	    retry_delay = 700ms
	    timeout = 0

	    [start]
	    exec = true
	    """)
	with listener(hr) as ln:
		r = run_to_end(hr, ln, "STOPPING=1")
	assert r.rc == 0, r
	lines = ln.lines()
	first = lines.index("STATUS=pre_start: flaky (attempt 1)")
	second = lines.index("STATUS=pre_start: flaky (attempt 2)")
	assert extend(0.7) in lines[first:second], ln


def test_a_lock_wait_is_covered_by_its_lock_timeout(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = true
	    lock = @D@/migrate.lock
	    lock_timeout = 7s

	    [start]
	    exec = true
	    """)
	with listener(hr) as ln:
		r = run_to_end(hr, ln, "STOPPING=1")
	assert r.rc == 0, r
	lines = ln.lines()
	assert after(lines, extend(7)) == \
	    ["STATUS=pre_start: migrate: taking the lock (attempt 1)"], ln


def failed_status_case(hr, cfg, rc, want, signal_after_ready=False):
	"""Runs CFG (a post_stop hook is added) with a notify socket; asserts
	exit status RC, that the failure STATUS=WANT came, and that it is the
	last STATUS= systemd got, after the post_stop hook's own."""
	hr.config(cfg + """
	    [post_stop:report]
	    exec = true
	    """)
	with listener(hr) as ln:
		r = run_to_end(hr, ln, "STATUS=" + want)
		wait_for(lambda: statuses(ln)[-1] == "STATUS=" + want, 2)
	assert r.rc == rc, r
	st = statuses(ln)
	assert "STATUS=post_stop: report (attempt 1)" in st, ln
	assert st.index("STATUS=" + want) < \
	    st.index("STATUS=post_stop: report (attempt 1)"), ln
	assert st[-1] == "STATUS=" + want, ln
	return ln


def test_a_failed_pre_start_hook_is_the_last_status(hr):
	failed_status_case(hr, """
	    [pre_start:migrate]
	    exec = sh -c 'exit 3'

	    [start]
	    exec = sleep 30
	    """, 3, "pre_start: migrate failed (status 3): not starting the app")


def test_a_timed_out_pre_start_hook_is_the_last_status(hr):
	failed_status_case(hr, """
	    [pre_start:wait-for-db]
	    exec = sleep 30
	    timeout = 200ms

	    [start]
	    exec = sleep 30
	    """, 124, "pre_start: wait-for-db failed (status 124): not starting "
	    "the app")


def test_a_failed_post_start_hook_is_the_last_status(hr):
	failed_status_case(hr, """
	    [start]
	    exec = sleep 30

	    [post_start:warm]
	    exec = sh -c 'exit 4'
	    """, 4, "post_start: warm failed (status 4): stopping the app")


def test_an_app_not_ready_in_time_is_the_last_status(hr):
	failed_status_case(hr, """
	    [start]
	    exec = sleep 30
	    ready = fd:3
	    ready_timeout = 300ms
	    """, 125, "start: app not ready within 300ms: stopping it")


def test_an_app_that_fails_is_the_last_status(hr):
	failed_status_case(hr, """
	    [start]
	    exec = sh -c 'sleep 0.2; exit 3'
	    """, 3, "start: app exited with status 3")


def test_an_app_killed_by_a_signal_is_the_last_status(hr):
	failed_status_case(hr, """
	    [start]
	    exec = sh -c 'sleep 0.2; kill -KILL $$$$'
	    """, 137, "start: app killed by signal KILL (status 137)")


def test_a_missing_app_is_the_last_status(hr):
	failed_status_case(hr, """
	    [start]
	    exec = @D@/no-such-app
	    """, 127, "start: app not started (status 127)")


def test_the_restart_limit_is_the_last_status(hr):
	failed_status_case(hr, """
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    restart = on-failure
	    restart_delay = 10ms
	    restart_limit = 1/1m

	    [start]
	    exec = sh -c 'exit 5'
	    """, 5, "start: restart limit reached: app exited with status 5")


def test_a_failed_only_phase_is_the_last_status(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = sh -c 'exit 6'
	    """)
	with listener(hr) as ln:
		r = hr.run("-c", hr.cfg, "--only", "pre_start",
		    env={"NOTIFY_SOCKET": ln.address})
		want = "STATUS=pre_start: migrate failed (status 6)"
		assert wait_for(lambda: statuses(ln)[-1:] == [want], 3), ln
	assert r.rc == 6, r


def test_no_failure_status_after_a_stop_or_a_clean_exit(hr):
	hr.config("""
	    [start]
	    exec = sleep 30

	    [post_stop:report]
	    exec = true
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
		wait_for(lambda: "STATUS=post_stop: report (attempt 1)" in
		    ln.lines(), 2)
	assert r.rc == 143, r
	st = statuses(ln)
	assert st[-1] == "STATUS=post_stop: report (attempt 1)", ln
	assert not [s for s in st if "fail" in s or "killed" in s], ln
	os.unlink(hr.path("notify.sock"))
	hr.config("""
	    [start]
	    exec = true
	    """)
	with listener(hr) as ln:
		r = run_to_end(hr, ln, "STOPPING=1")
	assert r.rc == 0, r
	assert statuses(ln)[-1] == "STATUS=stopping", ln
