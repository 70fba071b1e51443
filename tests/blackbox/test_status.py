# test_status.py: status_file and hookrun --status: the state through the whole lifecycle
# and --status's exit codes, JSON, a hookrun that is gone, and the file's safety: a
# directory someone else owns or can write is refused, the file is readable by all
# and replaced whole.
#
# In a config value `$$` is a literal `$`: a shell's `$$` is written `$$$$`.

import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile

import pytest

from conftest import HOOKRUN, wait_for
from notifyutil import read_pid, wait_err

GATE = "sh -c 'while ! test -e @D@/%s; do sleep 0.02; done'"


def status(hr, *extra, cfg=None):
	"""hookrun -c CFG --status EXTRA: (exit status, stdout, stderr)."""
	p = subprocess.run([HOOKRUN, "-c", cfg or hr.cfg, "--status"] +
	    list(extra), stdin=subprocess.DEVNULL, capture_output=True,
	    text=True, timeout=10)
	return p.returncode, p.stdout, p.stderr


def status_json(hr):
	rc, out, err = status(hr, "--json")
	return rc, json.loads(out) if out else None


def wait_state(hr, state, hook=None):
	"""Waits until --status --json says STATE (and HOOK); returns (rc, obj)."""
	got = []

	def check():
		rc, o = status_json(hr)
		got[:] = [rc, o]
		return o and o["state"] == state and (hook is None or
		    o["hook"] == hook)
	assert wait_for(check, 15), got
	return got[0], got[1]


def test_status_through_the_whole_lifecycle(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = @D@/hookrun/status

	    [pre_start:gate]
	    exec = %s

	    [start]
	    exec = sh -c 'echo $$$$ > @D@/app.pid; exec sleep 30'
	    health = exec:test ! -e @D@/sick
	    health_interval = 100ms
	    health_retries = 1
	    on_unhealthy = ignore

	    [post_start:gate]
	    exec = %s

	    [pre_stop:gate]
	    exec = %s
	    """ % (GATE % "go-pre", GATE % "go-post", GATE % "go-stop"))
	# Nothing yet: down.
	rc, out, err = status(hr)
	assert rc == 2, (out, err)
	assert "hookrun is not running" in err, err

	run = hr.start("-c", hr.cfg)
	rc, o = wait_state(hr, "pre_start", "pre_start:gate")
	assert rc == 1 and o["pid"] == run.pid and o["app_pid"] is None, o
	assert o["ready"] is False and o["running"] is True, o
	rc, out, _ = status(hr)
	assert rc == 1 and out.startswith("pre_start: hook pre_start:gate, "
	    "not ready, 0 restarts, since "), out

	hr.write("go-pre", "")
	rc, o = wait_state(hr, "post_start", "post_start:gate")
	app = read_pid(hr, "app.pid")
	assert rc == 1 and o["app_pid"] == app and o["ready"] is True, o

	hr.write("go-post", "")
	rc, o = wait_state(hr, "running")
	assert o["hook"] is None and o["app_pid"] == app, o
	assert wait_for(lambda: status_json(hr)[1]["health"] == "healthy")
	rc, out, _ = status(hr)
	assert rc == 0, out
	assert out.startswith("running, app pid %d, ready, healthy, 0 restarts, "
	    "since " % app), out

	hr.write("sick", "")
	assert wait_for(lambda: status_json(hr)[1]["health"] == "unhealthy")
	assert status(hr)[0] == 2
	os.unlink(hr.path("sick"))
	assert wait_for(lambda: status(hr)[0] == 0)

	run.signal(signal.SIGTERM)
	rc, o = wait_state(hr, "stopping", "pre_stop:gate")
	assert rc == 1, o
	hr.write("go-stop", "")
	r = run.wait()
	assert r.rc == 143, r
	rc, o = status_json(hr)
	assert rc == 2 and o["state"] == "exited" and o["exit_status"] == 143, o
	assert o["running"] is False and o["app_pid"] is None, o
	rc, out, _ = status(hr)
	assert out.startswith("exited, 0 restarts, exit status 143, since "), out

	# Readable by all, written by hookrun alone, in a directory it made.
	st = os.stat(hr.path("hookrun/status"))
	assert stat.S_IMODE(st.st_mode) == 0o644 and st.st_uid == os.geteuid()
	st = os.stat(hr.path("hookrun"))
	assert stat.S_IMODE(st.st_mode) == 0o755, oct(st.st_mode)
	assert os.listdir(hr.path("hookrun")) == ["status"]


def test_status_while_restarting_and_after_a_failed_pre_start(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = @D@/status
	    restart = always
	    restart_delay = 30s

	    [start]
	    exec = sh -c 'echo $$$$ >> @D@/starts; exit 3'
	    """)
	run = hr.start("-c", hr.cfg)
	rc, o = wait_state(hr, "restarting")
	assert rc == 1 and o["restarts"] == 1 and o["app_pid"] is None, o
	run.signal(signal.SIGTERM)
	assert run.wait().rc == 3
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = @D@/status

	    [pre_start:fail]
	    exec = false

	    [start]
	    exec = true
	    """)
	assert hr.run("-c", hr.cfg).rc == 1
	rc, o = status_json(hr)
	assert rc == 2 and o["state"] == "exited" and o["exit_status"] == 1, o


def test_a_hookrun_that_was_killed_is_down(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = @D@/status

	    [start]
	    exec = sleep 30
	    """)
	run = hr.start("-c", hr.cfg)
	wait_state(hr, "running")
	assert status(hr)[0] == 0
	run.signal(signal.SIGKILL)
	run.wait()
	rc, out, _ = status(hr)
	assert rc == 2, out
	assert out.startswith("gone: hookrun (pid %d) is not running; it was "
	    "running since " % run.pid), out
	rc, o = status_json(hr)
	assert o["state"] == "gone" and o["running"] is False, o


def test_only_and_dry_run_leave_the_status_alone(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = @D@/status

	    [pre_start:x]
	    exec = true

	    [start]
	    exec = true
	    """)
	assert hr.run("--only", "pre_start", "-c", hr.cfg).rc == 0
	assert hr.run("-n", "-c", hr.cfg).rc == 0
	assert not hr.exists("status")


def test_status_usage_errors(hr):
	hr.config("""
	    [start]
	    exec = true
	    """)
	for args in (["--json"], ["--status", "--", "app"],
	    ["--status", "--only", "pre_start"], ["--status", "-n"]):
		r = hr.run("-c", hr.cfg, *args)
		assert r.rc == 64, (args, r)
	hr.config("""
	    [hookrun]
	    status_file =
	    """)
	r = hr.run("-c", hr.cfg, "--status")
	assert r.rc == 2, r
	assert "status_file is off" in r.err, r


@pytest.fixture
def world(hr):
	"""A directory every user can reach (the test's own is under a 0700
	one), for what uid 4242 must see; the config goes there too."""
	d = tempfile.mkdtemp(prefix="hookrun-status-")
	os.chmod(d, 0o755)
	try:
		yield d
	finally:
		shutil.rmtree(d, ignore_errors=True)


def as_4242(*argv):
	return ["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups"] + \
	    list(argv)


def untrusted_case(hr, path, expect):
	"""hookrun with status_file = PATH runs its app all the same, says
	EXPECT once, and writes no status."""
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = %s

	    [start]
	    exec = true
	    """ % path)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert r.err.count("status_file %s: %s: hookrun --status will not know "
	    "this hookrun" % (path, expect)) == 1, r
	return r


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_a_status_directory_someone_else_owns_or_can_write_is_refused(hr):
	os.mkdir(hr.path("theirs"))
	os.chown(hr.path("theirs"), 4242, 4242)
	untrusted_case(hr, hr.path("theirs/status"), "theirs is owned by uid "
	    "4242")
	assert os.listdir(hr.path("theirs")) == []

	os.mkdir(hr.path("open"))
	os.chmod(hr.path("open"), 0o777)
	untrusted_case(hr, hr.path("open/status"), "open is writable by group "
	    "or others")
	assert os.listdir(hr.path("open")) == []

	# A symbolic link on the way is not followed, even to a good place.
	os.mkdir(hr.path("good"))
	os.symlink(hr.path("good"), hr.path("link"))
	untrusted_case(hr, hr.path("link/status"), "link: Not a directory")
	assert os.listdir(hr.path("good")) == []



@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_through_a_sticky_directory_only_hookruns_own_directory(hr, world):
	# As /tmp: hookrun's own directory in it is fine; one an attacker
	# made first is not.
	tmp = os.path.join(world, "tmp")
	os.mkdir(tmp)
	os.chmod(tmp, 0o1777)
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = %s/mine/status

	    [start]
	    exec = true
	    """ % tmp)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0 and "status_file" not in r.err, r
	with open(os.path.join(tmp, "mine/status")) as f:
		assert "state=exited\n" in f.read()
	subprocess.run(as_4242("mkdir", os.path.join(tmp, "trap")), check=True)
	untrusted_case(hr, os.path.join(tmp, "trap/status"), "trap is owned by "
	    "uid 4242")
	assert os.listdir(os.path.join(tmp, "trap")) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to uid 4242")
def test_an_unprivileged_hookrun_keeps_its_status_where_it_may(hr, world):
	mine = os.path.join(world, "mine")
	os.mkdir(mine)
	os.chown(mine, 4242, 4242)
	cfg = os.path.join(world, "hookrun.ini")
	with open(cfg, "w") as f:
		f.write("[hookrun]\nhooks_dir =\nstatus_file = %s/status\n\n"
		    "[start]\nexec = true\n" % mine)
	r = hr.spawn(as_4242(HOOKRUN, "-c", cfg), cwd=world).wait()
	assert r.rc == 0, r
	st = os.stat(os.path.join(mine, "status"))
	assert st.st_uid == 4242 and stat.S_IMODE(st.st_mode) == 0o644
	assert "status_file" not in r.err, r
	# Its status is readable by anyone: root, here.
	rc, out, _ = status(hr, cfg=cfg)
	assert rc == 2 and out.startswith("exited, 0 restarts, exit status 0"), out
	# The default, /run/hookrun, is root's: said only with -v, no warning.
	with open(cfg, "w") as f:
		f.write("[hookrun]\nhooks_dir =\n\n[start]\nexec = true\n")
	r = hr.spawn(as_4242(HOOKRUN, "-c", cfg), cwd=world).wait()
	assert r.rc == 0, r
	assert "status_file" not in r.err, r
	r = hr.spawn(as_4242(HOOKRUN, "-v", "-c", cfg), cwd=world).wait()
	assert r.rc == 0, r
	assert "status_file /run/hookrun/status: " in r.err, r


def test_hooks_and_app_get_the_launchers_umask_the_status_file_0644(hr):
	# hookrun makes its own files with umask 022 (no chmod after each),
	# but every process it starts gets the umask it was started with.
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = @D@/run/status

	    [pre_start:hook]
	    exec = sh -c 'umask > @D@/hook.umask'

	    [start]
	    exec = sh -c 'umask > @D@/app.umask'
	    """)
	r = hr.run("-c", hr.cfg, preexec_fn=lambda: os.umask(0o077))
	assert r.rc == 0, r
	assert hr.read("hook.umask").strip() == "0077", r
	assert hr.read("app.umask").strip() == "0077", r
	assert stat.S_IMODE(os.stat(hr.path("run/status")).st_mode) == 0o644
	r = hr.run("-c", hr.cfg, preexec_fn=lambda: os.umask(0o002))
	assert r.rc == 0, r
	assert hr.read("app.umask").strip() == "0002", r
	# The second run's file took the first one's place (an exchange, then
	# the old one removed): nothing else is left in the directory.
	assert os.listdir(hr.path("run")) == ["status"]
	assert "state=exited" in hr.read("run/status")
