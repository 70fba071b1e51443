# test_jobctl.py: hookrun in an interactive shell's job control: Ctrl-Z
# stops the app and hookrun with it, so that the shell gives its prompt
# back; fg continues both, and the app has the terminal again (issue 9;
# dumb-init's shell_background_test does the same).

import os
import pty
import re
import select
import signal
import time

from conftest import HOOKRUN, clean_signals, proc_stat, wait_for


class Shell:
	"""bash -i on a pty of its own; what it prints is collected."""

	def __init__(self, env):
		self.pid, self.fd = pty.fork()
		if self.pid == 0:
			# As a terminal's shell starts: nothing ignored (a suite
			# run in the background has INT ignored, which bash
			# would pass on to the app, and Ctrl-C would do nothing).
			clean_signals()
			os.execve("/bin/bash", ["bash", "--norc", "--noprofile",
			    "-i"], env)
		self.text = ""

	def read(self, timeout=0.1):
		end = time.monotonic() + timeout
		while True:
			left = end - time.monotonic()
			if left <= 0:
				return
			r, _, _ = select.select([self.fd], [], [], left)
			if not r:
				return
			try:
				b = os.read(self.fd, 4096)
			except OSError:
				return
			if not b:
				return
			self.text += b.decode("utf-8", "replace")

	def send(self, s):
		os.write(self.fd, s.encode())

	def expect(self, pattern, timeout=10.0):
		"""Waits for pattern in what the shell printed since mark."""
		end = time.monotonic() + timeout
		while time.monotonic() < end:
			m = re.search(pattern, self.text[self.mark:])
			if m:
				self.mark += m.end()
				return m
			self.read(0.1)
		raise AssertionError("no %r in:\n%s" % (pattern, self.text))

	mark = 0

	def close(self):
		try:
			os.kill(self.pid, signal.SIGKILL)
			os.waitpid(self.pid, 0)
		except OSError:
			pass
		os.close(self.fd)


def state(pid):
	st = proc_stat(pid)
	return st[0] if st else None


def foreground(pid):
	"""The foreground process group of pid's terminal (tpgid)."""
	st = proc_stat(pid)
	return int(st[5]) if st else None


def test_ctrl_z_stops_hookrun_with_the_app_and_fg_continues_both(hr):
	hr.config("""
	    [start]
	    exec = sleep 30
	    """)
	env = dict(hr.env, PS1="PROMPT> ", TERM="dumb")
	sh = Shell(env)
	try:
		sh.expect("PROMPT> ")
		sh.send("%s -c %s\n" % (HOOKRUN, hr.cfg))
		app = int(sh.expect(r"app started \(pid (\d+)\)").group(1))
		hookrun = int(proc_stat(app)[1])
		assert wait_for(lambda: state(app) == "S"), state(app)
		sh.send("\x1a")			# Ctrl-Z
		sh.expect(r"Stopped")
		sh.expect("PROMPT> ")
		assert wait_for(lambda: state(app) == "T"), state(app)
		assert wait_for(lambda: state(hookrun) == "T"), state(hookrun)
		sh.send("fg\n")
		assert wait_for(lambda: state(app) == "S"), state(app)
		assert wait_for(lambda: state(hookrun) == "S"), state(hookrun)
		# The app has the terminal again (its group is the terminal's
		# foreground): Ctrl-C is its, and ends it.
		assert wait_for(lambda: foreground(app) == app), foreground(app)
		sh.send("\x03")
		sh.expect("PROMPT> ")
		sh.send("echo rc=$?\n")
		sh.expect(r"rc=130")
	finally:
		sh.close()
