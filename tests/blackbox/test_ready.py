# test_ready.py: [start] ready and ready_timeout: each readiness kind gates the
# post_start hooks, not ready in time stops the app and exits 125, a failed
# post_start hook stops the app, post_start runs again after a restart, and
# readiness once reached costs nothing.
#
# In a config value `$$` is a literal `$`: a shell's `$$` is written `$$$$`.

import os
import signal
import socket
import subprocess
import textwrap
import time

import pytest

from conftest import alive, free_port, term_trapping_script, wait_for
from notifyutil import (NotifyListener, launch, read_pid, sdnotify,
    strace_or_skip, wait_err)
from probeutil import can_ipv6

# A post_start hook that records whether @D@/said-ready existed when it ran.
POST_CHECK = """
[post_start:check]
exec = sh -c 'if test -e @D@/said-ready; then echo yes; else echo no; fi > @D@/post'
"""


def config_checked(hr, text):
	"""hr.config(TEXT) with POST_CHECK after it."""
	return hr.config(textwrap.dedent(text).lstrip("\n") + POST_CHECK)


def post_ran(hr, timeout=10.0):
	return wait_for(lambda: hr.read("post"), timeout)


def stop(run, expect=143):
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == expect, r
	return r


def run_until_post_start(hr):
	"""Starts hookrun on hr.cfg (from config_checked), waits for its
	post_start hook, stops it and asserts that the hook ran only once the
	app had said it was ready; returns the result."""
	run = hr.start("-c", hr.cfg)
	assert post_ran(hr), run.err()
	r = stop(run)
	assert hr.read("post") == "yes\n", r
	return r


def test_tcp_probe_waits_for_a_listener_opened_late(hr):
	port = free_port()
	config_checked(hr, """
	    [start]
	    exec = sleep 30
	    ready = tcp:127.0.0.1:%d
	    ready_timeout = 20s
	    """ % port)
	run = hr.start("-c", hr.cfg)
	assert wait_err(run, "app started"), run.err()
	# Several refused probes; no post_start meanwhile.
	assert not post_ran(hr, 0.5), run.err()
	srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	try:
		srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		srv.bind(("127.0.0.1", port))
		hr.write("said-ready", "")
		srv.listen(4)
		assert post_ran(hr), run.err()
		# The probe's connection is not kept: accepted, it is at EOF.
		srv.settimeout(5)
		conn, _ = srv.accept()
		conn.settimeout(5)
		try:
			assert conn.recv(16) == b""
		finally:
			conn.close()
	finally:
		srv.close()
	r = stop(run)
	assert hr.read("post") == "yes\n", r


@pytest.mark.skipif(not can_ipv6(), reason="no IPv6 loopback")
def test_tcp_probe_on_an_ipv6_address_in_brackets(hr):
	srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
	try:
		srv.bind(("::1", 0))
		srv.listen(4)
		hr.write("said-ready", "")
		config_checked(hr, """
		    [start]
		    exec = sleep 30
		    ready = tcp:[::1]:%d
		    ready_timeout = 10s
		    """ % srv.getsockname()[1])
		run = hr.start("-c", hr.cfg)
		assert post_ran(hr), run.err()
		stop(run)
	finally:
		srv.close()


def can_bind_hosts():
	if os.geteuid() != 0 or not can_ipv6():
		return False
	try:
		return subprocess.run(["unshare", "-m", "--propagation",
		    "private", "sh", "-c", "mount --bind /etc/hosts /etc/hosts"],
		    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
		    stderr=subprocess.DEVNULL, timeout=10).returncode == 0
	except (OSError, subprocess.TimeoutExpired):
		return False


@pytest.mark.skipif(not can_bind_hosts(),
    reason="needs root, IPv6 and a private mount namespace")
def test_tcp_probe_tries_every_address_of_the_host(hr):
	# The name has ::1 first and 127.0.0.1 second, as localhost has on a
	# stock Debian; the app listens on IPv4 only. A client (curl, nc,
	# create_connection) connecting to the name gets through on the
	# second address: so must the probe. hookrun runs in a mount
	# namespace of its own, with the test's /etc/hosts bound over the host's.
	hosts = hr.write("hosts", "::1 hookrun-test-host\n"
	    "127.0.0.1 hookrun-test-host\n")
	srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	try:
		srv.bind(("127.0.0.1", 0))
		srv.listen(4)
		hr.write("said-ready", "")
		config_checked(hr, """
		    [start]
		    exec = sleep 30
		    ready = tcp:hookrun-test-host:%d
		    ready_timeout = 2s
		    """ % srv.getsockname()[1])
		pre = ("exec unshare -m --propagation private /bin/sh -c "
		    "'mount --bind \"$1\" /etc/hosts || exit 70; shift; "
		    "exec \"$@\"' sh %s \"$0\" \"$@\"" % hosts)
		run = launch(hr, ["-c", hr.cfg], pre=pre)
		ran = post_ran(hr, 2.5)
		if ran:
			run.signal(signal.SIGTERM)
		r = run.wait()
	finally:
		srv.close()
	assert ran, r
	assert r.rc == 143, r


def test_fd_ready_gates_post_start_on_a_newline(hr):
	hr.script("app.sh", """
	    readlink /proc/self/fd/3 > @D@/fd3
	    sleep 0.4
	    touch @D@/said-ready
	    echo >&3
	    exec sleep 30
	    """)
	config_checked(hr, """
	    [start]
	    exec = @D@/app.sh
	    ready = fd:3
	    ready_timeout = 10s
	    """)
	run_until_post_start(hr)
	assert hr.read("fd3").startswith("pipe:"), hr.read("fd3")


def test_fd_ready_on_a_higher_descriptor(hr):
	hr.script("app.sh", """
	    touch @D@/said-ready
	    echo ready >&7
	    exec sleep 30
	    """)
	config_checked(hr, """
	    [start]
	    exec = @D@/app.sh
	    ready = fd:7
	    ready_timeout = 10s
	    """)
	run_until_post_start(hr)


def test_exec_probe_is_retried_until_it_succeeds(hr):
	hr.script("probe.sh", """
	    echo x >> @D@/probes
	    test -e @D@/said-ready
	    """)
	hr.script("app.sh", """
	    sleep 0.5
	    touch @D@/said-ready
	    exec sleep 30
	    """)
	config_checked(hr, """
	    [start]
	    exec = @D@/app.sh
	    ready = exec:@D@/probe.sh
	    ready_timeout = 10s
	    """)
	r = run_until_post_start(hr)
	assert len(hr.lines("probes")) >= 2, r


def test_exec_probe_runs_in_the_apps_workdir_with_its_command_split(hr):
	os.makedirs(hr.path("wd"))
	hr.config("""
	    [start]
	    exec = sleep 30
	    workdir = @D@/wd
	    ready = exec:sh -c 'pwd > @D@/probe.pwd'
	    ready_timeout = 10s

	    [post_start:done]
	    exec = sh -c 'echo done > @D@/post'
	    """)
	run = hr.start("-c", hr.cfg)
	assert post_ran(hr), run.err()
	r = stop(run)
	assert hr.read("probe.pwd") == hr.path("wd") + "\n", r


def test_delay_ready_waits_the_delay(hr):
	hr.config("""
	    [start]
	    exec = sh -c 'date +%s.%N > @D@/app.t; exec sleep 30'
	    ready = delay:600ms

	    [post_start:t]
	    exec = sh -c 'date +%s.%N > @D@/post'
	    """)
	run = hr.start("-c", hr.cfg)
	assert post_ran(hr), run.err()
	r = stop(run)
	gap = float(hr.read("post")) - float(hr.read("app.t"))
	assert gap >= 0.55, (gap, r)


# Each kind that never becomes ready (ready_timeout = 400ms). The app records
# its stop signal; fd-closed closes the descriptor without a newline.
NOT_READY = {
	"notify": "notify",
	"fd": "fd:3",
	"fd-closed": "fd:3",
	"tcp": None,		# a free port, filled in
	"exec": "exec:false",
	"exec-hangs": "exec:sleep 30",
	"delay": "delay:20s",
}


@pytest.mark.parametrize("kind", sorted(NOT_READY))
def test_not_ready_in_time_stops_the_app_and_exits_125(hr, kind):
	ready = NOT_READY[kind] or "tcp:127.0.0.1:%d" % free_port()
	hr.script("app.sh", """
	    echo $$ > @D@/app.pid
	    %s
	    trap 'touch @D@/app-got-term; exit 0' TERM
	    while :; do sleep 0.05; done
	    """ % ("exec 3>&-" if kind == "fd-closed" else ""))
	hr.config("""
	    [start]
	    exec = @D@/app.sh
	    ready = %s
	    ready_timeout = 400ms

	    [post_start:never]
	    exec = touch @D@/post

	    [pre_stop:drain]
	    exec = touch @D@/pre-stop

	    [post_stop:report]
	    exec = sh -c 'echo "$$HOOKRUN_APP_STATUS" > @D@/post-stop'
	    """ % ready)
	with NotifyListener(hr.path("notify.sock")) as ln:
		r = hr.run("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		wait_for(lambda: "STATUS=post_stop: report (attempt 1)" in
		    ln.lines(), 2)
	assert r.rc == 125, r
	assert r.elapsed < 10, r
	assert "not ready within 400ms" in r.err, r
	# The normal stop sequence: pre_stop, then the stop signal.
	assert hr.exists("pre-stop"), r
	assert hr.exists("app-got-term"), r
	assert hr.read("post-stop") == "0\n", r
	assert not hr.exists("post"), r
	assert not alive(read_pid(hr, "app.pid")), r
	assert "STOPPING=1" in ln.lines(), ln
	assert "READY=1" not in ln.lines(), ln


def test_app_exiting_before_it_is_ready_ends_the_wait(hr):
	hr.config("""
	    [start]
	    exec = sh -c 'sleep 0.2; exit 3'
	    ready = tcp:127.0.0.1:%d
	    ready_timeout = 20s

	    [post_start:never]
	    exec = touch @D@/post
	    """ % free_port())
	r = hr.run("-c", hr.cfg)
	assert r.rc == 3, r
	assert r.elapsed < 10, r
	assert not hr.exists("post"), r


def test_term_while_waiting_for_ready_stops_the_app(hr):
	hr.config("""
	    [start]
	    exec = sleep 30
	    ready = exec:false
	    ready_timeout = 20s

	    [post_start:never]
	    exec = touch @D@/post
	    """)
	run = hr.start("-c", hr.cfg)
	assert wait_err(run, "app started"), run.err()
	r = stop(run, 143)
	assert r.elapsed < 10, r
	assert not hr.exists("post"), r


def test_post_start_failure_stops_the_app_with_the_hooks_status(hr):
	term_trapping_script(hr, "app.sh", "touch @D@/app-got-term; exit 0")
	hr.config("""
	    [start]
	    exec = @D@/app.sh

	    [post_start:warm]
	    exec = sh -c 'exit 7'

	    [post_start:later]
	    exec = touch @D@/later

	    [pre_stop:drain]
	    exec = touch @D@/pre-stop
	    """)
	with NotifyListener(hr.path("notify.sock")) as ln:
		r = hr.run("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		wait_for(lambda: "STOPPING=1" in ln.lines(), 2)
	assert r.rc == 7, r
	assert hr.exists("app-got-term"), r
	assert hr.exists("pre-stop"), r
	assert not hr.exists("later"), r
	assert "post_start: hook warm failed: stopping the app" in r.err, r
	assert "STOPPING=1" in ln.lines(), ln
	assert "READY=1" not in ln.lines(), ln


def test_post_start_timeout_stops_the_app_with_124(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 1s

	    [start]
	    exec = sleep 30

	    [post_start:slow]
	    exec = sleep 30
	    timeout = 200ms
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 124, r
	assert r.elapsed < 10, r


def test_ignored_post_start_failure_leaves_the_app_running_and_ready(hr):
	hr.config("""
	    [start]
	    exec = sleep 30

	    [post_start:warm]
	    exec = sh -c 'exit 7'
	    on_failure = ignore
	    """)
	with NotifyListener(hr.path("notify.sock")) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		stop(run, 143)


@pytest.mark.parametrize("ready", ["none", "fd:3", "notify"])
def test_post_start_runs_again_after_each_restart(hr, ready):
	sdnotify(hr)
	say_ready = {"none": ":", "fd:3": "echo >&3",
	    "notify": "@D@/sdnotify READY=1"}[ready]
	# The first run fails once post_start has seen it; the second stays.
	hr.script("app.sh", """
	    %s
	    if [ -e @D@/failed-once ]; then exec sleep 30; fi
	    touch @D@/failed-once
	    while ! grep -q "^$$ ok" @D@/posts 2>/dev/null; do sleep 0.02; done
	    exit 1
	    """ % say_ready)
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    restart = on-failure
	    restart_delay = 100ms

	    [pre_start:once]
	    exec = sh -c 'echo x >> @D@/pres'

	    [start]
	    exec = @D@/app.sh
	    ready = %s
	    ready_timeout = 10s

	    [post_start:mark]
	    exec = sh -c 'echo "$$HOOKRUN_APP_PID ok" >> @D@/posts'
	    """ % ready)
	with NotifyListener(hr.path("notify.sock")) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert wait_for(lambda: len(hr.lines("posts") or []) >= 2), \
		    run.err()
		assert wait_for(lambda: run.err().count(
		    "post_start:mark: succeeded") >= 2), run.err()
		r = stop(run)
	posts = [l.split()[0] for l in hr.lines("posts")]
	assert len(posts) == 2 and posts[0] != posts[1], posts
	assert hr.lines("pres") == ["x"], r
	# systemd hears READY=1 once: a restart is not a second start-up.
	assert ln.count("READY=1") == 1, ln


def test_ready_tcp_reached_costs_no_system_call(hr):
	strace = strace_or_skip()
	srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	srv.bind(("127.0.0.1", 0))
	srv.listen(4)
	try:
		hr.config("""
		    [start]
		    exec = sleep 30
		    ready = tcp:127.0.0.1:%d

		    [post_start:done]
		    exec = true
		    """ % srv.getsockname()[1])
		with NotifyListener(hr.path("notify.sock")) as ln:
			run = hr.start("-c", hr.cfg,
			    env={"NOTIFY_SOCKET": ln.address})
			assert ln.wait("READY=1"), (ln, run.err())
			# The memory trim, 0.1 s after running, is not idling.
			time.sleep(0.5)
			trace = idle_trace(hr, strace, run.pid, 2.0)
			stop(run)
	finally:
		srv.close()
	busy = [l for l in trace if not l.endswith("<detached ...>")]
	assert len(trace) <= 1 and not busy, "hookrun made system calls " \
	    "while idle:\n%s" % "\n".join(trace)
	assert "STOPPING=1" in ln.lines(), ln


def idle_trace(hr, strace, pid, seconds):
	"""The system calls pid makes in SECONDS, as strace lines (the call it
	is blocked in when strace attaches or detaches ends in <detached ...>)."""
	out, err = hr.path("strace.out"), hr.path("strace.err")
	with open(err, "wb") as e:
		p = subprocess.Popen([strace, "-o", out, "-p", str(pid)],
		    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e)
	try:
		if not wait_for(lambda: "attached" in hr.read("strace.err") or
		    p.poll() is not None, 10):
			pytest.fail("strace did not attach: %s" %
			    hr.read("strace.err"))
		if p.poll() is not None:
			pytest.skip("strace cannot attach: %s" %
			    hr.read("strace.err").strip())
		time.sleep(seconds)
	finally:
		if p.poll() is None:
			p.send_signal(signal.SIGINT)
		p.wait(10)
	with open(out) as f:
		return [l.rstrip("\n") for l in f if l.strip()]
