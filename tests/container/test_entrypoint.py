# test_entrypoint.py: hookrun as a container's ENTRYPOINT, PID 1, on podman with runc: the
# image made from scratch (conftest.py), its hooks and app in image/.

import os
import pty
import select
import signal
import subprocess
import time

from conftest import engine_env, podman, wait_for

# The events of a whole run, as /app/hook and /app/app record them.
PRE = "pre_start:migrate "
PRE_DIR = "pre_start:50-from-dir "
POST_START = "post_start:warm "
PRE_STOP = "pre_stop:drain "
POST_STOP = "post_stop:report "


def field(event, key):
	"""The value of KEY=... in an event line."""
	for word in event.split():
		if word.startswith(key + "="):
			return word[len(key) + 1:]
	raise AssertionError("no %s= in %r" % (key, event))


def ready(box):
	"""Waits until the app runs and post_start is done."""
	box.wait_event("app ready")
	box.wait_event(POST_START)


def stop(box, t):
	"""podman stop -t T; returns how long it took."""
	t0 = time.monotonic()
	podman("stop", "--time", t, box.name, timeout=t + 60)
	return time.monotonic() - t0


def test_hookrun_is_pid_1_and_the_app_its_child(box):
	box.start()
	ready(box)
	app = box.has("app start")
	assert field(app, "pid1") == "hookrun", box
	assert field(app, "ppid") == "1", box
	assert box.inspect("{{.State.Pid}}") != "0"
	# And from outside: PID 1 of the container is hookrun.
	procs = box.procs()
	assert procs[1] == "S", procs
	comm = podman("exec", box.name, "cat", "/proc/1/comm").stdout.strip()
	assert comm == "hookrun"


def test_pre_start_hooks_configured_then_hooks_dir_run_before_the_app(box):
	box.start()
	ready(box)
	assert box.index(PRE) < box.index(PRE_DIR) < box.index("app start"), box
	# No app yet while pre_start ran; it ran when post_start did (with
	# ready = none, as soon as it was started).
	assert field(box.has(PRE), "app") == "", box
	assert field(box.has(POST_START), "alive") == "yes", box


def zombies(procs):
	return sorted(p for p, s in procs.items() if s == "Z")


def test_no_zombie_is_left_by_orphans_of_the_app_and_of_a_hook(box, image,
    tmp_path):
	# Control first: a PID 1 that does not reap keeps its orphan as a
	# zombie, and the probe sees it. Without this, "no zombie" could
	# mean a probe that sees none.
	from conftest import Box
	ctl = Box(image, tmp_path / "control")
	try:
		ctl.start(entrypoint="/app/noreap")
		assert wait_for(lambda: ctl.orphans(), 10), ctl
		orphan = ctl.orphans()[0]
		assert wait_for(lambda: ctl.procs().get(orphan) == "Z", 10), \
		    (ctl.procs(), ctl)
		assert zombies(ctl.procs()) == [orphan]
	finally:
		ctl.remove()

	box.start(env={"ORPHAN": "pre_start:migrate app post_start:warm"})
	ready(box)
	assert wait_for(lambda: len(box.orphans()) == 3, 10), box
	orphans = box.orphans()
	# Each is reaped once it exits: gone, never a zombie.
	assert wait_for(lambda: not set(orphans) & set(box.procs()), 10), \
	    (orphans, box.procs())
	assert zombies(box.procs()) == [], box.procs()


def test_a_signal_from_the_engine_reaches_the_app(box):
	box.start()
	ready(box)
	podman("kill", "--signal", "HUP", box.name)
	box.wait_event("app HUP")
	assert box.inspect("{{.State.Running}}") == "true"


def test_stop_runs_pre_stop_with_the_app_up_then_term_then_post_stop(box):
	box.start(env={"TERM_EXIT": "7"})
	ready(box)
	took = stop(box, 10)
	assert box.wait() == 7, box
	# Inside the engine's grace: hookrun ended it, not the engine's KILL.
	assert took < 10, took
	assert box.index(PRE_STOP) < box.index("app TERM") < \
	    box.index(POST_STOP), box
	assert field(box.has(PRE_STOP), "alive") == "yes", box
	assert field(box.has(POST_STOP), "status") == "7", box
	assert box.has("post_stop:50-from-dir "), box


def test_another_command_runs_between_the_hooks(box):
	rc, out = box.run("sh", "-c", "echo other >>/out/events; exit 4")
	assert rc == 4, (out, box)
	assert box.index(PRE_DIR) < box.index("other") < box.index(POST_STOP), box
	assert field(box.has(POST_STOP), "status") == "4", box
	assert not box.has("app start"), box


def test_a_failing_pre_start_hook_gives_its_status_and_no_app(box):
	rc, out = box.run(env={"FAIL": "pre_start:migrate", "FAIL_STATUS": "3"})
	assert rc == 3, (out, box)
	assert not box.has("app start"), box
	assert not box.has(PRE_DIR), box
	assert field(box.has(POST_STOP), "status") == "", box
	assert "hook migrate failed: not starting the app" in out, out


def test_an_app_ignoring_term_is_killed_at_stop_timeout(box):
	box.start(env={"IGNORE_TERM": "1", "STOP_TIMEOUT": "2s"})
	ready(box)
	took = stop(box, 30)
	assert box.wait() == 137, box
	# hookrun's KILL after 2 s, long before the engine's at 30 s: and
	# post_stop still ran, which the engine's KILL would have prevented.
	assert took < 25, took
	assert field(box.has(POST_STOP), "status") == "137", box
	assert "sending KILL" in box.logs(), box


def test_a_stop_during_pre_start_exits_143_and_starts_no_app(box):
	box.start(env={"HANG": "pre_start:migrate"})
	box.wait_event("pre_start:migrate hanging")
	took = stop(box, 20)
	assert box.wait() == 143, box
	assert took < 15, took
	assert not box.has("app start"), box
	assert box.has(POST_STOP), box


def test_a_missing_app_exits_127(box):
	rc, out = box.run("/app/no-such-app")
	assert rc == 127, (out, box)
	assert "No such file or directory" in out, out
	assert box.has(POST_STOP), box


def test_only_pre_start_runs_its_hooks_and_no_app(box):
	rc, out = box.run(entrypoint='["/usr/local/bin/hookrun", "-c", '
	    '"/etc/hookrun.ini", "--only", "pre_start"]')
	assert rc == 0, (out, box)
	assert box.index(PRE) < box.index(PRE_DIR), box
	assert not box.has("app"), box
	assert not box.has(POST_STOP), box
	rc, out = box.run(entrypoint='["/usr/local/bin/hookrun", "-c", '
	    '"/etc/hookrun.ini", "--only", "pre_start"]',
	    env={"FAIL": "pre_start:50-from-dir", "FAIL_STATUS": "5"})
	assert rc == 5, (out, box)


def test_user_1000_runs_hookrun_its_hooks_and_the_app_as_1000(box):
	box.start(user="1000:1000", env={"TERM_EXIT": "0"})
	ready(box)
	stop(box, 10)
	assert box.wait() == 0, box
	for prefix in (PRE, PRE_DIR, "app start", POST_START, PRE_STOP,
	    POST_STOP):
		assert field(box.has(prefix), "uid") == "1000", (prefix, box)
	assert podman("inspect", "--format", "{{.Config.User}}",
	    box.name).stdout.strip() == "1000:1000"


def test_run_it_ctrl_c_reaches_the_app(box):
	# podman run -it on a terminal of our own: the app gets the
	# terminal's foreground inside the container, so the INT of Ctrl-C
	# goes to it, as to an app run without hookrun.
	master, slave = pty.openpty()
	argv = ["podman", "run", "-it"] + box.args() + [box.image]

	def child():
		os.setsid()
		import fcntl
		import termios
		fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

	box.started = True
	p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
	    env=engine_env(), preexec_fn=child, close_fds=True)
	os.close(slave)
	out = b""
	try:
		ok = wait_for(lambda: box.has(POST_START), 30)
		assert ok, box
		os.write(master, b"\x03")
		end = time.monotonic() + 30
		while p.poll() is None and time.monotonic() < end:
			r, _, _ = select.select([master], [], [], 0.2)
			if r:
				try:
					out += os.read(master, 4096)
				except OSError:
					break
		rc = p.wait(30)
	finally:
		if p.poll() is None:
			p.send_signal(signal.SIGKILL)
			p.wait()
		os.close(master)
	assert rc == 130, (rc, out, box)
	assert box.index("app INT") < box.index(POST_STOP), box
	assert field(box.has(POST_STOP), "status") == "130", box
	assert not box.has(PRE_STOP), box
