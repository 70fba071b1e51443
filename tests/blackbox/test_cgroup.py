# test_cgroup.py: where hookrun's cgroup v2 is delegated to it (systemd's
# Delegate=yes marks it with trusted.delegate), each hook runs in a control
# group of its own: a process that leaves its process group (setsid) is
# still the hook's, waited for and killed with it (issue 9).

import os
import time

import pytest

from conftest import alive, wait_for


def cgroup2_mount():
	with open("/proc/self/mountinfo") as f:
		for line in f:
			if " - cgroup2 " in line:
				return line.split()[4]
	return None


MOUNT = cgroup2_mount()

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or MOUNT is None,
    reason="needs root and a cgroup v2 hierarchy")


@pytest.fixture
def delegated():
	"""A cgroup of the test's own, marked delegated as systemd marks one."""
	path = os.path.join(MOUNT, "hookrun-test.%d.%d" % (os.getpid(),
	    time.monotonic_ns()))
	os.mkdir(path)
	try:
		os.setxattr(path, "trusted.delegate", b"1")
		if not os.path.exists(os.path.join(path, "cgroup.kill")):
			pytest.skip("no cgroup.kill (kernel before 5.14)")
		yield path
	finally:
		for d, subdirs, _ in os.walk(path, topdown=False):
			try:
				with open(os.path.join(d, "cgroup.kill"), "w") as f:
					f.write("1")
			except OSError:
				pass
		for _ in range(100):
			try:
				for d, subdirs, _ in os.walk(path, topdown=False):
					os.rmdir(d)
				break
			except OSError:
				time.sleep(0.05)


def joining(path):
	def join():
		with open(os.path.join(path, "cgroup.procs"), "w") as f:
			f.write(str(os.getpid()))
	return join


def test_hook_runs_in_a_cgroup_of_its_own_removed_after(hr, delegated):
	hr.config("""
	    [pre_start:where]
	    exec = sh -c 'cat /proc/self/cgroup > @D@/cgroup'

	    [start]
	    exec = true
	    """)
	r = hr.start("-c", hr.cfg, preexec_fn=joining(delegated)).wait()
	assert r.rc == 0, r
	line = [l for l in hr.lines("cgroup") if l.startswith("0::")][0]
	assert line.startswith("0::/" + os.path.basename(delegated) +
	    "/hookrun-hook."), line
	left = [d for d in os.listdir(delegated) if d.startswith("hookrun-hook")]
	assert left == [], left


def test_process_that_left_the_group_is_still_the_hooks(hr, delegated):
	# setsid takes it out of the hook's process group, not out of its
	# control group: the hook is not over while it runs, and at the
	# timeout it is killed with the rest.
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 1s

	    [pre_start:daemon]
	    exec = sh -c 'setsid sleep 30 & echo $$! > @D@/bg.pid; exit 0'
	    timeout = 1s

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.start("-c", hr.cfg, preexec_fn=joining(delegated)).wait()
	assert r.rc == 124, r
	assert not hr.exists("app"), r
	assert wait_for(lambda: not alive(int(hr.read("bg.pid")))), r
