# test_idle.py: what hookrun costs while nothing happens (no system call, no wake-up) and
# over a whole run (valgrind finds no error and no leak).

import os
import re
import shutil
import socket
import signal
import subprocess
import time

import pytest

from conftest import HOOKRUN, HOOKRUN_DYNAMIC, SANITIZED, elf_static, \
    term_trapping_script, wait_for
from pid1util import read_pid, start_cmd


def ctxt_switches(pid):
	"""Voluntary + involuntary context switches of all of PID's threads:
	each wake-up adds one."""
	n = 0
	for t in os.listdir("/proc/%d/task" % pid):
		with open("/proc/%d/task/%s/status" % (pid, t)) as f:
			for line in f:
				if "ctxt_switches:" in line:
					n += int(line.split()[1])
	return n


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_idle_hookrun_makes_no_system_call(hr):
	hr.config("""
	    [start]
	    exec = sh -c 'echo $$$$ > @D@/app.pid; exec sleep 100'
	    """)
	run = hr.start("-c", hr.cfg)
	read_pid(hr, "app.pid", run)
	# Let start-up settle: the app's exec, the log line, the memory trim
	# (0.1 s after the app runs).
	assert wait_for(lambda: "app started" in run.err()), run.err()
	time.sleep(0.5)

	before = ctxt_switches(run.pid)
	time.sleep(1.5)
	after = ctxt_switches(run.pid)
	assert after == before, "%d wake-ups in 1.5 s" % (after - before)

	# hookrun only (no -f): the app's own calls do not count.
	trace = hr.path("strace.out")
	st = subprocess.Popen(["strace", "-o", trace, "-p", str(run.pid)],
	    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
	    stderr=subprocess.PIPE)
	try:
		# strace says "attached" once it traces; then watch for 3 s.
		assert wait_for(lambda: os.path.exists(trace)), "strace did not start"
		time.sleep(3)
	finally:
		st.send_signal(signal.SIGINT)
		_, err = st.communicate(timeout=10)
	# The one line expected: the epoll_wait hookrun sat in all along,
	# without a result ("<detached ...>").
	lines = hr.lines("strace.out")
	done = [l for l in lines if re.search(r"\) += ", l)]
	assert done == [], "system calls while idle:\n" + "\n".join(lines)
	assert run.poll() is None, run.err()
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r


@pytest.mark.skipif(SANITIZED, reason="valgrind does not run ASan builds")
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind")
@pytest.mark.skipif(elf_static(HOOKRUN_DYNAMIC),
    reason="valgrind needs a dynamic build: make hookrun-dynamic")
def test_valgrind_finds_no_error_nor_leak_over_a_whole_lifecycle(hr):
	term_trapping_script(hr, "app.sh", "echo app-term >> @D@/order; exit 7",
	    pidfile="app.pid")
	hr.config("""
	    [hookrun]
	    stop_timeout = 20s
	    hooks_dir = @D@/hooks.d

	    [pre_start:migrate]
	    exec = sh -c 'echo pre_start; echo EXPORTED=1 >> "$$HOOKRUN_ENV_FILE"'

	    [start]
	    exec = @D@/app.sh

	    [post_start:warm]
	    exec = echo warm

	    [pre_stop:drain]
	    exec = sh -c 'echo drain >> @D@/order'

	    [post_stop:report]
	    exec = sh -c 'echo "post_stop $$HOOKRUN_APP_STATUS" >> @D@/order'
	    """)
	run = start_cmd(hr, ["valgrind", "-q", "--leak-check=full",
	    "--show-leak-kinds=all", "--errors-for-leak-kinds=all",
	    "--error-exitcode=1", HOOKRUN_DYNAMIC, "-c", hr.cfg])
	read_pid(hr, "app.pid", run, timeout=60)
	assert wait_for(lambda: "warm" in run.out(), 30), run.err()
	run.signal(signal.SIGTERM)
	r = run.wait(60)
	assert r.rc == 7, r
	assert hr.lines("order") == ["drain", "app-term", "post_stop 7"], r
	assert "[pre_start:migrate] pre_start" in r.out, r
	# -q: valgrind says nothing unless it found something.
	assert not re.search(r"^==\d+==", r.err, re.M), r


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_a_health_check_wakes_an_idle_hookrun_once_per_interval(hr):
	# The check's own calls (a connect to a listener) are all it does: one
	# timed wake-up per health_interval, nothing else, no status write
	# while nothing changes.
	srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	srv.bind(("127.0.0.1", 0))
	srv.listen(64)
	try:
		hr.config("""
		    [hookrun]
		    hooks_dir = @D@/hooks.d
		    status_file = @D@/run/status

		    [start]
		    exec = sh -c 'echo $$$$ > @D@/app.pid; exec sleep 100'
		    health = tcp:127.0.0.1:%d
		    health_interval = 500ms
		    """ % srv.getsockname()[1])
		run = hr.start("-c", hr.cfg)
		read_pid(hr, "app.pid", run)
		assert wait_for(lambda: "health=healthy" in
		    (hr.read("run/status") or "")), run.err()

		before = ctxt_switches(run.pid)
		time.sleep(3)
		woke = ctxt_switches(run.pid) - before
		assert 5 <= woke <= 8, "%d wake-ups in 3 s at 500ms" % woke

		trace = hr.path("strace.out")
		st = subprocess.Popen(["strace", "-o", trace, "-p", str(run.pid)],
		    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
		    stderr=subprocess.PIPE)
		try:
			assert wait_for(lambda: os.path.exists(trace))
			time.sleep(3)
		finally:
			st.send_signal(signal.SIGINT)
			st.communicate(timeout=10)
		lines = [l for l in hr.lines("strace.out") if re.search(r"\) += ", l)]
		calls = {l.split("(")[0] for l in lines}
		assert calls <= {"epoll_wait", "epoll_ctl", "socket", "connect",
		    "getsockopt", "close"}, "\n".join(lines)
		# Timed waits that ran out: the interval's, and only those (the
		# first may be the rest of one strace cut into).
		timed = [int(m.group(1)) for m in (re.match(
		    r"epoll_wait\(\d+, \[\], \d+, (\d+)\) += 0$", l)
		    for l in lines[1:]) if m and int(m.group(1)) > 0]
		assert 4 <= len(timed) <= 7, "\n".join(lines)
		assert all(400 <= t <= 500 for t in timed), timed
		assert run.poll() is None, run.err()
		run.signal(signal.SIGTERM)
		r = run.wait()
		assert r.rc == 143, r
	finally:
		srv.close()


def wait_timeout(pid):
	"""The timeout (ms; -1: none) of the epoll_wait PID sleeps in, from
	/proc/PID/syscall, or None when it is in no such call. A read (of its
	signalfd: with nothing else to watch, hookrun waits on it alone) has
	no timeout: -1."""
	try:
		with open("/proc/%d/syscall" % pid) as f:
			fields = f.read().split()
	except OSError:
		return None
	# x86_64: read 0, epoll_wait 232, epoll_pwait 281; aarch64: read 63,
	# epoll_pwait 22.
	x86 = os.uname().machine == "x86_64"
	if fields and fields[0] == ("0" if x86 else "63"):
		return -1
	names = {"232", "281"} if x86 else {"22"}
	if len(fields) < 5 or fields[0] not in names:
		return None
	t = int(fields[4], 16)
	return t - (1 << 64) if t >= 1 << 63 else t & 0xffffffff


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (port 53)")
def test_no_dns_query_outlives_the_wait_that_asked_it(hr):
	# A DNS server that never answers, asked with long retries: when the
	# wait hook gives up, its queries go too; the idle hookrun that runs
	# the app afterwards has no c-ares timer left to wake it: it sleeps
	# with no timeout (libev's longest, with a timerfd: days).
	dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	addr = "127.%d.%d.%d" % tuple(os.urandom(3))
	dns.bind((addr, 53))
	try:
		hr.write("resolv.conf", "nameserver %s\noptions timeout:5 "
		    "attempts:5\n" % addr)
		hr.write("empty.hosts", "")
		hr.config("""
		    [pre_start:db]
		    wait = tcp:db.example:5432
		    timeout = 500ms
		    on_failure = ignore

		    [start]
		    exec = sh -c 'echo $$$$ > @D@/app.pid; exec sleep 100'
		    """)
		run = hr.start("-c", hr.cfg, env={
		    "HOOKRUN_RESOLV_CONF": hr.path("resolv.conf"),
		    "HOOKRUN_HOSTS_FILE": hr.path("empty.hosts")})
		read_pid(hr, "app.pid", run)
		assert wait_for(lambda: "app started" in run.err()), run.err()
		got = []
		day = 24 * 3600 * 1000
		assert wait_for(lambda: got.append(wait_timeout(run.pid)) or
		    (got[-1] or 0) == -1 or (got[-1] or 0) > day, 3), \
		    "sleeps with timeouts %r" % got[-5:]
		assert "'db.example' does not resolve" in run.err(), run.err()
		run.signal(signal.SIGTERM)
		assert run.wait().rc == 143
	finally:
		dns.close()


def timerfds(pid):
	"""How many timerfds PID has open."""
	n = 0
	for fd in os.listdir("/proc/%d/fd" % pid):
		try:
			n += os.readlink("/proc/%d/fd/%s" % (pid, fd)) == \
			    "anon_inode:[timerfd]"
		except OSError:
			pass
	return n


@pytest.mark.skipif(os.uname().machine not in ("x86_64", "aarch64"),
    reason="reads /proc/PID/syscall")
def test_the_loop_gets_its_timerfd_after_a_long_wait_not_at_start(hr):
	# libev without a timerfd wakes once a minute in a wait that has no
	# timer (a hook with timeout = 0): hookrun gives it one after the
	# first wait of 5 s or more, not at start, where it would cost five
	# system calls that a short run never needs.
	hr.config("""
	    [pre_start:short]
	    exec = sh -c 'touch @D@/short; exec sleep 2'
	    timeout = 0

	    [pre_start:long]
	    exec = sleep 6
	    timeout = 0

	    [pre_start:after]
	    exec = sh -c 'touch @D@/after; exec sleep 60'
	    timeout = 0

	    [start]
	    exec = sleep 100
	    """)
	run = hr.start("-c", hr.cfg)
	assert wait_for(lambda: os.path.exists(hr.path("short")), 10), run.err()
	got = []
	assert wait_for(lambda: got.append(wait_timeout(run.pid)) or
	    got[-1] == 59743, 1.5), "sleeps with timeouts %r" % got[-5:]
	assert timerfds(run.pid) == 0
	assert wait_for(lambda: os.path.exists(hr.path("after")), 20), run.err()
	got = []
	day = 24 * 3600 * 1000
	assert wait_for(lambda: got.append(wait_timeout(run.pid)) or
	    (got[-1] or 0) > day, 3), "sleeps with timeouts %r" % got[-5:]
	assert timerfds(run.pid) == 1
	run.signal(signal.SIGTERM)
	assert run.wait().rc == 143, run.err()
