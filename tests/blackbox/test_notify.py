# test_notify.py: hookrun under systemd: sd_notify messages on NOTIFY_SOCKET (STATUS,
# EXTEND_TIMEOUT_USEC, READY, STOPPING, WATCHDOG), the app's own notify socket with
# ready = notify, what never reaches hooks and the app, and socket activation.
#
# In a config value `$$` is a literal `$`: a shell's `$$` is written `$$$$`.

import os
import signal
import socket
import sys

import pytest

from conftest import term_trapping_script, wait_for
from notifyutil import NotifyListener, is_hookrun, launch, sdnotify

PYTHON = "/usr/bin/python3"


def listener(hr, **kw):
	return NotifyListener(hr.path("notify.sock"), **kw)


def assert_all_from(ln, pid):
	"""NotifyAccess=main: systemd takes messages from the main pid only."""
	for d in ln.datagrams():
		assert d.pid == pid, "datagram %r sent by pid %r, not hookrun " \
		    "(%d)\n%r" % (d.text, d.pid, pid, ln)


def ready_then_term(hr, ln):
	"""Starts hookrun on hr.cfg with LN as its NOTIFY_SOCKET, waits for
	READY=1 and stops it with TERM; asserts it exits 143 and returns its
	result."""
	run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
	assert ln.wait("READY=1"), (ln, run.err())
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r
	return r


def in_order(ln, *wanted):
	"""Asserts each line of WANTED came, in that order (first occurrences)."""
	got = ln.lines()
	pos = []
	for w in wanted:
		assert w in got, "%r never came\n%r" % (w, ln)
		pos.append(got.index(w))
	assert pos == sorted(pos), "out of order: %r\n%r" % (wanted, ln)


def test_status_names_each_phase_hook_and_attempt_in_lifecycle_order(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = sh -c 'test -e @D@/tried || { touch @D@/tried; exit 1; }'
	    retries = 1
	    retry_delay = 50ms

	    [start]
	    exec = sleep 30

	    [post_start:warm]
	    exec = true

	    [pre_stop:drain]
	    exec = true

	    [post_stop:report]
	    exec = true
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
		assert wait_for(lambda: ln.index("STATUS=post_stop: report "
		    "(attempt 1)") is not None, 2), ln
	assert r.rc == 143, r
	in_order(ln,
	    "STATUS=pre_start: migrate (attempt 1)",
	    "STATUS=pre_start: migrate (attempt 2)",
	    "STATUS=post_start: warm (attempt 1)",
	    "READY=1",
	    "STOPPING=1",
	    "STATUS=pre_stop: drain (attempt 1)",
	    "STATUS=post_stop: report (attempt 1)")
	assert ln.count("READY=1") == 1, ln
	assert ln.count("STOPPING=1") == 1, ln
	assert_all_from(ln, r.pid)


def test_extend_timeout_goes_before_each_hook(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    kill_timeout = 1s

	    [pre_start:short]
	    exec = true
	    timeout = 2s

	    [pre_start:forever]
	    exec = true
	    timeout = 0

	    [pre_start:default]
	    exec = true

	    [start]
	    exec = true

	    [post_stop:after]
	    exec = true
	    timeout = 250ms
	    """)
	with listener(hr) as ln:
		r = hr.run("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		wait_for(lambda: ln.index("STATUS=post_stop: after (attempt 1)")
		    is not None, 2)
	assert r.rc == 0, r
	got = ln.lines()

	def before(status):
		assert status in got, (status, ln)
		i = got.index(status)
		return got[i - 1] if i > 0 else None

	# timeout + kill_timeout + 2 s: systemd must not cut the hook's grace
	# short, nor what hookrun does right after it.
	assert before("STATUS=pre_start: short (attempt 1)") == \
	    "EXTEND_TIMEOUT_USEC=5000000", ln
	# No timeout: 6 s, again every 2 s while the hook runs.
	assert before("STATUS=pre_start: forever (attempt 1)") == \
	    "EXTEND_TIMEOUT_USEC=6000000", ln
	assert before("STATUS=pre_start: default (attempt 1)") == \
	    "EXTEND_TIMEOUT_USEC=%d" % ((300 + 1 + 2) * 1000000), ln
	assert before("STATUS=post_stop: after (attempt 1)") == \
	    "EXTEND_TIMEOUT_USEC=3250000", ln


def test_ready_is_sent_only_after_post_start_is_done(hr):
	hr.config("""
	    [start]
	    exec = sleep 30

	    [post_start:warm]
	    exec = sh -c 'sleep 0.5; touch @D@/warmed'
	    """)
	marker = hr.path("warmed")
	with listener(hr, probe=lambda: os.path.exists(marker)) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		ready = ln.wait("READY=1")
		assert ready, (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	assert ready.seen is True, "READY=1 came before the post_start hook " \
	    "had finished\n%r" % ln
	in_order(ln, "STATUS=post_start: warm (attempt 1)", "READY=1")
	assert ln.count("READY=1") == 1, ln


def test_ready_comes_at_once_without_post_start_hooks(hr):
	hr.config("""
	    [start]
	    exec = sleep 30
	    """)
	with listener(hr) as ln:
		r = ready_then_term(hr, ln)
	assert_all_from(ln, r.pid)


def test_stopping_is_sent_on_term_before_pre_stop_and_the_stop_signal(hr):
	term_trapping_script(hr, "app.sh", "touch @D@/app-got-term; exit 0")
	hr.config("""
	    [start]
	    exec = @D@/app.sh

	    [pre_stop:drain]
	    exec = sh -c 'sleep 0.3; touch @D@/drained'
	    """)
	term = hr.path("app-got-term")
	with listener(hr, probe=lambda: os.path.exists(term)) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		assert "STOPPING=1" not in ln.lines(), ln
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 0, r
	assert hr.exists("drained") and hr.exists("app-got-term"), r
	stopping = ln.first("STOPPING=1")
	assert stopping, ln
	assert stopping.seen is False, "STOPPING=1 came only once the app " \
	    "had its stop signal\n%r" % ln
	in_order(ln, "READY=1", "STOPPING=1", "STATUS=pre_stop: drain (attempt 1)")


def test_stopping_is_sent_when_the_app_exits_on_its_own(hr):
	# The app's exit takes hookrun down (restart = no): post_stop hooks run
	# and hookrun exits, so systemd must hear that the service is stopping
	# (and stop expecting watchdog pings) before post_stop begins.
	hr.config("""
	    [start]
	    exec = sleep 0.3

	    [post_stop:report]
	    exec = true
	    """)
	with listener(hr) as ln:
		r = hr.run("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		wait_for(lambda: ln.index("STATUS=post_stop: report (attempt 1)")
		    is not None, 2)
	assert r.rc == 0, r
	in_order(ln, "READY=1", "STOPPING=1",
	    "STATUS=post_stop: report (attempt 1)")


def intervals(ds):
	return [b.t - a.t for a, b in zip(ds, ds[1:])]


def pings(ln):
	return [d for d in ln.datagrams() if "WATCHDOG=1" in d.lines]


def test_watchdog_pings_at_half_of_watchdog_usec_while_the_app_runs(hr):
	hr.config("""
	    [start]
	    exec = sleep 30
	    """)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address,
		    "WATCHDOG_USEC": "200000"})
		assert ln.wait("READY=1"), (ln, run.err())
		assert wait_for(lambda: len(pings(ln)) >= 8, 3), ln
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	got = pings(ln)[:8]
	# 7 intervals of 100 ms: 0.7 s; scheduling may stretch, never halve it.
	span = got[-1].t - got[0].t
	assert 0.5 <= span <= 1.4, (span, intervals(got))
	assert all(0.03 <= i <= 0.4 for i in intervals(got)), intervals(got)
	assert_all_from(ln, r.pid)


def test_watchdog_pid_naming_hookrun_itself_still_asks_for_pings(hr):
	hr.config("""
	    [start]
	    exec = sleep 30
	    """)
	with listener(hr) as ln:
		run = launch(hr, ["-c", hr.cfg], pre="WATCHDOG_PID=$$; "
		    "export WATCHDOG_PID", env={"NOTIFY_SOCKET": ln.address,
		    "WATCHDOG_USEC": "200000"})
		assert ln.wait_count("WATCHDOG=1", 3, 3), (ln, run.err())
		assert is_hookrun(run.pid)
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	assert_all_from(ln, r.pid)


def no_pings_case(hr, env):
	hr.config("""
	    [start]
	    exec = sleep 30
	    """)
	with listener(hr) as ln:
		e = {"NOTIFY_SOCKET": ln.address}
		e.update(env)
		run = hr.start("-c", hr.cfg, env=e)
		assert ln.wait("READY=1"), (ln, run.err())
		# Asked for, pings would come every 100 ms: 6 of them by now.
		wait_for(lambda: pings(ln), 0.6)
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	assert pings(ln) == [], ln


def test_no_watchdog_pings_without_watchdog_usec(hr):
	no_pings_case(hr, {})


def test_no_watchdog_pings_when_watchdog_pid_is_another_process(hr):
	no_pings_case(hr, {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})


def test_no_watchdog_pings_once_the_app_is_gone(hr):
	hr.config("""
	    [start]
	    exec = sh -c 'sleep 0.3'

	    [post_stop:linger]
	    exec = sleep 0.6
	    """)
	with listener(hr) as ln:
		r = hr.run("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address,
		    "WATCHDOG_USEC": "200000"})
		wait_for(lambda: ln.index("STATUS=post_stop: linger (attempt 1)")
		    is not None, 2)
	assert r.rc == 0, r
	got = ln.lines()
	i = got.index("STATUS=post_stop: linger (attempt 1)")
	assert "WATCHDOG=1" in got[:i], ln
	assert "WATCHDOG=1" not in got[i:], ln


def test_abstract_notify_socket(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = true

	    [start]
	    exec = sleep 30
	    """)
	with NotifyListener(abstract=True) as ln:
		assert ln.address.startswith("@")
		r = ready_then_term(hr, ln)
	in_order(ln, "STATUS=pre_start: migrate (attempt 1)", "READY=1",
	    "STOPPING=1")
	assert_all_from(ln, r.pid)


NOTIFY_APP = """
echo "${NOTIFY_SOCKET-unset}" > @D@/app.notify
@D@/sdnotify 'STATUS=warming up'
sleep 0.4
touch @D@/said-ready
@D@/sdnotify READY=1 'STATUS=serving'
exec sleep 30
"""

# The post_start hook of NOTIFY_APP's tests: records whether the app had said
# it was ready by then.
CHECK_READY = "test -e @D@/said-ready && echo yes > @D@/post || " \
    "echo no > @D@/post"


def config_notify_app(hr, check):
	"""Writes sdnotify and NOTIFY_APP, and a config that runs the app with
	ready = notify and the post_start hook check (sh -c 'CHECK')."""
	sdnotify(hr)
	hr.script("app.sh", NOTIFY_APP)
	hr.config("""
	    [start]
	    exec = @D@/app.sh
	    ready = notify
	    ready_timeout = 10s

	    [post_start:check]
	    exec = sh -c '%s'
	    """ % check)


def test_ready_notify_gates_post_start_and_relays_the_apps_status(hr):
	config_notify_app(hr, CHECK_READY +
	    '; echo "$${NOTIFY_SOCKET-unset}" > @D@/post.notify')
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		assert ln.wait("READY=1"), (ln, run.err())
		assert wait_for(lambda: "STATUS=serving" in ln.lines(), 5), ln
		own = hr.read("app.notify").strip()
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	assert hr.read("post") == "yes\n", "post_start ran before the app " \
	    "sent READY=1\n%r" % r
	# The app got hookrun's own socket, not systemd's; hooks got none.
	assert own not in ("", "unset", ln.address), own
	assert hr.read("post.notify") == "unset\n", r
	# Its STATUS= lines reach systemd, from hookrun; its READY=1 does
	# not: hookrun says READY=1 itself, once post_start is done.
	in_order(ln, "STATUS=warming up", "STATUS=post_start: check (attempt 1)",
	    "READY=1")
	assert ln.count("READY=1") == 1, ln
	assert_all_from(ln, r.pid)
	# The app's socket is gone with hookrun.
	path = own[1:] if own.startswith("@") else own
	assert own.startswith("@") or not os.path.exists(path), own


def test_ready_notify_works_without_systemd(hr):
	config_notify_app(hr, CHECK_READY)
	run = hr.start("-c", hr.cfg)
	assert wait_for(lambda: hr.read("post"), 10), run.err()
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r
	assert hr.read("post") == "yes\n", r


@pytest.mark.skipif(os.geteuid() != 0 or not os.access(PYTHON, os.X_OK),
    reason="needs root (user =) and %s" % PYTHON)
def test_ready_notify_app_running_as_another_user_can_notify(hr):
	# [start] user = nobody: the app must still be able to send READY=1
	# on the socket hookrun gives it (systemd's own is world-writable).
	hr.config("""
	    [start]
	    exec = %s -c 'import os, socket, time; a = os.environ["NOTIFY_SOCKET"]; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", "\\0" + a[1:] if a[0] == "@" else a); time.sleep(30)'
	    user = nobody
	    workdir = /
	    ready = notify
	    ready_timeout = 2s
	    """ % PYTHON)
	with listener(hr) as ln:
		run = hr.start("-c", hr.cfg, env={"NOTIFY_SOCKET": ln.address})
		ready = ln.wait("READY=1", 2.5)
		if ready:
			run.signal(signal.SIGTERM)
		r = run.wait()
	assert ready, (ln, r)
	assert r.rc == 143, r


def test_notify_and_watchdog_variables_reach_no_hook_and_no_app(hr):
	report = 'echo "$${NOTIFY_SOCKET-unset} $${WATCHDOG_USEC-unset} ' \
	    '$${WATCHDOG_PID-unset}" >> @D@/%s.env'
	hr.config("""
	    [pre_start:a]
	    exec = sh -c '%s'

	    [start]
	    exec = sh -c '%s; exec sleep 30'
	    ready = none

	    [post_start:b]
	    exec = sh -c '%s'

	    [pre_stop:c]
	    exec = sh -c '%s'

	    [post_stop:d]
	    exec = sh -c '%s'
	    """ % (report % "pre_start", report % "app", report % "post_start",
	    report % "pre_stop", report % "post_stop"))
	with listener(hr) as ln:
		run = launch(hr, ["-c", hr.cfg], pre="WATCHDOG_PID=$$; "
		    "export WATCHDOG_PID", env={"NOTIFY_SOCKET": ln.address,
		    "WATCHDOG_USEC": "30000000"})
		assert ln.wait("READY=1"), (ln, run.err())
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	for who in ("pre_start", "app", "post_start", "pre_stop", "post_stop"):
		assert hr.read(who + ".env") == "unset unset unset\n", (who, r)


def test_exec_probe_gets_no_notify_socket(hr):
	hr.config("""
	    [start]
	    exec = sleep 30
	    ready = exec:sh -c 'echo "$${NOTIFY_SOCKET-unset}" > @D@/probe.env'
	    """)
	with listener(hr) as ln:
		r = ready_then_term(hr, ln)
	assert hr.read("probe.env") == "unset\n", r


LISTEN_APP = """
import os, socket, stat, sys
d = sys.argv[1]
st = os.fstat(3)
s = socket.socket(fileno=os.dup(3))
with open(d + "/listen", "a") as f:
    f.write("%d %s %s %s %s %d\\n" % (os.getpid(),
        os.environ.get("LISTEN_PID"), os.environ.get("LISTEN_FDS"),
        os.environ.get("LISTEN_FDNAMES"), stat.S_ISSOCK(st.st_mode),
        s.getsockname()[1]))
if not os.path.exists(d + "/again"):
    open(d + "/again", "w").close()
    sys.exit(1)
"""


def test_listen_pid_is_set_to_the_apps_pid_on_every_start(hr):
	hr.script("app.py", LISTEN_APP, shebang="#!" + sys.executable)
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    restart = on-failure
	    restart_delay = 100ms

	    [start]
	    exec = @D@/app.py @D@
	    """)
	srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	try:
		srv.bind(("127.0.0.1", 0))
		srv.listen(4)
		port = srv.getsockname()[1]
		fd = srv.fileno()
		# Socket activation: the socket at descriptor 3, LISTEN_PID
		# naming whatever process systemd started (not the app).
		pre = "" if fd == 3 else "exec 3<&%d %d<&-" % (fd, fd)
		run = launch(hr, ["-c", hr.cfg], pre=pre, pass_fds=(fd,),
		    env={"LISTEN_FDS": "1", "LISTEN_PID": "4242",
		    "LISTEN_FDNAMES": "web"})
		r = run.wait()
	finally:
		srv.close()
	assert r.rc == 0, r
	lines = hr.lines("listen")
	assert lines is not None and len(lines) == 2, r
	pids = set()
	for line in lines:
		pid, lpid, nfds, names, issock, lport = line.split()
		assert lpid == pid, line
		assert (nfds, names, issock, int(lport)) == \
		    ("1", "web", "True", port), line
		pids.add(pid)
	assert len(pids) == 2, lines
