# test_attack.py: hookrun as root against hostile user = hooks, apps, peers and local users (uid 4242): what an attack review found, one test per finding.

import fcntl
import json
import os
import pwd
import select
import subprocess
import termios

import pytest

from conftest import HOOKRUN, wait_for
from secutil import needs_root, shared  # noqa: F401

pytestmark = needs_root


def config(hr, s, text, **kw):
	"""hr.config with @S@ as the shared directory."""
	return hr.config(s.sub(text), **kw)


def drain(fd, timeout=0.2):
	"""What can be read from fd now (a terminal's input, its output)."""
	got = b""
	while select.select([fd], [], [], timeout)[0]:
		try:
			d = os.read(fd, 4096)
		except OSError:
			break
		if not d:
			break
		got += d
	return got


# --- the terminal hookrun runs on ---------------------------------------------------------------------------

# Pushes a command into the input of the terminal: through the hook's own
# stdin (hookrun's, the terminal) and through /dev/tty. Whoever reads the
# terminal next, the root shell hookrun was started from or an app such as
# `hookrun -- bash`, would run it as root.
INJECT = r"""
import fcntl, os, sys, termios
out = []
for name in ("stdin", "/dev/tty"):
	try:
		fd = 0 if name == "stdin" else os.open(name, os.O_RDWR)
		for c in b"echo PWNED\n":
			fcntl.ioctl(fd, termios.TIOCSTI, bytes([c]))
		out.append(name + ": injected")
	except OSError as e:
		out.append("%s: %s" % (name, e.strerror))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
"""


@pytest.mark.parametrize("who", ["hook", "app"])
def test_user_process_cannot_push_input_into_the_terminal_of_root(hr, shared,
    who):
	"""hookrun on a terminal (a root shell, `docker run -it`): a user =
	nobody hook, or app not handed the terminal, must not type into it
	(TIOCSTI), or root runs what it typed once it is done."""
	shared.write("inject.py", INJECT, mode=0o644)
	config(hr, shared, """
	    [%s]
	    exec = /usr/bin/python3 @S@/inject.py @S@/result
	    user = nobody
	    """ % ("pre_start:evil" if who == "hook" else "start"),
	    hooks_dir=False)
	master, slave = os.openpty()
	try:
		# The hook gets the terminal as its stdin; the app, not handed
		# the terminal, only has it as hookrun's controlling one.
		tty = 0 if who == "hook" else 1
		run = hr.start("-c", hr.cfg, *(["--only", "pre_start"] if
		    who == "hook" else []), stdin=slave if who == "hook" else
		    subprocess.DEVNULL, stdout=slave, stderr=slave,
		    preexec_fn=lambda: fcntl.ioctl(tty, termios.TIOCSCTTY, 0))
		r = run.wait()
		out = drain(master)
		typed = drain(slave)
	finally:
		os.close(master)
		os.close(slave)
	assert r.rc == 0, (r, out)
	result = shared.read("result")
	assert result is not None, (r, out)
	assert b"PWNED" not in typed, (typed, result, out)
	assert "injected" not in result, result


# --- hookrun --status --------------------------------------------------------------------------------------

FORGED = ("hookrun_status=1\npid=1\npidns=0\nstate=running\nhook=\n"
    "app_pid=1\nready=yes\nhealth=healthy\nrestarts=0\nsince=0\n"
    "exit_status=\n")


def test_status_believes_no_file_another_user_planted(hr, shared):
	"""status_file in a directory others can write (hookrun itself
	refuses to keep it there): what uid 4242 plants under its name, a
	FIFO or a forged "running and healthy", must neither hang root's
	--status nor pass for hookrun's state."""
	config(hr, shared, """
	    [hookrun]
	    status_file = @S@/status

	    [start]
	    exec = true
	    """)
	refused = "hookrun: status_file %s: refused: " % shared.path("status")
	shared.attacker("mkfifo @S@/status")
	r = hr.run("-c", hr.cfg, "--status", timeout=10)
	assert r.rc == 2, r
	assert refused + "%s: writable by group or others" % shared.dir in \
	    r.err, r
	# Nor when told to read it all the same.
	r = hr.run("-c", hr.cfg, "--status", timeout=10,
	    env={"HOOKRUN_STRICT_PERMISSIONS": "no"})
	assert r.rc == 2, r
	assert refused + "%s: not a regular file" % shared.path("status") in \
	    r.err, r

	shared.attacker("rm @S@/status; printf '%s' > @S@/status" % FORGED)
	r = hr.run("-c", hr.cfg, "--status")
	assert r.rc == 2 and "running" not in r.out, r
	assert refused + "%s: writable by group or others" % shared.dir in \
	    r.err, r

	# Its own directory, made first where anyone may make one.
	shared.attacker("mkdir -m 755 @S@/run; printf '%s' > @S@/run/status" %
	    FORGED)
	config(hr, shared, """
	    [hookrun]
	    status_file = @S@/run/status

	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg, "--status", "--json")
	assert r.rc == 2 and '"running":false' in r.out, r
	assert "refused: %s: owned by uid 4242, in a directory others can " \
	    "write" % shared.path("run") in r.err, r


def test_status_json_is_valid_whatever_bytes_a_hook_name_holds(hr):
	"""A hooks_dir file may be named with any bytes: --status --json must
	still print JSON (the bytes that are not UTF-8 as U+FFFD)."""
	name = b"\xff\x01wait"
	d = os.path.join(hr.hooks_dir, "pre_start").encode()
	os.makedirs(d, exist_ok=True)
	with open(os.path.join(d, name), "w") as f:
		f.write("#!/bin/sh\nwhile ! test -e %s; do sleep 0.02; done\n" %
		    hr.path("go"))
	os.chmod(os.path.join(d, name), 0o755)
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    status_file = @D@/run/status

	    [start]
	    exec = true
	    """)
	run = hr.start("-c", hr.cfg)
	got = []

	def running():
		p = subprocess.run([HOOKRUN, "-c", hr.cfg, "--status", "--json"],
		    stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
		got[:] = [p.stdout]
		return b"pre_start:" in p.stdout
	try:
		assert wait_for(running, 15), (got, run.err())
	finally:
		open(hr.path("go"), "w").close()
	assert run.wait().rc == 0
	o = json.loads(got[0])
	assert o["hook"] == "pre_start:\ufffd\x01wait", o


# --- workdir ----------------------------------------------------------------------------------------------

def test_user_hook_enters_its_workdir_as_its_user(hr, shared):
	"""A user = nobody hook whose workdir passes through a directory its
	user owns (its release directory, say): nobody points it at a
	directory under one closed to it (a home directory of mode 0700), and
	must not get in there just because root went in for it."""
	shared.mkdir("closed", 0o700)
	shared.mkdir("closed/docs", 0o755)
	shared.write("closed/docs/notes", "bob's notes\n", mode=0o644)
	nobody = pwd.getpwnam("nobody").pw_uid
	shared.mkdir("app", 0o755, uid=nobody)
	subprocess.run(["setpriv", "--reuid=%d" % nobody, "--regid=%d" % nobody,
	    "--clear-groups", "ln", "-s", shared.path("closed/docs"),
	    shared.path("app/current")], check=True)
	config(hr, shared, """
	    [pre_start:peek]
	    exec = sh -c 'cat notes > @S@/stolen'
	    user = nobody
	    workdir = @S@/app/current
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert shared.read("stolen") in (None, ""), (shared.read("stolen"), r)
	assert r.rc == 126, r
	assert "chdir %s: Permission denied" % shared.path("app/current") in \
	    r.err, r


# --- descriptors the launcher passed -------------------------------------------------------------------------

# Writes through every descriptor it has past 2 (none reopened: the
# permissions were checked when they were opened, by root), and lists them.
SCRIBBLE = r"""
import os, sys
fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
for fd in fds:
	if fd > 2:
		try:
			os.write(fd, b"PWNED\n")
		except OSError:
			pass
open(sys.argv[1], "w").write("\n".join(map(str, fds)) + "\n")
"""


def test_launcher_descriptors_reach_no_user_hook(hr, shared):
	"""What the launcher hands hookrun (a socket-activated port 443, a log
	that only root may write) is for root's hooks and the app: a user =
	nobody hook must not get it and write through it, as systemd gives
	ExecStartPre= none of a service's sockets."""
	log = shared.write("root.log", "root's log\n", mode=0o600)
	shared.write("scribble.py", SCRIBBLE, mode=0o644)
	config(hr, shared, """
	    [pre_start:evil]
	    exec = /usr/bin/python3 @S@/scribble.py @S@/evil.fds
	    user = nobody

	    [pre_start:root]
	    exec = sh -c 'ls /proc/self/fd > @S@/root.fds'

	    [start]
	    exec = sh -c 'ls /proc/self/fd > @S@/app.fds'
	    """, hooks_dir=False)
	fd = os.open(log, os.O_WRONLY | os.O_APPEND)
	try:
		r = hr.run("-c", hr.cfg, pass_fds=(fd,))
	finally:
		os.close(fd)
	assert r.rc == 0, r
	with open(log) as f:
		assert f.read() == "root's log\n", r
	assert str(fd) not in shared.read("evil.fds").split(), \
	    shared.read("evil.fds")
	# Root's hooks and the app get it, as before.
	assert str(fd) in shared.read("root.fds").split(), shared.read("root.fds")
	assert str(fd) in shared.read("app.fds").split(), shared.read("app.fds")
