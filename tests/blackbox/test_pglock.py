# test_pglock.py: lock = exec:hookrun-pglock against a PostgreSQL server of the suite's own.

import os
import re
import signal
import subprocess

import pytest

from conftest import alive
from lockutil import (PGBIN, PGLOCK, PgServer, count, release_holder,
    replicas, start_holder, start_waiter, taken_over, work_hook)


@pytest.fixture(scope="session")
def pg():
	if not os.access(os.path.join(PGBIN, "initdb"), os.X_OK):
		pytest.skip("PostgreSQL server binaries absent (%s/initdb): "
		    "apt-get install postgresql" % PGBIN)
	if not os.access(PGLOCK, os.X_OK):
		if subprocess.run(["pkg-config", "--exists", "libpq"]).returncode:
			pytest.skip("no libpq, so no %s (apt-get install "
			    "libpq-dev, then make)" % PGLOCK)
		pytest.fail("no %s although libpq is there: run make" % PGLOCK)
	server = PgServer()
	try:
		yield server
	finally:
		server.stop()


def pg_config(hr, name, once=None, extra=""):
	"""A config whose pre_start hook NAME (lock key pre_start:NAME) is the
	work hook under hookrun-pglock."""
	work_hook(hr)
	hr.config("""
	    [hookrun]
	    kill_timeout = 1s

	    [pre_start:%s]
	    exec = @D@/bin/work
	    lock = exec:%s
	    %s
	    %s
	    """ % (name, PGLOCK, "once = %s" % once if once else "", extra),
	    hooks_dir=False)


def test_pglock_runs_the_hook_once_across_8_replicas(hr, pg):
	pg_config(hr, "replicas", once="${RELEASE}")
	env = dict(pg.env(), RELEASE="v1")
	runs = replicas(hr, 8, "-c", hr.cfg, "--only", "pre_start", env=env)
	assert [r.rc for r in runs] == [0] * 8, runs
	assert count(hr, "ran") == 1, runs
	assert count(hr, "overlap") == 0, runs
	assert pg.once_keys("pre_start:replicas") == ["v1"]

	env["RELEASE"] = "v2"
	runs = replicas(hr, 3, "-c", hr.cfg, "--only", "pre_start", env=env)
	assert [r.rc for r in runs] == [0] * 3, runs
	assert count(hr, "ran") == 2, runs
	assert pg.once_keys("pre_start:replicas") == ["v1", "v2"]


def test_pglock_without_once_runs_every_replica_one_at_a_time(hr, pg):
	pg_config(hr, "serial")
	runs = replicas(hr, 8, "-c", hr.cfg, "--only", "pre_start",
	    env=pg.env())
	assert [r.rc for r in runs] == [0] * 8, runs
	assert count(hr, "ran") == 8, runs
	assert count(hr, "overlap") == 0, runs


def test_pglock_killed_holder_lets_the_next_replica_do_the_work(hr, pg):
	pg_config(hr, "killed", once="v1")
	a, holder_hook = start_holder(hr, env=pg.env())
	b = start_waiter(hr, "waiting for advisory lock", env=pg.env())
	assert re.search(r"held by backend pid \d+, application "
	    r"'hookrun-pglock \S+ \d+'", b.err()), b.err()

	a.signal(signal.SIGKILL)
	assert taken_over(hr, holder_hook, 5.0), b.err()
	release_holder(hr)
	r = b.wait()
	assert r.rc == 0, r
	assert count(hr, "ran") == 1, r
	assert pg.once_keys("pre_start:killed") == ["v1"]


def test_pglock_server_restart_stops_the_holder_and_records_nothing(hr, pg):
	pg_config(hr, "restart", once="v1")
	retrying = hr.write("retrying.ini", hr.read("hookrun.ini").replace(
	    "once = v1", "once = v1\nretries = 5\nretry_delay = 300ms"))
	a, holder_hook = start_holder(hr, env=pg.env())
	b = start_waiter(hr, "waiting for advisory lock", env=pg.env())
	c = start_waiter(hr, "waiting for advisory lock", env=pg.env(),
	    cfg=retrying)

	pg.restart()
	ra = a.wait()
	assert ra.rc == 69, ra
	assert "hookrun-pglock: pre_start:restart: lost the connection to " \
	    "127.0.0.1 port %d" % pg.port in ra.err, ra
	assert "the lock is lost" in ra.err, ra
	assert not alive(holder_hook), ra
	# The waiter's wait is cut too (or, should its backend get the lock
	# in the moment before it is told to go, its hook is): it fails,
	# cleanly.
	rb = b.wait()
	assert rb.rc == 69, rb
	assert "terminating connection" in rb.err or "lost the connection" \
	    in rb.err, rb
	assert count(hr, "ran") == 0
	assert pg.once_keys("pre_start:restart") == []

	# The waiter with retries takes the lock again once the server is
	# back, and does the work; a later run finds it done.
	release_holder(hr)
	rc = c.wait()
	assert rc.rc == 0, rc
	assert "retrying in" in rc.err, rc
	assert count(hr, "ran") == 1, rc
	assert pg.once_keys("pre_start:restart") == ["v1"]
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env=pg.env())
	assert r.rc == 0, r
	assert "once key 'v1' already recorded: skipped" in r.err, r
	assert count(hr, "ran") == 1, r


def test_pglock_failing_hook_records_nothing(hr, pg):
	pg_config(hr, "failing", once="v1")
	env = dict(pg.env(), HOOK_STATUS="3")
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env=env)
	assert r.rc == 3, r
	assert pg.once_keys("pre_start:failing") == []


def test_pglock_wrong_password_fails_fast_naming_the_server(hr, pg):
	pg_config(hr, "password")
	r = hr.run("-c", hr.cfg, "--only", "pre_start",
	    env=pg.env(password="wrong"))
	assert r.rc == 69, r
	assert r.elapsed < 5, r
	assert "hookrun-pglock: pre_start:password: cannot connect to " \
	    "127.0.0.1 port %d: " % pg.port in r.err, r
	assert "password authentication failed" in r.err, r
	assert "lock command exited with status 69 before answering" in r.err, r
	assert count(hr, "ran") == 0, r


def test_pglock_lock_timeout_gives_up_the_wait(hr, pg):
	pg_config(hr, "timeout", extra="lock_timeout = 500ms")
	a, holder_hook = start_holder(hr, env=pg.env())
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env=pg.env())
	assert r.rc == 124, r
	assert "did not answer within 500ms" in r.err, r
	# Its backend does not go on waiting: the holder's successor gets it.
	release_holder(hr)
	assert a.wait().rc == 0
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env=pg.env())
	assert r.rc == 0, r
	waiting = pg.psql("SELECT count(*) FROM pg_locks WHERE locktype = "
	    "'advisory' AND NOT granted")
	assert waiting == [["0"]]
