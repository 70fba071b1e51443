# test_dockerfile.py: conf/Dockerfile and conf/docker.ini as shipped, built with podman build
# on a Debian base image made here (conftest.ReleaseBuild), with a stand-in release (shop/),
# and run end to end against a throwaway PostgreSQL: wait-for-db, the migration, the app as
# CMD under hookrun as PID 1 and the image's USER, docker stop, the report hook.

import os
import socket
import subprocess
import time

import pytest

from conftest import ROOT, SANDBOX, podman, wait_for

PG_SH = os.path.join(ROOT, "tests", "pg", "pg.sh")
PASSWORD = "secret"


def free_port():
	s = socket.socket()
	try:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]
	finally:
		s.close()


@pytest.fixture
def postgres():
	"""A throwaway PostgreSQL on 127.0.0.1 (tests/pg/pg.sh); its port."""
	if not os.path.exists("/usr/lib/postgresql") or \
	    subprocess.run(["sh", "-c", "command -v psql"],
	    capture_output=True).returncode != 0:
		pytest.fail("PostgreSQL is not installed (make deps, as root)")
	# The server runs as postgres: it must reach its directory.
	os.chmod(SANDBOX, 0o711)
	d = os.path.join(SANDBOX, "pg")
	port = free_port()
	subprocess.run(["sh", PG_SH, "start", d, str(port), PASSWORD,
	    str(os.getpid())], check=True, timeout=120)
	try:
		yield port
	finally:
		subprocess.run(["sh", PG_SH, "stop", d], timeout=120)


def psql(port, sql):
	env = dict(os.environ, PGPASSWORD=PASSWORD)
	p = subprocess.run(["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p",
	    str(port), "-U", "postgres", "-d", "postgres", "-c", sql],
	    capture_output=True, text=True, env=env, timeout=60)
	assert p.returncode == 0, p.stderr
	return p.stdout.strip()


def test_the_dockerfile_builds_and_runs_against_postgresql(release, postgres,
    box):
	name = box.name
	box.started = True
	podman("run", "-d", "--name", name, "--network", "host",
	    "-e", "PGHOST=127.0.0.1", "-e", "PGPORT=%d" % postgres,
	    "-e", "PGUSER=postgres", "-e", "PGPASSWORD=" + PASSWORD,
	    "-e", "PGDATABASE=postgres", release)
	assert wait_for(lambda: "shop: serving" in box.logs(), 60), box.logs()
	# The image as built: hookrun the entry point, the release the CMD,
	# all as the image's USER.
	cfg = podman("inspect", "--format", "{{.Config.Entrypoint}} "
	    "{{.Config.Cmd}} {{.Config.User}}", release).stdout.strip()
	assert cfg == "[hookrun -c /etc/hookrun.ini --] [/app/bin/shop start] " \
	    "shop", cfg
	comm = podman("exec", name, "cat", "/proc/1/comm").stdout.strip()
	assert comm == "hookrun"
	# pre_start: the database waited for, then migrated once, as shop.
	assert psql(postgres, "SELECT version || ' ' || by_user FROM "
	    "shop_migrations") == "1.0.0 shop"
	# The app, started after that, is hookrun's child.
	assert psql(postgres, "SELECT ppid || ' ' || by_user FROM shop_runs") \
	    == "1 shop"
	t0 = time.monotonic()
	podman("stop", "--time", "10", name, timeout=70)
	took = time.monotonic() - t0
	assert box.wait() == 0, box.logs()
	assert took < 10, took
	logs = box.logs()
	assert "pre_start:migrate: succeeded" in logs, logs
	assert logs.index("pre_start:wait-for-db: succeeded") < \
	    logs.index("pre_start:migrate: succeeded") < \
	    logs.index("start: app started"), logs
	assert "shop: stopping" in logs, logs
	# docker.ini's report hook, with the release version from the image's
	# ENV and the app's exit status.
	assert "[post_stop:report] shop 1.0.0 exited with status 0" in logs, logs
