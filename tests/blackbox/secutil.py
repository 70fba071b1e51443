# secutil.py: for the security tests: an unprivileged attacker, a directory it shares with hookrun, and kernel link protections turned off for one test.

import contextlib
import os
import shutil
import subprocess
import tempfile

import pytest

# The attacker: a uid with no entry, no groups, no capabilities.
ATTACKER = 4242

needs_root = pytest.mark.skipif(os.geteuid() != 0,
    reason="needs root: hookrun's checks as root, an attacker of another uid")


def as_attacker(argv):
	"""argv run as uid and gid ATTACKER, with no supplementary groups."""
	return ["setpriv", "--reuid=%d" % ATTACKER, "--regid=%d" % ATTACKER,
	    "--clear-groups", "--"] + list(argv)


@contextlib.contextmanager
def sysctl(name, value):
	"""Sets /proc/sys/NAME (fs/protected_symlinks) to value for the block,
	then restores what it was: some attacks are stopped by the kernel's
	link protections alone, which a host may not have turned on."""
	path = os.path.join("/proc/sys", name)
	with open(path) as f:
		old = f.read().strip()
	try:
		with open(path, "w") as f:
			f.write(value)
	except OSError as e:
		pytest.skip("cannot set %s: %s" % (name, e.strerror))
	try:
		yield
	finally:
		with open(path, "w") as f:
			f.write(old)


class Shared:
	"""A directory in /tmp that anyone may write, sticky like /tmp itself:
	where the attacker works, and a root-only corner for its targets. The
	test's own directory is out of the attacker's reach (pytest makes its
	parent 0700)."""

	def __init__(self):
		self.dir = tempfile.mkdtemp(prefix="hookrun-sec.", dir="/tmp")
		os.chmod(self.dir, 0o1777)
		self.procs = []

	def path(self, *parts):
		return os.path.join(self.dir, *parts)

	def sub(self, text):
		return text.replace("@S@", self.dir)

	def mkdir(self, rel, mode, uid=0):
		p = self.path(rel)
		os.makedirs(p, exist_ok=True)
		os.chmod(p, mode)
		os.chown(p, uid, uid)
		return p

	def write(self, rel, text, mode=0o600, uid=0):
		"""A file (root's, 0600 by default: a target the attacker must
		never reach); returns its path."""
		p = self.path(rel)
		with open(p, "w") as f:
			f.write(text)
		os.chmod(p, mode)
		os.chown(p, uid, uid)
		return p

	def read(self, rel):
		try:
			with open(self.path(rel)) as f:
				return f.read()
		except FileNotFoundError:
			return None

	def attacker(self, script, timeout=30):
		"""Runs the sh script (@S@: this directory) as the attacker;
		returns the CompletedProcess."""
		return subprocess.run(as_attacker(["sh", "-c", self.sub(script)]),
		    cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
		    timeout=timeout, text=True)

	def attacker_start(self, script):
		"""Starts the sh script as the attacker in the background."""
		p = subprocess.Popen(as_attacker(["sh", "-c", self.sub(script)]),
		    cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		self.procs.append(p)
		return p

	def cleanup(self):
		for p in self.procs:
			if p.poll() is None:
				p.kill()
			p.wait()
		shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def shared():
	s = Shared()
	try:
		yield s
	finally:
		s.cleanup()


def stat_of(path):
	"""(uid, mode bits, size) of path, not following a link; None when
	missing."""
	try:
		st = os.lstat(path)
	except FileNotFoundError:
		return None
	return (st.st_uid, st.st_mode & 0o7777, st.st_size)
