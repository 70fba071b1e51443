# conftest.py: the systemd suite's machine: a real systemd booted as PID 1 in
# systemd-nspawn (the host's /usr, a volatile root, no network but loopback), driven from
# here through nsenter; hookrun run in it through the shipped conf/hookrun.service, one copy
# of it per case with a drop-in of the case's own.
#
# Run through tests/systemd/run, never directly: it makes the sandbox (a private mount
# namespace under hookrun as subreaper) that keeps the host clean.
#
# Inside the machine, /t is the sandbox's share/ directory: /t/hookrun (this tree's),
# /t/bin (hook and app scripts), /t/cases/NAME (a case's config and what it records).
# /run/systemd/system is the sandbox's units/ directory.

import json
import os
import shutil
import subprocess
import textwrap
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SANDBOX = os.environ.get("SANDBOX_DIR")
HOOKRUN = os.environ.get("HOOKRUN") or os.path.join(ROOT, "hookrun")
SERVICE = os.path.join(ROOT, "conf", "hookrun.service")

# Units the boot does not need, or that wait for what a container lacks.
MASKED = ("systemd-networkd-wait-online.service", "nftables.service",
    "systemd-firstboot.service")


def wait_for(cond, timeout=10.0, interval=0.05):
	"""Polls cond() until it returns a true value (returned) or timeout
	passes (returns the last, false, value)."""
	end = time.monotonic() + timeout
	while True:
		v = cond()
		if v or time.monotonic() >= end:
			return v
		time.sleep(interval)


def _children(pid):
	try:
		with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
			return [int(x) for x in f.read().split()]
	except OSError:
		return []


def _nspid(pid):
	try:
		with open("/proc/%d/status" % pid) as f:
			for line in f:
				if line.startswith("NSpid:"):
					return line.split()[1:]
	except OSError:
		pass
	return []


class Machine:
	"""systemd in systemd-nspawn: boot(), inside(), poweroff()."""

	def __init__(self):
		self.name = "hookrun-%d" % os.getpid()
		self.share = os.path.join(SANDBOX, "share")
		self.units = os.path.join(SANDBOX, "units")
		self.log = os.path.join(SANDBOX, "boot.log")
		self.proc = None
		self.leader = None
		self.boot_time = None

	def boot(self):
		os.makedirs(os.path.join(self.share, "cases"))
		os.makedirs(self.units)
		shutil.copy(HOOKRUN, os.path.join(self.share, "hookrun"))
		shutil.copytree(os.path.join(HERE, "bin"),
		    os.path.join(self.share, "bin"))
		argv = ["systemd-nspawn", "--quiet", "-D", "/", "--volatile=yes",
		    "--register=no", "--keep-unit", "--private-network",
		    "--machine", self.name,
		    "--bind=%s:/t" % self.share,
		    "--bind=%s:/run/systemd/system" % self.units,
		    "--boot", "systemd.unit=basic.target"] + \
		    ["systemd.mask=" + u for u in MASKED]
		t0 = time.monotonic()
		with open(self.log, "wb") as log:
			self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
			    stdout=log, stderr=subprocess.STDOUT)
		self.leader = wait_for(self._find_leader, 30)
		if not self.leader:
			return "systemd-nspawn started no container: " + self.log_tail()
		# systemctl fails until the manager's socket is up: retry.
		def up():
			p = self.inside("systemctl", "is-system-running", check=False)
			return p.stdout.strip() in ("running", "degraded")
		if not wait_for(up, 60, 0.1):
			return "systemd did not come up: " + self.log_tail()
		self.boot_time = time.monotonic() - t0
		return None

	def _find_leader(self):
		"""The container's PID 1: nspawn's descendant that is PID 1 in its
		own namespace."""
		if self.proc.poll() is not None:
			return None
		todo = [self.proc.pid]
		while todo:
			for c in _children(todo.pop()):
				ns = _nspid(c)
				if len(ns) > 1 and ns[-1] == "1":
					return c
				todo.append(c)
		return None

	def log_tail(self):
		try:
			with open(self.log, "rb") as f:
				return f.read()[-3000:].decode("utf-8", "replace")
		except OSError:
			return ""

	def inside(self, *argv, check=True, timeout=60):
		"""Runs ARGV in the machine (all its namespaces)."""
		full = ["nsenter", "-t", str(self.leader), "-a"] + [str(a) for a
		    in argv]
		try:
			p = subprocess.run(full, capture_output=True, text=True,
			    timeout=timeout, stdin=subprocess.DEVNULL)
		except subprocess.TimeoutExpired as e:
			pytest.fail("%s: no answer within %ss\n%s" % (" ".join(argv),
			    timeout, e.stderr))
		if check and p.returncode != 0:
			pytest.fail("%s: exit %d\n%s%s" % (" ".join(argv),
			    p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
		return p

	def systemctl(self, *args, **kw):
		return self.inside("systemctl", "--no-pager", *args, **kw)

	def poweroff(self):
		if self.proc is None:
			return
		if self.proc.poll() is None:
			# nspawn turns TERM into a clean shutdown of the machine.
			self.proc.terminate()
			try:
				self.proc.wait(30)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait()
		# nspawn will not remove it where /run is no tmpfs (here: an
		# overlay of the sandbox), so it is ours to remove.
		shutil.rmtree("/run/systemd/nspawn/propagate/" + self.name,
		    ignore_errors=True)


_machine = None


@pytest.fixture(scope="session")
def machine():
	global _machine
	if SANDBOX is None:
		pytest.exit("run the systemd suite through tests/systemd/run",
		    returncode=2)
	m = Machine()
	_machine = m
	why = m.boot()
	if why is not None:
		m.poweroff()
		pytest.exit("systemd suite: skipped: " + why, returncode=77)
	try:
		yield m
	finally:
		m.poweroff()


def pytest_terminal_summary(terminalreporter):
	if _machine is not None and _machine.boot_time is not None:
		terminalreporter.write_line("systemd booted in nspawn in %.1fs" %
		    _machine.boot_time)


class Case:
	"""One unit: a byte-for-byte copy of conf/hookrun.service, named
	hookrun-NAME.service, with a drop-in that points ExecStart at the
	case's config, turns Restart= off (a failing case must fail once),
	records the unit's result in ExecStopPost= (an inactive unit is
	garbage-collected: its state is gone by the time it is read), and adds
	the case's own settings.

	In INI and DROPIN, @C@ is the case's directory inside the machine.
	UNITS: more units (a .socket), by name; @U@ in a name is the case's
	unit's name without .service."""

	def __init__(self, machine, name, ini, dropin="", units=None):
		self.m = machine
		self.name = name
		self.unit = "hookrun-%s.service" % name
		self.dir = os.path.join(machine.share, "cases", name)
		self.cdir = "/t/cases/" + name
		os.makedirs(self.dir)
		self.write("hookrun.ini", ini)
		shutil.copy(SERVICE, os.path.join(machine.units, self.unit))
		d = os.path.join(machine.units, self.unit + ".d")
		os.makedirs(d)
		base = """
		    [Service]
		    Environment=CASE=@C@ UNIT=%s
		    ExecStart=
		    ExecStart=/t/hookrun -c @C@/hookrun.ini
		    Restart=no
		    ExecStopPost=/bin/sh -c 'echo "$$SERVICE_RESULT $$EXIT_CODE $$EXIT_STATUS" >@C@/exit'
		    """ % self.unit
		with open(os.path.join(d, "case.conf"), "w") as f:
			f.write(self.sub(base) + self.sub(dropin))
		for uname, text in (units or {}).items():
			uname = uname.replace("@U@", "hookrun-" + name)
			with open(os.path.join(machine.units, uname), "w") as f:
				f.write(self.sub(text))
		machine.systemctl("daemon-reload")

	def sub(self, text):
		return textwrap.dedent(text).lstrip("\n").replace("@C@", self.cdir)

	def write(self, rel, text, mode=0o644):
		p = os.path.join(self.dir, rel)
		with open(p, "w") as f:
			f.write(self.sub(text))
		os.chmod(p, mode)
		return p

	def read(self, rel):
		try:
			with open(os.path.join(self.dir, rel)) as f:
				return f.read()
		except FileNotFoundError:
			return None

	def events(self):
		t = self.read("events")
		return t.splitlines() if t else []

	def event(self, prefix):
		for e in self.events():
			if e.startswith(prefix):
				return e
		return None

	def index(self, prefix):
		for i, e in enumerate(self.events()):
			if e.startswith(prefix):
				return i
		raise AssertionError("no event %r\n%s" % (prefix, self))

	def wait_event(self, prefix, timeout=30):
		e = wait_for(lambda: self.event(prefix), timeout)
		assert e, "no event %r within %ss\n%s" % (prefix, timeout, self)
		return e

	def exit(self, timeout=30):
		"""What ExecStopPost= recorded: (result, code, status)."""
		t = wait_for(lambda: self.read("exit"), timeout)
		assert t, "the unit never stopped\n%s" % self
		return tuple(t.split())

	def start(self, timeout=120):
		"""systemctl start: (exit code, seconds it took)."""
		t0 = time.monotonic()
		p = self.m.systemctl("start", self.unit, check=False,
		    timeout=timeout)
		return p.returncode, time.monotonic() - t0

	def stop(self, timeout=120):
		t0 = time.monotonic()
		self.m.systemctl("stop", self.unit, timeout=timeout)
		return time.monotonic() - t0

	def show(self, prop):
		return self.m.systemctl("show", "--value", "-p", prop,
		    self.unit).stdout.strip()

	def journal(self):
		"""The unit's journal entries, as dicts."""
		p = self.m.inside("journalctl", "--no-pager", "-o", "json", "-u",
		    self.unit)
		return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]

	def status(self):
		return self.m.systemctl("status", "--lines=0", self.unit,
		    check=False).stdout

	def __repr__(self):
		p = self.m.inside("journalctl", "--no-pager", "-o", "cat", "-u",
		    self.unit, check=False)
		return "case %s\n--- events ---\n%s\n--- journal ---\n%s" % (
		    self.name, "\n".join(self.events()), p.stdout[-4000:])


@pytest.fixture
def case(machine, request):
	"""A function making Case objects, named after the test; every unit
	it made is stopped at the end."""
	made = []

	def make(ini, dropin="", suffix="", units=None):
		name = request.node.name[len("test_"):][:40].replace("_", "-")
		c = Case(machine, name + suffix, ini, dropin, units)
		made.append(c)
		return c
	yield make
	for c in made:
		machine.systemctl("stop", c.unit, check=False)
		machine.systemctl("reset-failed", c.unit, check=False)
