# test_health.py: [start] health: failures in a row make the app unhealthy; on_unhealthy
# restarts it (stop sequence, post_start again, restart limit), stops hookrun (125), or
# only says so; health_start_period; systemd's watchdog pings stop while unhealthy.
#
# In a config value `$$` is a literal `$`: a shell's `$$` is written `$$$$`.

import os
import signal
import time

from conftest import alive, free_port, wait_for
from notifyutil import NotifyListener, read_pid, wait_err
from probeutil import HttpServer

# An app that records each start, then sleeps (TERM kills it: 143).
APP = "sh -c 'echo $$$$ >> @D@/starts; exec sleep 30'"


def test_three_failed_checks_restart_the_app_within_the_restart_limit(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    restart_delay = 100ms
	    restart_limit = 1/60s

	    [start]
	    exec = %s
	    health = tcp:127.0.0.1:%d
	    health_interval = 200ms
	    health_timeout = 1s

	    [post_start:mark]
	    exec = sh -c 'echo post >> @D@/post'

	    [pre_stop:drain]
	    exec = sh -c 'echo drain >> @D@/drain'
	    """ % (APP, free_port()))
	r = hr.run("-c", hr.cfg)
	# restart = no (the default) does not keep an unhealthy app from being
	# restarted once; the limit (1 in 60 s) stops the second restart.
	assert r.rc == 143, r
	assert len(hr.lines("starts")) == 2, r
	assert hr.lines("post") == ["post", "post"], r
	assert hr.lines("drain") == ["drain", "drain"], r
	assert r.err.count("start:health: the app is unhealthy: 3 checks failed "
	    "in a row") == 2, r
	for n in (1, 2, 3):
		assert "start:health: check failed (%d in a row): connect " \
		    "127.0.0.1:" % n in r.err, r
	assert "on_unhealthy = restart: stopping the app" in r.err, r
	assert "restarting in 100ms (restart 1)" in r.err, r
	assert "restart limit reached (1 in 1m): giving up" in r.err, r


def test_on_unhealthy_stop_exits_125_through_the_stop_sequence(hr):
	hr.config("""
	    [start]
	    exec = %s
	    health = http://127.0.0.1:%d/health
	    health_interval = 150ms
	    health_retries = 2
	    on_unhealthy = stop

	    [pre_stop:drain]
	    exec = sh -c 'echo drain >> @D@/drain'

	    [post_stop:report]
	    exec = sh -c 'echo "$$HOOKRUN_APP_STATUS" > @D@/report'
	    """ % (APP, free_port()))
	r = hr.run("-c", hr.cfg)
	assert r.rc == 125, r
	assert len(hr.lines("starts")) == 1, r
	assert hr.lines("drain") == ["drain"], r
	assert hr.read("report") == "143\n", r
	assert "on_unhealthy = stop: stopping" in r.err, r


def test_a_hung_exec_check_is_killed_at_health_timeout(hr):
	hr.config("""
	    [start]
	    exec = %s
	    health = exec:sh -c 'echo $$$$ >> @D@/checks; exec sleep 30'
	    health_interval = 300ms
	    health_timeout = 200ms
	    health_retries = 1
	    on_unhealthy = stop
	    """ % APP)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 125, r
	assert "check failed (1 in a row): exec:sh -c" in r.err, r
	assert "not done within 200ms: killed" in r.err, r
	pid = int(hr.lines("checks")[0])
	assert wait_for(lambda: not alive(pid), 5), "the check outlived hookrun"


def test_failures_within_the_start_period_do_not_count(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = @D@/run/status

	    [start]
	    exec = %s
	    health = exec:test -e @D@/up
	    health_interval = 100ms
	    health_retries = 1
	    health_start_period = 30s
	    on_unhealthy = stop
	    """ % APP)
	run = hr.start("-c", hr.cfg)
	read_pid(hr, "starts")
	# Many failing checks, none counted: no warning, still running.
	time.sleep(1)
	assert run.poll() is None, run.err()
	assert "check failed" not in run.err(), run.err()
	assert "health=starting\n" in hr.read("run/status")
	# A first success ends the start period: the next failure counts.
	hr.write("up", "")
	assert wait_for(lambda: "health=healthy\n" in hr.read("run/status"))
	os.unlink(hr.path("up"))
	r = run.wait()
	assert r.rc == 125, r
	assert r.err.count("check failed") == 1, r


def pings(ln):
	return [d for d in ln.datagrams() if "WATCHDOG=1" in d.lines]


def test_unhealthy_stops_watchdog_pings_and_healthy_again_resumes_them(hr):
	with HttpServer([200]) as web, \
	    NotifyListener(hr.path("notify.sock")) as ln:
		hr.config("""
		    [start]
		    exec = %s
		    health = http://127.0.0.1:%d/
		    health_interval = 100ms
		    health_retries = 2
		    on_unhealthy = ignore
		    """ % (APP, web.port))
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address,
		    "WATCHDOG_USEC": "200000"})
		assert ln.wait("READY=1"), (ln, run.err())
		assert wait_for(lambda: web.count() >= 2), run.err()
		assert wait_for(lambda: len(pings(ln)) >= 3, 5), ln
		web.set(500)
		assert wait_err(run, "the app is unhealthy"), run.err()
		time.sleep(0.15)	# a ping already on its way
		n = len(pings(ln))
		time.sleep(0.8)		# 8 ping intervals
		assert len(pings(ln)) == n, ln
		assert "on_unhealthy = ignore: carrying on" in run.err()
		web.set(200)
		assert wait_err(run, "the app is healthy again"), run.err()
		assert wait_for(lambda: len(pings(ln)) >= n + 3, 5), ln
		assert run.poll() is None
		assert len(hr.lines("starts")) == 1
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	assert "check failed (1 in a row): http://127.0.0.1:%d/: HTTP status " \
	    "500" % web.port in r.err, r
