# pid1util.py: helpers of the "real PID 1" tests (issue #3): small apps that record what
# they get, processes other than hookrun started like hookrun, /proc queries.

import os
import signal
import subprocess
import sys

from conftest import HOOKRUN, proc_stat, wait_for

PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) \
    else sys.executable

# Signals 1..31 a process can catch, but CHLD, TTIN and TTOU.
CATCHABLE = [s for s in range(1, 32) if s not in (signal.SIGKILL,
    signal.SIGSTOP, signal.SIGCHLD, signal.SIGTTIN, signal.SIGTTOU)]

# An app that handles every catchable signal 1..31 (CHLD, TTIN and TTOU
# included, so that one forwarded by mistake is seen), appends each one's
# number to RECORD, writes its pid to PIDFILE once all handlers are set, and
# exits with status 0 after recording EXIT_ON.
#   trapall.py RECORD PIDFILE EXIT_ON
TRAPALL = r"""
import os, signal, sys, time
record, pidfile, exit_on = sys.argv[1], sys.argv[2], int(sys.argv[3])

def got(sig, frame):
	with open(record, "a") as f:
		f.write("%d\n" % sig)
	if sig == exit_on:
		sys.exit(0)

for s in range(1, 32):
	if s not in (signal.SIGKILL, signal.SIGSTOP):
		signal.signal(s, got)
with open(pidfile + ".tmp", "w") as f:
	f.write("%d\n" % os.getpid())
os.rename(pidfile + ".tmp", pidfile)
while True:
	time.sleep(60)
"""

# An app that reports, in OUT, its SigBlk and SigIgn and the descriptors it
# has open (numbers only; the one listdir uses is left out).
#   report.py OUT
REPORT = r"""
import json, os, sys
st = {}
with open("/proc/self/status") as f:
	for line in f:
		k, _, v = line.partition(":")
		if k in ("SigBlk", "SigIgn"):
			st[k] = v.strip()
fds = []
for n in os.listdir("/proc/self/fd"):
	try:
		os.fstat(int(n))
	except OSError:
		continue
	fds.append(int(n))
# A hook's own exports channel (a pipe) is not the launcher's.
env_file = os.environ.get("HOOKRUN_ENV_FILE", "")
if env_file.startswith("/dev/fd/"):
	fd = int(env_file[len("/dev/fd/"):])
	if fd in fds and os.readlink("/proc/self/fd/%d" % fd).startswith("pipe:"):
		fds.remove(fd)
st["fds"] = sorted(fds)
with open(sys.argv[1], "w") as f:
	json.dump(st, f)
"""


def python_app(hr, rel, body):
	"""Writes a Python script run by PYTHON; returns its path."""
	return hr.script(rel, body, shebang="#!" + PYTHON)


def start_cmd(hr, argv, env=None, stdin=subprocess.DEVNULL, pass_fds=(),
    preexec_fn=None, stderr=None):
	"""Starts ARGV (unshare, strace, valgrind... around hookrun) as
	Env.start starts hookrun: in a new session, with clean signal state,
	output to files (stderr to the descriptor STDERR if given), cleaned up
	with the test."""
	return hr.spawn(argv, env=env, stdin=stdin, pass_fds=pass_fds,
	    preexec_fn=preexec_fn, stderr=stderr)


def hookrun_argv(*args):
	return [HOOKRUN] + [str(a) for a in args]


def read_pid(hr, rel, run=None, timeout=10.0):
	"""Waits for the file REL to hold a pid (written by an app or a hook)
	and returns it; fails the test naming what hookrun said otherwise."""
	def get():
		t = hr.read(rel)
		if t and t.endswith("\n"):
			return int(t.split()[0])
		if run is not None and run.poll() is not None:
			return -1
		return None
	pid = wait_for(get, timeout)
	assert pid and pid > 0, "no pid in %s (hookrun %s)\n%s" % (rel,
	    "exited %r" % run.poll() if run is not None and
	    run.poll() is not None else "running",
	    run.err()[-3000:] if run is not None else "")
	return pid


def gone(pid):
	"""True once no process PID exists at all, not even as a zombie: it
	has been reaped."""
	return not os.path.exists("/proc/%d" % pid)


def ppid(pid):
	st = proc_stat(pid)
	return None if st is None else int(st[1])


def state(pid):
	st = proc_stat(pid)
	return None if st is None else st[0]


def children(pid):
	"""PID's children, from /proc/PID/task/*/children."""
	out = []
	try:
		tasks = os.listdir("/proc/%d/task" % pid)
	except FileNotFoundError:
		return out
	for t in tasks:
		try:
			with open("/proc/%d/task/%s/children" % (pid, t)) as f:
				out += [int(w) for w in f.read().split()]
		except FileNotFoundError:
			pass
	return out


def zombies_of(pid):
	return [c for c in children(pid) if state(c) == "Z"]


def ns_init(unshare_pid, timeout=10.0):
	"""The pid, seen from here, of the process `unshare --fork` started
	(PID 1 of the new namespace), once it has exec'd hookrun."""
	def get():
		for c in children(unshare_pid):
			try:
				exe = os.readlink("/proc/%d/exe" % c)
			except OSError:
				continue
			if os.path.basename(exe) == os.path.basename(HOOKRUN):
				return c
		return None
	pid = wait_for(get, timeout)
	assert pid, "no hookrun under unshare (pid %d)" % unshare_pid
	return pid


def nspid(pid):
	"""The NSpid line of /proc/PID/status: its pid in each namespace."""
	with open("/proc/%d/status" % pid) as f:
		for line in f:
			if line.startswith("NSpid:"):
				return [int(w) for w in line.split()[1:]]
	return []


def unshare_argv():
	return ["unshare", "--pid", "--fork", "--mount-proc"]


def can_unshare():
	try:
		r = subprocess.run(unshare_argv() + ["true"], timeout=10,
		    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
		    stderr=subprocess.DEVNULL)
	except (OSError, subprocess.TimeoutExpired):
		return False
	return r.returncode == 0
