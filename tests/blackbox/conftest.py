# conftest.py: fixtures that drive the real hookrun binary from a tmp dir per test.
#
# hookrun puts every hook and the app in a process group of its own, so killing
# hookrun's group is not enough to clean up: the test process makes itself a
# child subreaper, so whatever hookrun leaves behind is reparented to it, and
# each test ends by killing and reaping every descendant it has.

import ctypes
import json
import os
import signal
import socket
import subprocess
import textwrap
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HOOKRUN = os.environ.get("HOOKRUN") or os.path.join(ROOT, "hookrun")
SANITIZED = os.environ.get("HOOKRUN_SANITIZED") == "1"
# The same program linked against the shared C library (make blackbox builds
# it): valgrind cannot follow a static glibc's malloc.
HOOKRUN_DYNAMIC = os.environ.get("HOOKRUN_DYNAMIC") or HOOKRUN


def elf_static(path):
	"""True when path is a 64-bit ELF file without a program interpreter."""
	try:
		with open(path, "rb") as f:
			h = f.read(64)
			if len(h) < 64 or h[:4] != b"\x7fELF" or h[4] != 2:
				return False
			phoff = int.from_bytes(h[32:40], "little")
			size = int.from_bytes(h[54:56], "little")
			num = int.from_bytes(h[56:58], "little")
			f.seek(phoff)
			ph = f.read(size * num)
	except OSError:
		return False
	return all(int.from_bytes(ph[i * size:i * size + 4], "little") != 3
	    for i in range(num))

# Every run of hookrun is bounded by this; on overrun its group is killed.
RUN_TIMEOUT = 30.0

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)

# Variables of the launcher's environment that would change what hookrun
# does (systemd integration, a default config) and so never reach it.
SCRUBBED = ("NOTIFY_SOCKET", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID",
    "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID", "HOOKRUN_CONFIG")


def set_subreaper(on=True):
	"""Makes this process a child subreaper (on) or no longer one."""
	if _libc.prctl(PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0) != 0:
		raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


set_subreaper()
# Files and dirs the tests write must not be group/other-writable, whatever
# umask the suite was started with (hookrun refuses those as root).
os.umask(0o022)


def proc_stat(pid):
	"""The fields of /proc/PID/stat after the command name, or None:
	[0] state, [1] ppid, [2] pgrp, [3] session, ..."""
	try:
		with open("/proc/%d/stat" % pid) as f:
			data = f.read()
	except (FileNotFoundError, ProcessLookupError):
		return None
	return parse_stat(data)


def parse_stat(data):
	return data[data.rindex(")") + 2:].split()


def alive(pid):
	"""True while pid exists and is not a zombie."""
	st = proc_stat(pid)
	return st is not None and st[0] not in ("Z", "X")


def wait_for(cond, timeout=10.0, interval=0.02):
	"""Polls cond() until it returns a true value (returned) or timeout
	passes (returns the last, false, value)."""
	if SANITIZED:
		timeout *= 2
	end = time.monotonic() + timeout
	while True:
		v = cond()
		if v or time.monotonic() >= end:
			return v
		time.sleep(interval)


def _descendants(root):
	children = {}
	for name in os.listdir("/proc"):
		if not name.isdigit():
			continue
		st = proc_stat(int(name))
		if st is None:
			continue
		children.setdefault(int(st[1]), []).append(int(name))
	out, todo = [], [root]
	while todo:
		for c in children.get(todo.pop(), []):
			out.append(c)
			todo.append(c)
	return out


def kill_descendants():
	"""SIGKILLs every descendant of this process and reaps what is ours."""
	me = os.getpid()
	for _ in range(5):
		pids = [p for p in _descendants(me) if alive(p)]
		if not pids:
			break
		for p in pids:
			try:
				os.kill(p, signal.SIGKILL)
			except ProcessLookupError:
				pass
		wait_for(lambda: not any(alive(p) for p in pids), 2.0)
	_reap()


def _reap():
	while True:
		try:
			pid, _ = os.waitpid(-1, os.WNOHANG)
		except ChildProcessError:
			return
		if pid == 0:
			return


def signal_mask_of(text):
	"""{'SigBlk': int, 'SigIgn': int, ...} from /proc/PID/status text."""
	out = {}
	for line in text.splitlines():
		k, _, v = line.partition(":")
		if k in ("SigBlk", "SigIgn", "SigCgt", "SigPnd", "ShdPnd"):
			out[k] = int(v.strip(), 16)
	return out


def clean_signals():
	"""In a child about to exec: every disposition default, nothing blocked,
	as a shell's exec gives, whatever the suite was started with (a shell
	ignores INT and QUIT for a background job, and a shell script cannot
	trap a signal ignored on entry)."""
	for s in signal.valid_signals():
		if s in (signal.SIGKILL, signal.SIGSTOP):
			continue
		try:
			signal.signal(s, signal.SIG_DFL)
		except (OSError, ValueError):
			pass
	signal.pthread_sigmask(signal.SIG_SETMASK, [])


def sigbit(sig):
	return 1 << (int(sig) - 1)


class Result:
	def __init__(self, rc, out, err, elapsed, pid):
		self.rc = rc
		self.out = out
		self.err = err
		self.elapsed = elapsed
		self.pid = pid

	@property
	def out_lines(self):
		return self.out.splitlines()

	@property
	def err_lines(self):
		return self.err.splitlines()

	def __repr__(self):
		return ("Result(rc=%r, elapsed=%.2fs)\n--- stdout ---\n%s\n"
		    "--- stderr ---\n%s" % (self.rc, self.elapsed,
		    self.out[-4000:], self.err[-4000:]))


class Running:
	"""A hookrun started in the background (for signal tests)."""

	def __init__(self, env, popen, outp, errp, t0):
		self.env = env
		self.popen = popen
		self.pid = popen.pid
		self.outp = outp
		self.errp = errp
		self.t0 = t0

	def signal(self, sig):
		os.kill(self.pid, sig)

	def poll(self):
		return self.popen.poll()

	def out(self):
		return _read(self.outp)

	def err(self):
		return _read(self.errp)

	def wait(self, timeout=RUN_TIMEOUT):
		try:
			rc = self.popen.wait(timeout)
		except subprocess.TimeoutExpired:
			_killpg(self.pid)
			self.popen.wait()
			kill_descendants()
			pytest.fail("hookrun did not exit within %ss\n--- stdout ---\n"
			    "%s\n--- stderr ---\n%s" % (timeout, self.out()[-4000:],
			    self.err()[-4000:]))
		r = Result(rc, self.out(), self.err(), time.monotonic() - self.t0,
		    self.pid)
		with open(self.outp, "rb") as f:
			r.raw_out = f.read()
		with open(self.errp, "rb") as f:
			r.raw_err = f.read()
		if SANITIZED:
			# A sanitizer report makes hookrun exit 99; show it.
			assert "Sanitizer" not in r.err, r
		return r


def _read(path):
	with open(path, "rb") as f:
		return f.read().decode("utf-8", "replace")


def _killpg(pid):
	try:
		os.killpg(pid, signal.SIGKILL)
	except (ProcessLookupError, PermissionError):
		pass


class Env:
	"""One test's world: a tmp dir, its config, its hook scripts, its runs."""

	def __init__(self, tmp):
		self.dir = str(tmp)
		self.hooks_dir = os.path.join(self.dir, "hooks.d")
		os.makedirs(self.hooks_dir)
		os.chmod(self.dir, 0o755)
		self.cfg = None
		self.running = []
		self.nrun = 0
		self.env = {k: v for k, v in os.environ.items()
		    if k not in SCRUBBED and not k.startswith("HOOKRUN_")}
		self.env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")

	def path(self, *parts):
		return os.path.join(self.dir, *parts)

	def sub(self, text):
		return text.replace("@D@", self.dir)

	def write(self, rel, text, mode=0o644):
		p = self.path(rel)
		os.makedirs(os.path.dirname(p), exist_ok=True)
		with open(p, "w") as f:
			f.write(text)
		os.chmod(p, mode)
		return p

	def script(self, rel, body, mode=0o755, shebang="#!/bin/sh"):
		"""Writes an executable script; @D@ in body is the test's dir."""
		return self.write(rel, shebang + "\n" +
		    self.sub(textwrap.dedent(body).lstrip("\n")), mode)

	def hook(self, phase, name, body, mode=0o755):
		"""A hooks_dir/PHASE/NAME script."""
		return self.script(os.path.join("hooks.d", phase, name), body, mode)

	def config(self, text, name="hookrun.ini", hooks_dir=True):
		"""Writes the config (@D@ is the test's dir). Unless the text has a
		[hookrun] section, one setting hooks_dir to the test's own is
		appended, so line numbers of the text are kept."""
		text = self.sub(textwrap.dedent(text).lstrip("\n"))
		if hooks_dir and "[hookrun]" not in text:
			text += "\n[hookrun]\nhooks_dir = %s\n" % self.hooks_dir
		self.cfg = self.write(name, text)
		return self.cfg

	def read(self, rel):
		"""A file's text, or None when it does not exist."""
		try:
			with open(self.path(rel)) as f:
				return f.read()
		except FileNotFoundError:
			return None

	def exists(self, rel):
		return os.path.exists(self.path(rel))

	def lines(self, rel):
		t = self.read(rel)
		return None if t is None else t.splitlines()

	def start(self, *args, **kw):
		"""Starts hookrun ARGS as spawn() starts a command."""
		return self.spawn([HOOKRUN] + list(args), **kw)

	def spawn(self, argv, env=None, preexec_fn=None, pass_fds=(), cwd=None,
	    stdin=subprocess.DEVNULL, stderr=None, errpath=None, stdout=None):
		"""Starts ARGV (hookrun, or a command around it) in a new session,
		output to files, with clean signal dispositions and mask (then
		preexec_fn, if any); it is cleaned up with the test. ENV's entries
		are set in the test's environment (None: removed). stderr, when
		given, is the descriptor stderr goes to instead; errpath, when
		given, an existing file stderr is appended to (its inode is known
		beforehand); stdout, when given, the descriptor stdout goes to
		instead of a file. Returns a Running."""
		self.nrun += 1
		outp = self.path(".run%d.out" % self.nrun)
		if errpath is None:
			errpath = self.path(".run%d.err" % self.nrun)
			open(errpath, "wb").close()
		e = dict(self.env)
		for k, v in (env or {}).items():
			if v is None:
				e.pop(k, None)
			else:
				e[k] = v
		def preexec():
			# Should the suite itself be killed, hookrun goes with it.
			_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
			clean_signals()
			if preexec_fn:
				preexec_fn()
		with open(outp, "wb") as o, open(errpath, "ab") as er:
			t0 = time.monotonic()
			p = subprocess.Popen([str(a) for a in argv], stdin=stdin,
			    stdout=o if stdout is None else stdout,
			    stderr=er if stderr is None else stderr, env=e,
			    cwd=cwd or self.dir, start_new_session=True,
			    preexec_fn=preexec, pass_fds=pass_fds)
		r = Running(self, p, outp, errpath, t0)
		self.running.append(r)
		return r

	def run(self, *args, timeout=RUN_TIMEOUT, **kw):
		"""Runs hookrun ARGS to its end (bounded by timeout)."""
		return self.start(*args, **kw).wait(timeout)

	def cleanup(self):
		for r in self.running:
			if r.popen.poll() is None:
				_killpg(r.pid)
				try:
					r.popen.wait(5)
				except subprocess.TimeoutExpired:
					pass
		kill_descendants()


@pytest.fixture
def hr(tmp_path):
	if not os.access(HOOKRUN, os.X_OK):
		pytest.fail("no hookrun binary at %s (run make)" % HOOKRUN)
	e = Env(tmp_path)
	try:
		yield e
	finally:
		e.cleanup()


def json_lines(text):
	"""Every line parsed as a JSON object (an AssertionError names the first
	line that is not one)."""
	objs = []
	for line in text.splitlines():
		try:
			o = json.loads(line)
		except ValueError:
			raise AssertionError("not a JSON line: %r\n%s" % (line, text))
		assert isinstance(o, dict), line
		objs.append(o)
	return objs


def free_port():
	"""A TCP port on 127.0.0.1 nothing listens on (as of now)."""
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	try:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]
	finally:
		s.close()


def run_one_hook(hr, name, exec_, opts=()):
	"""Runs hookrun OPTS -c CONFIG, CONFIG having the one hook
	pre_start:NAME (exec = EXEC_) and an app that succeeds; asserts it
	exits 0 and returns its result."""
	hr.config("""
	    [pre_start:%s]
	    exec = %s

	    [start]
	    exec = true
	    """ % (name, exec_))
	r = hr.run(*opts, "-c", hr.cfg)
	assert r.rc == 0, r
	return r


def assert_own_process_group(stat_text, hookrun_pid):
	"""Asserts that the process whose /proc/PID/stat is STAT_TEXT led a
	process group of its own, not hookrun's."""
	pid = int(stat_text.split()[0])
	pgrp = int(parse_stat(stat_text)[2])
	assert pgrp == pid, stat_text
	assert pgrp != hookrun_pid, stat_text


def term_trapping_script(hr, rel, on_term, pidfile=None):
	"""Writes a script that runs the shell commands ON_TERM on TERM and
	until then sleeps in a loop; with PIDFILE it writes its pid to
	@D@/PIDFILE once the trap is set. Returns its path."""
	body = "trap '%s' TERM\n" % on_term
	if pidfile:
		body += "echo $$ > @D@/%s\n" % pidfile
	return hr.script(rel, body + "while :; do sleep 0.05; done\n")


def post_stop_report(hr, app_exec, report):
	"""Runs hookrun with the app APP_EXEC and a post_stop hook that echoes
	REPORT (a config value, for sh) to @D@/seen; returns the result and
	what the hook wrote."""
	hr.config("""
	    [start]
	    exec = %s

	    [post_stop:report]
	    exec = sh -c 'echo "%s" > @D@/seen'
	    """ % (app_exec, report))
	r = hr.run("-c", hr.cfg)
	return r, hr.read("seen")
