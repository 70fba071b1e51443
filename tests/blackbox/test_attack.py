# test_attack.py: hookrun as root against hostile user = hooks, apps, peers and local users (uid 4242): what an attack review found, one test per finding.

import fcntl
import os
import select
import subprocess
import termios

import pytest

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
