# test_pid1.py: hookrun as a real init (issue #3): exit statuses passed through, reaping
# as PID 1 of a PID namespace and as a child subreaper, nothing left behind at exit.

import os
import signal

import pytest

from conftest import alive, term_trapping_script, wait_for
from pid1util import (can_unshare, children, gone, hookrun_argv,
    ns_init, nspid, ppid, python_app, read_pid, start_cmd, state,
    unshare_argv, zombies_of)


def test_app_exit_statuses_0_to_255_are_passed_through(hr):
	hr.config("")
	for status in (0, 1, 2, 42, 127, 128, 200, 255):
		r = hr.run("-q", "-c", hr.cfg, "--", "sh", "-c", "exit %d" % status)
		assert r.rc == status, r


def test_success_status_maps_listed_statuses_to_0_and_only_those(hr):
	hr.config("""
	    [start]
	    success_status = 3, 143 200
	    """)
	for status, want in ((3, 0), (200, 0), (4, 4), (143, 0), (0, 0)):
		r = hr.run("-q", "-c", hr.cfg, "--", "sh", "-c", "exit %d" % status)
		assert r.rc == want, (status, r)
	# 143 in success_status covers death by TERM too, as in systemd.
	r = hr.run("-q", "-c", hr.cfg, "--", "sh", "-c", "kill -TERM $$")
	assert r.rc == 0, r


@pytest.mark.parametrize("sig", ["TERM", "HUP", "QUIT", "KILL"])
def test_app_killed_by_signal_exits_128_plus_signal(hr, sig):
	hr.config("")
	# No core file from QUIT in the test's dir.
	r = hr.run("-c", hr.cfg, "--", "sh", "-c", "ulimit -c 0; kill -%s $$" % sig)
	assert r.rc == 128 + getattr(signal, "SIG" + sig), r
	assert "app killed by signal %s (status %d)" % (sig, r.rc) in r.err, r


def test_missing_app_exits_127_and_directory_126_naming_the_path(hr):
	hr.config("")
	missing = hr.path("bin", "no-such-app")
	r = hr.run("-c", hr.cfg, "--", missing, "arg")
	assert r.rc == 127, r
	assert missing in r.err, r
	os.makedirs(hr.path("adir"))
	r = hr.run("-c", hr.cfg, "--", hr.path("adir"))
	assert r.rc == 126, r
	assert hr.path("adir") in r.err, r


# --- reaping ------------------------------------------------------------------------------

# The app double-forks N short-lived orphans: each waits until its parent has
# exited, reports whose child it has become on a pipe, and exits. The app
# then waits until no child of its parent (hookrun) other than itself is
# left, and writes to OUT its own pid, its parent's, the parents the orphans
# reported (counted) and what is left (pid and state, so zombies show).
#   orphans.py N OUT
ORPHANS = r"""
import collections, os, sys, time
n, out = int(sys.argv[1]), sys.argv[2]
parent, me = os.getppid(), os.getpid()
r, w = os.pipe()
for i in range(n):
	pid = os.fork()
	if pid == 0:
		os.close(r)
		mid = os.getpid()
		if os.fork() == 0:
			end = time.monotonic() + 20
			while os.getppid() == mid and time.monotonic() < end:
				time.sleep(0.001)
			os.write(w, b"%d\n" % os.getppid())
			os._exit(0)
		os._exit(0)
	os.waitpid(pid, 0)
os.close(w)
with os.fdopen(r) as f:
	adopters = collections.Counter(int(l) for l in f)

def others():
	left = []
	for t in os.listdir("/proc/%d/task" % parent):
		with open("/proc/%d/task/%s/children" % (parent, t)) as f:
			left += [int(w) for w in f.read().split()]
	out = []
	for c in left:
		if c == me:
			continue
		try:
			with open("/proc/%d/stat" % c) as f:
				st = f.read().rsplit(")", 1)[1].split()[0]
		except OSError:
			continue
		out.append("%d:%s" % (c, st))
	return out

end = time.monotonic() + 20
while others() and time.monotonic() < end:
	time.sleep(0.01)
with open(out, "w") as f:
	f.write("me=%d parent=%d adopters=%s left=%s\n" % (me, parent,
	    ",".join("%d:%d" % kv for kv in sorted(adopters.items())),
	    ",".join(others())))
"""

needs_unshare = pytest.mark.skipif(os.geteuid() != 0 or not can_unshare(),
    reason="needs root and unshare --pid")


def report_of(text):
	"""(app's parent, {adopter pid: orphans}, [left pid:state])"""
	fields = dict(w.split("=", 1) for w in text.split())
	adopters = dict(map(int, w.split(":"))
	    for w in fields["adopters"].split(",") if w)
	return int(fields["parent"]), adopters, \
	    [w for w in fields["left"].split(",") if w]


@needs_unshare
def test_as_pid1_no_zombie_is_left_after_100_orphans(hr):
	app = python_app(hr, "orphans.py", ORPHANS)
	hr.config("")
	run = start_cmd(hr, unshare_argv() + hookrun_argv("-c", hr.cfg, "--",
	    app, 100, hr.path("report")))
	r = run.wait()
	assert r.rc == 0, r
	parent, adopters, left = report_of(hr.read("report"))
	# hookrun was PID 1, every orphan became its child, none is left.
	assert parent == 1, hr.read("report")
	assert adopters == {1: 100}, hr.read("report")
	assert left == [], hr.read("report")


def test_as_subreaper_no_zombie_is_left_after_100_orphans(hr):
	app = python_app(hr, "orphans.py", ORPHANS)
	hr.config("")
	r = hr.run("-c", hr.cfg, "--", app, 100, hr.path("report"))
	assert r.rc == 0, r
	parent, adopters, left = report_of(hr.read("report"))
	assert parent == r.pid, hr.read("report")
	assert adopters == {r.pid: 100}, hr.read("report")
	assert left == [], hr.read("report")


@needs_unshare
@pytest.mark.parametrize("status", [0, 42])
def test_as_pid1_exit_status_passes_through_unshare(hr, status):
	hr.config("")
	r = start_cmd(hr, unshare_argv() + hookrun_argv("-c", hr.cfg, "--",
	    "sh", "-c", "exit %d" % status)).wait()
	assert r.rc == status, r


@needs_unshare
def test_as_pid1_term_stops_the_app(hr):
	# The app traps TERM and exits 7 on it: 7 comes back through hookrun
	# and unshare.
	term_trapping_script(hr, "app.sh", "echo TERM >> @D@/got; exit 7",
	    pidfile="app.pid")
	hr.config("""
	    [hookrun]
	    stop_timeout = 20s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/app.sh
	    """)
	run = start_cmd(hr, unshare_argv() + hookrun_argv("-c", hr.cfg))
	init = ns_init(run.pid)
	read_pid(hr, "app.pid", run)
	assert nspid(init)[-1] == 1, nspid(init)
	os.kill(init, signal.SIGTERM)
	r = run.wait()
	assert r.rc == 7, r
	assert hr.lines("got") == ["TERM"], r
	assert r.elapsed < 15, r


@needs_unshare
def test_as_pid1_term_kills_an_app_without_handler_exit_143(hr):
	hr.config("""
	    [hookrun]
	    stop_timeout = 20s
	    hooks_dir = @D@/hooks.d
	    """)
	run = start_cmd(hr, unshare_argv() + hookrun_argv("-c", hr.cfg, "--",
	    "sleep", "100"))
	init = ns_init(run.pid)
	assert wait_for(lambda: any(state(c) == "S" for c in children(init))), \
	    run.err()
	os.kill(init, signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r
	assert r.elapsed < 15, r


# --- as a subreaper -------------------------------------------------------------------------

def test_as_subreaper_orphans_become_hookruns_children_and_are_reaped(hr):
	# The app leaves 10 sleeps behind as orphans (each forked by a subshell
	# that exits at once) and keeps running.
	hr.script("app.sh", """
	    for i in 1 2 3 4 5 6 7 8 9 10; do
	        (sleep 100 & echo $! >> @D@/orphans)
	    done
	    echo $$ > @D@/app.pid
	    exec sleep 100
	    """)
	hr.config("""
	    [hookrun]
	    stop_timeout = 20s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = @D@/app.sh
	    """)
	run = hr.start("-c", hr.cfg)
	app = read_pid(hr, "app.pid", run)
	orphans = [int(w) for w in hr.lines("orphans")]
	assert len(orphans) == 10, orphans
	assert wait_for(lambda: all(ppid(p) == run.pid for p in orphans)), \
	    [(p, ppid(p)) for p in orphans]
	for p in orphans:
		os.kill(p, signal.SIGKILL)
	# Reaped: not even a zombie is left, while hookrun and the app run on.
	assert wait_for(lambda: all(gone(p) for p in orphans)), \
	    [(p, state(p)) for p in orphans]
	assert run.poll() is None, run.err()
	assert zombies_of(run.pid) == [], zombies_of(run.pid)
	assert children(run.pid) == [app], children(run.pid)
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r


def run_leaving_orphan(hr, kill_timeout, status):
	"""Runs hookrun (kill_timeout = KILL_TIMEOUT) with an app that starts
	@D@/orphan.sh in the background, waits for its @D@/orphan.pid and
	exits STATUS; asserts that hookrun exits STATUS and that the orphan is
	gone with it. Returns the result."""
	hr.config("""
	    [hookrun]
	    kill_timeout = %s
	    hooks_dir = @D@/hooks.d

	    [start]
	    exec = sh -c '@D@/orphan.sh & while [ ! -s @D@/orphan.pid ]; do sleep 0.01; done; exit %d'
	    """ % (kill_timeout, status))
	r = hr.run("-c", hr.cfg)
	assert r.rc == status, r
	orphan = int(hr.read("orphan.pid"))
	assert not alive(orphan), r
	return r


def test_orphan_left_running_gets_term_at_exit_and_is_gone(hr):
	# The orphan traps TERM; the app exits 3 once the trap is set.
	term_trapping_script(hr, "orphan.sh", "echo TERM >> @D@/got; exit 0",
	    pidfile="orphan.pid")
	r = run_leaving_orphan(hr, "20s", 3)
	assert hr.lines("got") == ["TERM"], r
	# TERM was enough: no KILL after kill_timeout.
	assert r.elapsed < 15, r
	assert "sending TERM to the" in r.err, r
	assert "sending KILL" not in r.err, r


def test_orphan_ignoring_term_is_killed_after_kill_timeout(hr):
	hr.script("orphan.sh", """
	    trap '' TERM
	    echo $$ > @D@/orphan.pid
	    exec sleep 100
	    """)
	r = run_leaving_orphan(hr, "500ms", 5)
	assert "processes still running 500ms after TERM: sending KILL" in r.err, r
	assert 0.45 <= r.elapsed < 15, r
