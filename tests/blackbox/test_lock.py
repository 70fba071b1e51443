# test_lock.py: lock = PATH and once across replicas, and hookrun's side of the lock = exec: protocol.

import os
import re
import resource
import signal
import time

import pytest

from conftest import alive, proc_stat, wait_for
from pid1util import python_app, read_pid
from lockutil import (count, hook_started, release_holder, replicas,
    start_holder, start_waiter, taken_over, work_hook)


def lock_config(hr, lock="@D@/locks/migrate", once=None, extra=""):
	"""A config whose pre_start hook is the work hook under lock."""
	work_hook(hr)
	os.makedirs(hr.path("locks"), exist_ok=True)
	hr.config("""
	    [hookrun]
	    kill_timeout = 1s

	    [pre_start:migrate]
	    exec = @D@/bin/work
	    lock = %s
	    %s
	    %s
	    """ % (lock, "once = %s" % once if once else "", extra),
	    hooks_dir=False)


def test_once_runs_the_hook_once_across_8_replicas(hr):
	lock_config(hr, once="${RELEASE}")
	runs = replicas(hr, 8, "-c", hr.cfg, "--only", "pre_start",
	    env={"RELEASE": "v1"})
	assert [r.rc for r in runs] == [0] * 8, runs
	assert count(hr, "ran") == 1, runs
	assert count(hr, "overlap") == 0, runs
	assert hr.lines("locks/migrate.once") == ["pre_start:migrate\tv1"]
	skipped = [r for r in runs if "once key 'v1' already recorded: "
	    "skipped" in r.err]
	assert len(skipped) == 7, runs

	# A new key runs it again, once.
	runs = replicas(hr, 3, "-c", hr.cfg, "--only", "pre_start",
	    env={"RELEASE": "v2"})
	assert [r.rc for r in runs] == [0] * 3, runs
	assert count(hr, "ran") == 2, runs
	assert hr.lines("locks/migrate.once") == ["pre_start:migrate\tv1",
	    "pre_start:migrate\tv2"]


def test_lock_without_once_runs_every_replica_one_at_a_time(hr):
	lock_config(hr)
	runs = replicas(hr, 8, "-c", hr.cfg, "--only", "pre_start")
	assert [r.rc for r in runs] == [0] * 8, runs
	assert count(hr, "ran") == 8, runs
	assert count(hr, "overlap") == 0, runs
	# Each start is followed by its own end.
	log = hr.lines("log")
	for i in range(0, len(log), 2):
		pid = log[i].split()[0]
		assert log[i:i + 2] == [pid + " start", pid + " end"], log
	assert not hr.exists("locks/migrate.once")


def test_waiter_names_the_holder_and_gets_the_lock_at_once_when_it_is_killed(hr):
	lock_config(hr, once="v1")
	a, holder_hook = start_holder(hr)
	b = start_waiter(hr, "waiting for lock")
	line = [l for l in b.err().splitlines() if "waiting for lock" in l][0]
	assert re.search(r"held by host \S+ pid %d since \d{4}-" % a.pid,
	    line), line

	a.signal(signal.SIGKILL)
	assert a.wait().rc == -signal.SIGKILL
	# Its hook dies with it, and the waiter runs the hook at once.
	assert taken_over(hr, holder_hook, 3.0), b.err()
	release_holder(hr)
	r = b.wait()
	assert r.rc == 0, r
	assert count(hr, "ran") == 1, r
	assert hr.lines("locks/migrate.once") == ["pre_start:migrate\tv1"], r


def test_failing_hook_records_nothing_and_runs_again(hr):
	lock_config(hr, once="v1")
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env={"HOOK_STATUS": "3"})
	assert r.rc == 3, r
	assert count(hr, "ran") == 1, r
	assert hr.read("locks/migrate.once") in (None, ""), r
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert count(hr, "ran") == 2, r
	assert hr.lines("locks/migrate.once") == ["pre_start:migrate\tv1"], r


def test_skipped_hook_does_not_apply_its_env_file_exports(hr):
	hr.config("""
	    [pre_start:secrets]
	    exec = sh -c 'echo TOKEN=abc >> $HOOKRUN_ENV_FILE; echo ran >> @D@/ran'
	    lock = @D@/lk
	    once = v1

	    [start]
	    exec = sh -c 'echo "token=$${TOKEN-unset}" > @D@/app'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app") == "token=abc\n", r
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert count(hr, "ran") == 1, r
	assert hr.read("app") == "token=unset\n", r


def test_lock_is_taken_for_each_attempt(hr):
	"""A retry takes the lock again, and checks once again."""
	hr.script("bin/flaky", """
	    n=$(cat @D@/n 2>/dev/null || echo 0)
	    echo $((n + 1)) > @D@/n
	    [ "$n" -ge 1 ]
	    """)
	hr.script("bin/helper", """
	    echo "$HOOKRUN_LOCK_KEY $HOOKRUN_ONCE" >> @D@/helper
	    echo locked
	    read word
	    echo "$word" >> @D@/helper
	    """)
	hr.config("""
	    [pre_start:migrate]
	    exec = @D@/bin/flaky
	    retries = 1
	    retry_delay = 10ms
	    lock = exec:@D@/bin/helper
	    once = v1
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert hr.lines("helper") == ["pre_start:migrate v1", "failure",
	    "pre_start:migrate v1", "success"], r


def test_lock_timeout_fails_the_attempt_with_124(hr):
	lock_config(hr, extra="lock_timeout = 300ms")
	a, holder_hook = start_holder(hr)
	# Twice: the first waiter must leave the holder's note alone.
	for _ in range(2):
		r = hr.run("-c", hr.cfg, "--only", "pre_start")
		assert r.rc == 124, r
		assert re.search(r"lock \S+/locks/migrate not acquired within "
		    r"300ms \(held by host \S+ pid %d since " % a.pid, r.err), r
		assert r.elapsed < 5, r
	release_holder(hr)
	assert a.wait().rc == 0
	assert count(hr, "ran") == 1


def test_term_while_waiting_for_the_lock_runs_nothing(hr):
	lock_config(hr)
	a, holder_hook = start_holder(hr)
	b = start_waiter(hr, "waiting for lock")
	t0 = time.monotonic()
	b.signal(signal.SIGTERM)
	r = b.wait()
	assert r.rc == 128 + signal.SIGTERM, r
	assert time.monotonic() - t0 < 2, r
	assert "stopped while waiting for the lock" in r.err, r
	assert hook_started(hr) == holder_hook, r
	release_holder(hr)
	assert a.wait().rc == 0
	assert count(hr, "ran") == 1


def test_deadline_during_the_lock_wait_ends_the_phase_with_124(hr):
	lock_config(hr)
	waiter = hr.write("waiter.ini", hr.read("hookrun.ini") +
	    "\n[pre_start]\ndeadline = 500ms\n")
	a, holder_hook = start_holder(hr)
	b = hr.run("-c", waiter, "--only", "pre_start")
	assert b.rc == 124, b
	assert "deadline 500ms passed" in b.err, b
	assert "stopped while waiting for the lock: not run" in b.err, b
	assert hook_started(hr) == holder_hook, b
	release_holder(hr)
	assert a.wait().rc == 0


def test_lock_directory_must_exist(hr):
	lock_config(hr, lock="@D@/nowhere/lk")
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "lock %s: directory %s: No such file or directory" % (
	    hr.path("nowhere", "lk"), hr.path("nowhere")) in r.err, r
	assert count(hr, "ran") == 0, r


def test_lock_descriptor_is_not_inherited(hr):
	hr.config("""
	    [pre_start:fds]
	    exec = sh -c 'ls -l /proc/$$$$/fd/ > @D@/fds'
	    lock = @D@/lk
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	fds = hr.read("fds")
	assert fds and "/dev/null" in fds and hr.path("lk") not in fds, fds


def test_dry_run_shows_whether_the_once_key_is_recorded(hr):
	lock_config(hr, once="v1")
	r = hr.run("-n", "-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert 'once: "v1" (not recorded: the hook will run)' in r.out, r
	assert not hr.exists("locks/migrate"), "a dry run made the lock file"
	assert hr.run("-c", hr.cfg, "--only", "pre_start").rc == 0
	r = hr.run("-n", "-c", hr.cfg, "--only", "pre_start")
	assert 'once: "v1" (recorded: the hook will be skipped)' in r.out, r


def test_dry_run_says_an_exec_lock_record_is_unknown(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = true
	    lock = exec:true
	    once = v1
	    """, hooks_dir=False)
	r = hr.run("-n", "-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert 'once: "v1" (recorded: unknown' in r.out, r


# lock = exec:COMMAND, with sh scripts as the lock command.

def exec_config(hr, helper_body, hook="echo ran >> @D@/ran", extra=""):
	hr.script("bin/helper", helper_body)
	hr.script("bin/hook", hook)
	hr.config("""
	    [hookrun]
	    kill_timeout = 1s

	    [pre_start:migrate]
	    exec = @D@/bin/hook
	    lock = exec:@D@/bin/helper
	    once = v1
	    %s
	    """ % extra, hooks_dir=False)


def test_exec_lock_runs_hook_between_locked_and_success(hr):
	exec_config(hr, """
	    echo "key=$HOOKRUN_LOCK_KEY once=$HOOKRUN_ONCE" >> @D@/helper
	    echo "can write to stderr" >&2
	    echo locked
	    read word
	    echo "$word ran=$(cat @D@/ran)" >> @D@/helper
	    """)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert hr.lines("helper") == ["key=pre_start:migrate once=v1",
	    "success ran=ran"], r
	assert "can write to stderr" in r.err, r


def test_exec_lock_pipes_are_not_inherited_by_the_hook(hr):
	exec_config(hr, """
	    fds=$(readlink /proc/$$/fd/0 /proc/$$/fd/1)
	    echo "$fds" > @D@/helper-fds
	    echo locked
	    cat > /dev/null
	    """, hook="ls -l /proc/$$/fd/ > @D@/fds")
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	pipes = hr.lines("helper-fds")
	assert len(pipes) == 2 and all(p.startswith("pipe:") for p in pipes), \
	    pipes
	fds = hr.read("fds")
	assert not any(p in fds for p in pipes), fds


def test_exec_lock_done_skips_the_hook(hr):
	exec_config(hr, """
	    echo done
	    cat > @D@/after-done
	    """)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert count(hr, "ran") == 0, r
	assert hr.read("after-done") == "", r
	assert "once key 'v1' already recorded: skipped" in r.err, r


def test_exec_lock_failing_hook_sends_failure(hr):
	exec_config(hr, """
	    echo locked
	    read word
	    echo "$word" >> @D@/helper
	    """, hook="exit 3")
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 3, r
	assert hr.lines("helper") == ["failure"], r


def test_exec_lock_unexpected_answer_fails_with_69(hr):
	exec_config(hr, """
	    echo 'hello there'
	    sleep 10
	    """)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "lock command (pid" in r.err and "said 'hello there', " \
	    "expected 'locked' or 'done'" in r.err, r
	assert count(hr, "ran") == 0, r
	assert r.elapsed < 5, r


def test_exec_lock_command_dying_before_answering_fails_with_69(hr):
	exec_config(hr, "exit 3")
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "lock command exited with status 3 before answering" in r.err, r
	assert count(hr, "ran") == 0, r


def test_exec_lock_command_not_found_fails_with_69(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = true
	    lock = exec:@D@/missing-helper
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "lock command: exec %s: No such file or directory" % \
	    hr.path("missing-helper") in r.err, r


def test_exec_lock_that_never_answers_times_out_with_124(hr):
	exec_config(hr, "exec sleep 30", extra="lock_timeout = 300ms")
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 124, r
	assert "did not answer within 300ms: sending TERM" in r.err, r
	assert r.elapsed < 5, r
	assert count(hr, "ran") == 0, r


def test_exec_lock_lost_while_the_hook_runs_stops_the_hook(hr):
	exec_config(hr, """
	    echo locked
	    while [ ! -e @D@/hookpid ]; do sleep 0.02; done
	    exit 5
	    """, hook="""
	    echo $$ > @D@/hookpid
	    exec sleep 30
	    """)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "exited with status 5 while the hook ran: the lock is lost" \
	    in r.err, r
	assert "failed with status 69" in r.err, r
	assert r.elapsed < 5, r
	assert not alive(int(hr.read("hookpid"))), r


def test_exec_lock_failing_after_success_keeps_the_success(hr):
	exec_config(hr, """
	    echo locked
	    read word
	    exit 4
	    """)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert "exited with status 4 after 'success': once key 'v1' may not " \
	    "be recorded" in r.err, r
	assert count(hr, "ran") == 1, r


def test_term_while_an_exec_lock_is_waited_for_stops_the_command(hr):
	exec_config(hr, """
	    echo $$ > @D@/helperpid
	    exec sleep 30
	    """)
	b = hr.start("-c", hr.cfg, "--only", "pre_start")
	assert wait_for(lambda: hr.exists("helperpid")), b.wait()
	helper = int(hr.read("helperpid"))
	b.signal(signal.SIGTERM)
	r = b.wait()
	assert r.rc == 128 + signal.SIGTERM, r
	assert "stopped while waiting for the lock" in r.err, r
	assert wait_for(lambda: not alive(helper), 3.0), r
	assert count(hr, "ran") == 0, r


def test_exec_lock_command_dies_with_hookrun(hr):
	exec_config(hr, """
	    echo $$ > @D@/helperpid
	    echo locked
	    exec sleep 30
	    """, hook="""
	    echo $$ > @D@/hookpid
	    exec sleep 30
	    """)
	a = hr.start("-c", hr.cfg, "--only", "pre_start")
	assert wait_for(lambda: hr.exists("hookpid")), a.wait()
	helper, hook = int(hr.read("helperpid")), int(hr.read("hookpid"))
	a.signal(signal.SIGKILL)
	assert a.wait().rc == -signal.SIGKILL
	assert wait_for(lambda: not alive(helper) and not alive(hook), 3.0)


def plain_core_pattern():
	"""The core_pattern when cores go to a file named by it in the dumping
	process's directory ("core"), else None."""
	with open("/proc/sys/kernel/core_pattern") as f:
		pattern = f.read().strip()
	if not pattern or pattern[0] == "|" or "/" in pattern:
		return None
	return pattern.split("%")[0]


def test_guard_of_a_locked_hook_leaves_no_core_of_its_own(hr):
	# The guard ends as its hook did, by the same signal, so that hookrun
	# logs the same; it must not dump a core of its own while at it (it
	# would say nothing of the hook and could overwrite the hook's).
	prefix = plain_core_pattern()
	if prefix is None:
		pytest.skip("core_pattern does not write a file in the cwd")
	os.mkdir(hr.path("work"))
	hr.config("""
	    [pre_start:crash]
	    exec = sh -c 'ulimit -c 0; kill -SEGV $$$$'
	    lock = @D@/lock
	    workdir = @D@/work

	    [start]
	    exec = true
	    """)
	def cores_on():
		resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,
		    resource.RLIM_INFINITY))
	r = hr.start("-c", hr.cfg, preexec_fn=cores_on).wait()
	assert r.rc == 128 + signal.SIGSEGV, r
	assert "crash: killed by signal SEGV" in r.err, r
	assert [f for f in os.listdir(hr.path("work"))
	    if f.startswith(prefix)] == [], r


# A lock command that leaves its process group for hookrun's own, ignores
# TERM, and never exits, even once its stdin is closed.
LOCK_ESCAPER = r"""
import os, signal, sys, time
os.setpgid(0, os.getpgid(os.getppid()))
signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open("@D@/helper.pid", "w") as f:
	f.write("%d\n" % os.getpid())
sys.stdout.write("locked\n")
sys.stdout.flush()
sys.stdin.read()
time.sleep(60)
"""


def test_lock_command_that_left_its_group_is_killed_not_waited_for(hr):
	python_app(hr, "bin/helper", LOCK_ESCAPER)
	hr.config("""
	    [hookrun]
	    kill_timeout = 1s

	    [pre_start:migrate]
	    exec = sleep 30
	    timeout = 1s
	    lock = exec:@D@/bin/helper

	    [start]
	    exec = touch @D@/app
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 124, r
	assert not hr.exists("app"), r
	assert not alive(int(hr.read("helper.pid"))), r


def test_lost_lock_kills_the_hook_at_once_without_a_grace(hr):
	# Another replica may hold the lock the moment it is lost: the hook,
	# which ignores TERM, gets no kill_timeout (30 s) to go on with.
	hr.script("bin/helper", """
	    echo locked
	    while [ ! -e @D@/hookpid ]; do sleep 0.02; done
	    exit 5
	    """)
	hr.script("bin/hook", """
	    trap '' TERM
	    echo $$ > @D@/hookpid
	    while :; do sleep 0.05; done
	    """)
	hr.config("""
	    [hookrun]
	    kill_timeout = 30s

	    [pre_start:migrate]
	    exec = @D@/bin/hook
	    lock = exec:@D@/bin/helper
	    """, hooks_dir=False)
	run = hr.start("-c", hr.cfg, "--only", "pre_start")
	assert wait_for(lambda: hr.exists("hookpid"), 10), run.err()
	pid = int(hr.read("hookpid"))
	assert wait_for(lambda: not alive(pid), 10), run.err()
	r = run.wait()
	assert r.rc == 69, r
	assert "the lock is lost" in r.err, r
	assert "sending KILL to process group" in r.err, r


def fd_targets(pid):
	"""What the open descriptors of pid name."""
	out = []
	for n in os.listdir("/proc/%d/fd" % pid):
		try:
			out.append(os.readlink("/proc/%d/fd/%s" % (pid, n)))
		except OSError:
			pass
	return out


@pytest.mark.skipif(os.geteuid() != 0, reason="reads another user's /proc")
def test_guard_holds_the_lock_file_too_and_keeps_it_from_the_hook(hr):
	# Should hookrun die, its lock must not drop before the guard has
	# killed the hook's group: the guard holds the lock's descriptor too.
	# The hook (user nobody here) neither gets it nor can take it: the
	# guard's /proc entries are root's.
	os.makedirs(hr.path("locks"))
	hr.config("""
	    [pre_start:migrate]
	    exec = sleep 30
	    user = nobody
	    lock = @D@/locks/migrate
	    timeout = 60s

	    [start]
	    exec = true
	    """)
	run = hr.start("-c", hr.cfg)
	# hookrun names the guard's pid; the hook is its child.
	started = wait_for(lambda: re.search(r"migrate: started \(pid (\d+)",
	    run.err()))
	assert started, run.err()
	guard = int(started.group(1))
	kids = wait_for(lambda: open("/proc/%d/task/%d/children" % (guard,
	    guard)).read().split())
	assert kids, run.err()
	hook = int(kids[0])
	assert int(proc_stat(hook)[2]) == guard, "the guard leads the group"
	lock = hr.path("locks", "migrate")
	assert lock in fd_targets(guard), fd_targets(guard)
	assert lock not in fd_targets(hook), fd_targets(hook)
	assert os.stat("/proc/%d/fd" % guard).st_uid == 0
	run.signal(signal.SIGKILL)
	run.popen.wait(10)
	assert wait_for(lambda: not alive(hook) and not alive(guard)), \
	    (hook, guard)
