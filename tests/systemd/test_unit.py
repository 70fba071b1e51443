# test_unit.py: hookrun under a real systemd (252, PID 1 in systemd-nspawn), through the
# shipped conf/hookrun.service: Type=notify, NotifyAccess=main, KillMode=mixed, WatchdogSec=,
# ExecReload=, with a drop-in per case (conftest.Case). /t/bin/hook and /t/bin/app record
# what they see in the case's events file.

import re
import time

from conftest import wait_for

LIFECYCLE = """
    [pre_start:migrate]
    exec = /t/bin/hook

    [start]
    exec = /t/bin/app

    [post_start:warm]
    exec = /t/bin/hook 1

    [pre_stop:drain]
    exec = /t/bin/hook

    [post_stop:report]
    exec = /t/bin/hook
    """


def field(event, key):
	"""KEY=value of an event line; text= is the rest of the line."""
	if key == "text":
		return event.split(" text=", 1)[1]
	for word in event.split():
		if word.startswith(key + "="):
			return word[len(key) + 1:]
	raise AssertionError("no %s= in %r" % (key, event))


def test_start_returns_only_once_post_start_is_done(case):
	c = case(LIFECYCLE)
	rc, took = c.start()
	assert rc == 0, c
	# READY=1 came after post_start: systemctl start waited for it.
	assert c.event("post_start:warm done"), c
	assert field(c.event("post_start:warm alive"), "state") == \
	    "activating/start", c
	assert field(c.event("pre_start:migrate"), "state") == \
	    "activating/start", c
	assert c.show("ActiveState") == "active", c
	assert took >= 1, took


def test_status_follows_each_step(case):
	c = case(LIFECYCLE)
	assert c.start()[0] == 0, c
	assert c.show("StatusText") == "running", c
	c.stop()
	for prefix, text in (
	    ("pre_start:migrate ", "pre_start: migrate (attempt 1)"),
	    ("post_start:warm ", "post_start: warm (attempt 1)"),
	    ("pre_stop:drain ", "pre_stop: drain (attempt 1)"),
	    ("post_stop:report ", "post_stop: report (attempt 1)")):
		assert field(c.event(prefix), "text") == text, c


def test_hooks_and_the_app_see_no_notify_socket_nor_watchdog(case):
	c = case(LIFECYCLE)
	assert c.start()[0] == 0, c
	# systemd did give them to hookrun (the unit asks for a watchdog).
	pid = c.show("MainPID")
	env = c.m.inside("cat", "/proc/%s/environ" % pid).stdout.split("\0")
	assert "WATCHDOG_USEC=60000000" in env, env
	assert [v for v in env if v.startswith("NOTIFY_SOCKET=")], env
	c.stop()
	events = [e for e in c.events() if "notify=" in e]
	assert len(events) == 5, c
	for e in events:
		assert field(e, "notify") == "unset", e
		assert field(e, "watchdog") == "unset", e


def test_watchdog_keeps_the_unit_up_while_the_app_lives(case):
	c = case(LIFECYCLE, """
	    [Service]
	    WatchdogSec=1s
	    """)
	t0 = time.monotonic()
	assert c.start()[0] == 0, c
	seen = set()

	def pinged():
		seen.add(c.show("WatchdogTimestampMonotonic"))
		assert c.show("ActiveState") == "active", c
		return len(seen) >= 6 and time.monotonic() - t0 >= 3
	# Pings every 0.5 s: 6 different ping times within 3 s and more.
	assert wait_for(pinged, 10, 0.1), (seen, c)
	assert c.show("Result") == "success", c
	c.stop()
	assert c.exit() == ("success", "exited", "0"), c


def test_reload_sends_hup_to_the_app(case):
	c = case(LIFECYCLE)
	assert c.start()[0] == 0, c
	c.m.systemctl("reload", c.unit)
	c.wait_event("app HUP")
	assert c.show("ActiveState") == "active", c


def test_stop_runs_pre_stop_with_the_app_up_then_term_then_post_stop(case):
	c = case(LIFECYCLE)
	assert c.start()[0] == 0, c
	c.stop()
	assert c.index("pre_stop:drain ") < c.index("app TERM") < \
	    c.index("post_stop:report "), c
	assert field(c.event("pre_stop:drain "), "alive") == "yes", c
	assert field(c.event("post_stop:report "), "status") == "0", c
	assert c.exit() == ("success", "exited", "0"), c


def test_a_failing_pre_start_fails_the_start_with_its_status(case):
	c = case("""
	    [pre_start:migrate]
	    exec = /t/bin/hook 0 3

	    [start]
	    exec = /t/bin/app

	    [post_stop:report]
	    exec = /t/bin/hook
	    """)
	rc, _ = c.start()
	assert rc != 0, c
	assert c.exit() == ("exit-code", "exited", "3"), c
	assert not c.event("app start"), c
	assert c.event("post_stop:report"), c
	want = "pre_start: migrate failed (status 3): not starting the app"
	assert c.show("StatusText") == want, c
	assert c.show("ActiveState") == "failed", c
	assert c.show("ExecMainStatus") == "3", c
	assert 'Status: "%s"' % want in c.status(), c.status()


def test_journal_priorities(case):
	c = case("""
	    [pre_start:flaky]
	    exec = sh -c 'echo trying; test -e @C@/tried || { touch @C@/tried; exit 1; }'
	    retries = 1
	    retry_delay = 100ms

	    [start]
	    exec = /t/bin/app
	    """)
	assert c.start()[0] == 0, c
	c.stop()
	entries = c.journal()
	by = {}
	for e in entries:
		by.setdefault(e.get("MESSAGE", ""), []).append(e.get("PRIORITY"))

	def priority(pattern):
		got = [p for m, ps in by.items() if re.search(pattern, m)
		    for p in ps]
		assert got, (pattern, sorted(by))
		return got
	assert set(priority(r"^hookrun: pre_start:flaky: started")) == {"6"}
	assert set(priority(r"^hookrun: pre_start:flaky: failed with status 1")) \
	    == {"3"}
	assert set(priority(r"^hookrun: pre_start:flaky: retrying in")) == {"4"}
	assert set(priority(r"^\[pre_start:flaky\] trying$")) == {"6"}
	assert not [m for m in by if re.match(r"<\d>", m)], sorted(by)


def test_extensions_carry_a_long_hook_and_the_ready_wait_past_the_start_timeout(
    case):
	# Issue 10's start: systemd's deadline after a long pre_start hook was
	# that hook's extension, and the ready wait that followed outlived it.
	c = case("""
	    [hookrun]
	    kill_timeout = 1s

	    [pre_start:long]
	    exec = sleep 5
	    timeout = 6s

	    [start]
	    exec = python3 -c 'import socket, time; time.sleep(2); s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 18001)); s.listen(); time.sleep(600)'
	    ready = tcp:127.0.0.1:18001
	    ready_timeout = 4s
	    """, """
	    [Service]
	    TimeoutStartSec=5s
	    """)
	rc, took = c.start()
	assert rc == 0, c
	assert took >= 6.5, took
	assert c.show("ActiveState") == "active", c
	assert c.show("Result") == "success", c


def test_extensions_carry_a_post_start_hook_without_timeout(case):
	c = case("""
	    [start]
	    exec = /t/bin/app

	    [post_start:warm]
	    exec = /t/bin/hook 4
	    timeout = 0
	    """, """
	    [Service]
	    TimeoutStartSec=2s
	    """)
	rc, took = c.start()
	assert rc == 0, c
	assert took >= 4, took
	assert c.event("post_start:warm done"), c
	assert c.show("ActiveState") == "active", c


def test_extensions_carry_pre_stop_the_stop_timeout_and_post_stop(case):
	# Issue 10's stop: a long pre_stop hook, then an app that needs 2.2 s
	# after TERM, within stop_timeout; systemd's KILL at the end of the
	# hook's extension cut the app short, and post_stop never ran.
	c = case("""
	    [hookrun]
	    kill_timeout = 1s
	    stop_timeout = 3s

	    [start]
	    exec = /t/bin/app

	    [pre_stop:drain]
	    exec = sleep 4.5
	    timeout = 5s

	    [post_stop:report]
	    exec = /t/bin/hook
	    """, """
	    [Service]
	    TimeoutStopSec=4.5s
	    Environment=TERM_DELAY=2.2
	    """)
	assert c.start()[0] == 0, c
	took = c.stop()
	assert took >= 6.5, took
	assert c.exit() == ("success", "exited", "0"), c
	assert c.index("app TERM done") < c.index("post_stop:report "), c
	assert field(c.event("post_stop:report "), "status") == "0", c


def test_stopping_is_sent_when_the_app_exits_by_itself(case):
	c = case("""
	    [start]
	    exec = /t/bin/app 1

	    [post_stop:report]
	    exec = /t/bin/hook
	    """)
	assert c.start()[0] == 0, c
	assert c.exit() == ("success", "exited", "0"), c
	# While post_stop ran, systemd knew the service was on its way down.
	assert field(c.event("post_stop:report "), "state") == \
	    "deactivating/stop-sigterm", c


NOTIFY_APP = """\
#!/bin/sh
systemd-notify --status="warming up"
i=0
while [ $i -lt 50 ]; do
	t=$(systemctl show --value -p StatusText "$UNIT")
	[ "$t" = "warming up" ] && break
	i=$((i + 1))
	sleep 0.1
done
echo "app saw=$t notify=$NOTIFY_SOCKET" >>"$CASE/events"
systemd-notify --ready --status=serving
exec sleep 600
"""


def test_ready_notify_relays_the_apps_status(case):
	c = case("""
	    [start]
	    exec = @C@/app
	    ready = notify
	    ready_timeout = 20s
	    """)
	c.write("app", NOTIFY_APP, 0o755)
	rc, _ = c.start()
	assert rc == 0, c
	e = c.event("app saw=")
	assert e and e.startswith("app saw=warming up notify="), c
	# The app's socket is hookrun's own, not systemd's.
	assert "/run/systemd/notify" not in e, e
	assert wait_for(lambda: c.show("StatusText") == "serving", 5), c
	c.stop()


LISTEN_APP = """\
#!/usr/bin/python3
import os, socket, stat, sys, time
d = os.environ["CASE"]
st = os.fstat(3)
with open(d + "/listen", "a") as f:
    f.write("%d %s %s %s\\n" % (os.getpid(), os.environ.get("LISTEN_PID"),
        os.environ.get("LISTEN_FDS"), stat.S_ISSOCK(st.st_mode)))
if not os.path.exists(d + "/again"):
    open(d + "/again", "w").close()
    sys.exit(1)
time.sleep(600)
"""


def test_socket_activation_gives_the_app_its_fd_also_after_a_restart(case):
	c = case("""
	    [hookrun]
	    restart = on-failure
	    restart_delay = 100ms

	    [start]
	    exec = @C@/app.py
	    """, units={"@U@.socket": """
	    [Socket]
	    ListenStream=127.0.0.1:18002
	    """})
	c.write("app.py", LISTEN_APP, 0o755)
	c.m.systemctl("start", c.unit[:-len(".service")] + ".socket")
	assert c.start()[0] == 0, c
	assert wait_for(lambda: len((c.read("listen") or "").split("\n")) > 2,
	    10), c
	lines = c.read("listen").splitlines()
	assert len(lines) == 2, lines
	pids = set()
	for line in lines:
		pid, lpid, nfds, issock = line.split()
		assert lpid == pid, line
		assert (nfds, issock) == ("1", "True"), line
		pids.add(pid)
	assert len(pids) == 2, lines
	c.stop()
	c.m.systemctl("stop", c.unit[:-len(".service")] + ".socket")
