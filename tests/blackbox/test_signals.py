# test_signals.py: what signals hookrun passes to the app (every catchable one but TTIN and
# TTOU, the fault signals too when sent with kill), to its group with signal_group, and
# the signal state and descriptors the app inherits from hookrun's launcher.

import json
import os
import signal
import subprocess

import pytest

from conftest import alive, clean_signals, wait_for
from pid1util import (CATCHABLE, REPORT, TRAPALL, children, hookrun_argv,
    python_app, read_pid, start_cmd)


def start_trapall(hr, exit_on=signal.SIGTERM, start_extra="", **kw):
	"""hookrun running trapall.py as its app; returns (running, app pid)
	once the app's handlers are set."""
	python_app(hr, "trapall.py", TRAPALL)
	hr.config("""
	    [hookrun]
	    stop_timeout = 20s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/trapall.py @D@/got @D@/app.pid %d
	    %s
	    """ % (exit_on, start_extra))
	if kw:
		run = start_cmd(hr, hookrun_argv("-c", hr.cfg), **kw)
	else:
		run = hr.start("-c", hr.cfg)
	return run, read_pid(hr, "app.pid", run)


def got(hr):
	return [int(w) for w in hr.lines("got") or []]


def names(sigs):
	return [signal.Signals(s).name for s in sigs]


def test_every_catchable_signal_but_ttin_ttou_reaches_the_app(hr):
	run, app = start_trapall(hr)
	forwarded = [s for s in CATCHABLE if s not in (signal.SIGTERM,
	    signal.SIGINT, signal.SIGQUIT)]
	# The fault signals and PIPE among them: sent with kill, they are
	# forwarded like any other; TSTP too. One at a time, so that none is
	# merged with a pending one.
	for i, s in enumerate(forwarded):
		run.signal(s)
		assert wait_for(lambda: len(got(hr)) > i or run.poll() is not None), \
		    (signal.Signals(s).name, names(got(hr)), run.err())
		assert run.poll() is None, (signal.Signals(s).name, run.err())
		assert got(hr)[i] == s, (signal.Signals(s).name, names(got(hr)))
	# TTIN and TTOU are not forwarded (hookrun ignores them, so that it can
	# write to a terminal it gave the app); the USR1 sent after them is.
	run.signal(signal.SIGTTIN)
	run.signal(signal.SIGTTOU)
	run.signal(signal.SIGUSR1)
	n = len(forwarded)
	assert wait_for(lambda: len(got(hr)) > n), (names(got(hr)), run.err())
	assert run.poll() is None, run.err()
	assert alive(app)
	# TERM then stops it: the app gets TERM and exits 0.
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 0, r
	assert got(hr) == forwarded + [signal.SIGUSR1, signal.SIGTERM], \
	    (names(got(hr)), r)


@pytest.mark.parametrize("sig", ["INT", "QUIT"])
def test_int_and_quit_stop_the_app_with_the_same_signal(hr, sig):
	s = getattr(signal, "SIG" + sig)
	run, app = start_trapall(hr, exit_on=s)
	run.signal(s)
	r = run.wait()
	assert r.rc == 0, r
	assert got(hr) == [s], r
	assert r.elapsed < 15, r


def test_stop_signal_replaces_the_received_one(hr):
	run, app = start_trapall(hr, exit_on=signal.SIGUSR2,
	    start_extra="stop_signal = USR2")
	run.signal(signal.SIGINT)
	r = run.wait()
	assert r.rc == 0, r
	assert got(hr) == [signal.SIGUSR2], r


def test_kernel_sigpipe_is_neither_fatal_nor_forwarded(hr):
	# hookrun's stderr is a pipe whose reader goes away once the app runs:
	# the next message hookrun writes fails with EPIPE and raises a PIPE of
	# the kernel's own, which must neither kill hookrun nor reach the app.
	rfd, wfd = os.pipe()
	try:
		run, app = start_trapall(hr, stderr=wfd)
	finally:
		os.close(wfd)
	os.close(rfd)
	run.signal(signal.SIGTERM)	# "received TERM: stopping" -> EPIPE
	r = run.wait()
	assert r.rc == 0, r
	assert names(got(hr)) == ["SIGTERM"], r


# --- signal_group -----------------------------------------------------------------------------

# A child of the app, in the app's process group: waits for TERM and records
# who it was then a child of (the app, or hookrun once the app had exited).
#   child.py NAME
GROUP_CHILD = r"""
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
name = sys.argv[1]
with open("@D@/%s.pid" % name, "w") as f:
	f.write("%d\n" % os.getpid())
signal.sigwaitinfo({signal.SIGTERM})
with open("@D@/got", "a") as f:
	f.write("%s ppid=%d\n" % (name, os.getppid()))
"""

# The app: starts two such children, then on TERM records it and waits (up
# to BOUND seconds) for both children to exit before exiting 0 itself.
#   app.py BOUND
GROUP_APP = r"""
import os, signal, subprocess, sys, time
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
bound = float(sys.argv[1])
kids = [subprocess.Popen(["@D@/child.py", n]) for n in ("a", "b")]
while not all(os.path.exists("@D@/%s.pid" % n) for n in ("a", "b")):
	time.sleep(0.01)
with open("@D@/app.pid", "w") as f:
	f.write("%d\n" % os.getpid())
signal.sigwaitinfo({signal.SIGTERM})
with open("@D@/got", "a") as f:
	f.write("app\n")
end = time.monotonic() + bound
try:
	for k in kids:
		k.wait(max(0.01, end - time.monotonic()))
except subprocess.TimeoutExpired:
	pass
sys.exit(0)
"""


def start_group_app(hr, group, bound):
	python_app(hr, "child.py", GROUP_CHILD)
	python_app(hr, "app.py", GROUP_APP)
	hr.config("""
	    [hookrun]
	    stop_timeout = 20s
	    kill_timeout = 20s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/app.py %s
	    signal_group = %s
	    """ % (bound, group))
	run = hr.start("-c", hr.cfg)
	app = read_pid(hr, "app.pid", run)
	return run, app


def test_signal_group_term_reaches_the_apps_whole_group(hr):
	run, app = start_group_app(hr, "yes", 20)
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 0, r
	got = sorted(hr.lines("got"))
	# Both children got TERM from hookrun while the app, their parent, ran.
	assert got == ["a ppid=%d" % app, "app", "b ppid=%d" % app], r
	assert "remaining process" not in r.err, r


def test_without_signal_group_only_the_app_gets_term_and_cleanup_ends_the_rest(hr):
	# The app waits 0.3 s for its children to record a TERM they do not
	# get, and exits; the children, then orphans of hookrun, get their
	# TERM from its end-of-run cleanup.
	run, app = start_group_app(hr, "no", 0.3)
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 0, r
	got = hr.lines("got")
	assert got[0] == "app", r
	assert sorted(got[1:]) == ["a ppid=%d" % r.pid, "b ppid=%d" % r.pid], r
	assert "sending TERM to the 2 remaining processes" in r.err, r
	for n in ("a", "b"):
		assert not alive(int(hr.read(n + ".pid"))), r


def comm(pid):
	try:
		with open("/proc/%d/comm" % pid) as f:
			return f.read().strip()
	except OSError:
		return None


@pytest.mark.parametrize("group", ["yes", "no"])
def test_signal_group_and_a_pipeline(hr, group):
	# sh runs a TERM trap only once its foreground pipeline is over.
	hr.config("""
	    [hookrun]
	    stop_timeout = 500ms
	    kill_timeout = 20s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = sh -c "trap 'exit 0' TERM; sleep 100 | sleep 100"
	    signal_group = %s
	    """ % group)
	run = hr.start("-c", hr.cfg)

	def pipeline():
		s = [c for a in children(run.pid) for c in children(a)
		    if comm(c) == "sleep"]
		return s if len(s) == 2 else None
	sleeps = wait_for(pipeline)
	assert sleeps, run.err()
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert not any(alive(p) for p in sleeps), r
	if group == "yes":
		# The whole pipeline got the TERM: sh's trap ran once it ended,
		# and nothing was left for the cleanup.
		assert r.rc == 0, r
		assert "remaining process" not in r.err, r
	else:
		# Only sh got it, and waited on the pipeline until KILLed after
		# stop_timeout; the sleeps, orphaned, were ended at exit.
		assert r.rc == 137, r
		assert "sending TERM to the 2 remaining processes" in r.err, r


# --- what the app inherits ----------------------------------------------------------------------

def test_app_and_hooks_inherit_launchers_mask_ignored_signals_and_fds(hr):
	python_app(hr, "report.py", REPORT)

	def launcher_state():
		signal.signal(signal.SIGUSR1, signal.SIG_IGN)
		signal.signal(signal.SIGHUP, signal.SIG_IGN)
		signal.pthread_sigmask(signal.SIG_BLOCK,
		    {signal.SIGUSR2, signal.SIGWINCH})

	rfd, wfd = os.pipe()
	try:
		# What the launcher gives a program it starts itself.
		subprocess.run([hr.path("report.py"), hr.path("direct.json")],
		    check=True, preexec_fn=lambda: (clean_signals(),
		    launcher_state()), pass_fds=(rfd,),
		    env=hr.env, timeout=30, stdin=subprocess.DEVNULL)
		hr.config("""
		    [pre_start:report]
		    exec = @D@/report.py @D@/hook.json

		    [start]
		    exec = @D@/report.py @D@/app.json
		    """)
		r = hr.run("-c", hr.cfg, preexec_fn=launcher_state, pass_fds=(rfd,))
	finally:
		os.close(rfd)
		os.close(wfd)
	assert r.rc == 0, r
	direct = json.loads(hr.read("direct.json"))
	blk, ign = int(direct["SigBlk"], 16), int(direct["SigIgn"], 16)
	for s in (signal.SIGUSR2, signal.SIGWINCH):
		assert blk & (1 << (s - 1)), direct
	for s in (signal.SIGUSR1, signal.SIGHUP):
		assert ign & (1 << (s - 1)), direct
	assert direct["fds"] == sorted([0, 1, 2, rfd]), direct
	for who in ("app", "hook"):
		assert json.loads(hr.read(who + ".json")) == direct, \
		    (who, hr.read(who + ".json"), direct)
