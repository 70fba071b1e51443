# notifyutil.py: what the readiness, sd_notify and log tests share: a systemd-like
# notify socket that records every datagram hookrun sends, a launcher for runs that
# need what only the final process knows (its own pid, its stderr's inode, a
# descriptor at a fixed number), and small waits.

import os
import shutil
import socket
import struct
import sys
import threading
import time
import uuid

import pytest

from conftest import HOOKRUN, wait_for


class Datagram:
	"""One datagram: its text, its lines, when it came (monotonic), the
	sender's pid (SCM_CREDENTIALS) and what the listener's probe saw."""

	def __init__(self, text, t, pid, seen):
		self.text = text
		self.lines = text.split("\n")
		self.t = t
		self.pid = pid
		self.seen = seen

	def __repr__(self):
		return "Datagram(%r, pid=%r, seen=%r)" % (self.text, self.pid,
		    self.seen)


class NotifyListener:
	"""An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET.

	Binds PATH, or the abstract name NAME when abstract=True, and records
	each datagram from a thread. probe, when given, is called as each
	datagram arrives and its value kept with it (Datagram.seen): what the
	world looked like at that moment (a marker file there or not)."""

	def __init__(self, path=None, abstract=False, probe=None):
		self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		if abstract:
			self.name = "hookrun-test-%s" % uuid.uuid4().hex
			self.sock.bind("\0" + self.name)
			self.address = "@" + self.name
		else:
			self.sock.bind(path)
			self.address = path
		self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
		self.sock.settimeout(0.05)
		self.probe = probe
		self.lock = threading.Lock()
		self.got = []
		self.stopping = False
		self.thread = threading.Thread(target=self._run, daemon=True)
		self.thread.start()

	def _run(self):
		credsize = socket.CMSG_SPACE(struct.calcsize("3i"))
		while not self.stopping:
			try:
				data, anc, _, _ = self.sock.recvmsg(65536, credsize)
			except socket.timeout:
				continue
			except OSError:
				return
			t = time.monotonic()
			seen = self.probe() if self.probe is not None else None
			pid = None
			for level, kind, cdata in anc:
				if (level == socket.SOL_SOCKET and
				    kind == socket.SCM_CREDENTIALS):
					pid = struct.unpack("3i", cdata[:12])[0]
			with self.lock:
				self.got.append(Datagram(
				    data.decode("utf-8", "replace"), t, pid, seen))

	def close(self):
		self.stopping = True
		self.thread.join(5)
		self.sock.close()

	def __enter__(self):
		return self

	def __exit__(self, *exc):
		self.close()

	def datagrams(self):
		with self.lock:
			return list(self.got)

	def lines(self):
		"""Every line of every datagram, in the order they came."""
		return [l for d in self.datagrams() for l in d.lines]

	def count(self, line):
		return self.lines().count(line)

	def first(self, line):
		"""The first datagram holding LINE, or None."""
		for d in self.datagrams():
			if line in d.lines:
				return d
		return None

	def index(self, line):
		"""Position of LINE's first occurrence in lines(), or None."""
		ls = self.lines()
		return ls.index(line) if line in ls else None

	def wait(self, line, timeout=10.0):
		"""Waits for a datagram holding LINE; returns it, or None."""
		return wait_for(lambda: self.first(line), timeout)

	def wait_count(self, line, n, timeout=10.0):
		return wait_for(lambda: self.count(line) >= n, timeout)

	def __repr__(self):
		return "NotifyListener(%s):\n  %s" % (self.address,
		    "\n  ".join(repr(d) for d in self.datagrams()))


def launch(hr, args, env=None, pre="", pass_fds=(), errpath=None):
	"""Starts hookrun ARGS as hr.start does (new session, output to files,
	cleaned up with hr), but through `bash -c 'PRE; exec hookrun ...'`:
	PRE runs in the very process that becomes hookrun, so it can use $$ (the
	pid hookrun will have) or move descriptors (bash: dash cannot name one
	above 9), or exec hookrun itself through a wrapper that keeps the pid
	(unshare without -f). errpath, when given, is an
	existing file that becomes stderr (its inode is known beforehand).
	Returns a conftest.Running."""
	return hr.spawn(["/bin/bash", "-c", pre + '\nexec "$0" "$@"', HOOKRUN] +
	    list(args), env=env, pass_fds=pass_fds, errpath=errpath)


# A stand-in for systemd-notify: sends its arguments, one per line, as one
# datagram to $NOTIFY_SOCKET (a path, or @name for an abstract socket).
SDNOTIFY = """
import os, socket, sys
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"):
    addr = "\\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto("\\n".join(sys.argv[1:]).encode(), addr)
"""


def sdnotify(hr):
	"""Writes @D@/sdnotify (see SDNOTIFY); returns its path."""
	return hr.script("sdnotify", SDNOTIFY, shebang="#!" + sys.executable)


def is_hookrun(pid):
	"""True once pid has exec'd hookrun (and no longer is the shell of
	launch())."""
	try:
		return os.path.realpath("/proc/%d/exe" % pid) == \
		    os.path.realpath(HOOKRUN)
	except OSError:
		return False


def read_pid(hr, rel, timeout=10.0):
	"""The pid a process wrote into @D@/REL, once it is there."""
	def get():
		t = hr.read(rel)
		return int(t.split()[0]) if t and t.strip() else None
	pid = wait_for(get, timeout)
	assert pid, "no pid in %s" % rel
	return pid


def wait_err(running, text, timeout=10.0):
	"""Waits until hookrun's stderr holds TEXT."""
	return wait_for(lambda: text in running.err(), timeout)


def strace_or_skip():
	path = shutil.which("strace")
	if path is None:
		pytest.skip("strace is not installed")
	return path
