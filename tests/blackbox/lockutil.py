# lockutil.py: for the lock tests: replicas started together, hooks that log what they did, a PostgreSQL server.

import os
import subprocess
import tempfile

from conftest import ROOT, alive, free_port, set_subreaper, wait_for

PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
PG_SH = os.path.join(ROOT, "tests", "pg", "pg.sh")
PGLOCK = os.environ.get("HOOKRUN_PGLOCK") or os.path.join(ROOT,
    "hookrun-pglock")
PG_PASSWORD = "secret"

# The hook of the replica tests: "inside" is a directory only one run can
# make at a time, so two runs that overlap leave a line in "overlap"; a run
# that gets to its end leaves a line in "ran". With @D@/hold present it waits
# (up to 30s) before its end, to be caught while it holds the lock.
WORK_HOOK = """
echo $$ > @D@/hookpid
if ! mkdir @D@/inside 2>/dev/null; then echo $$ >> @D@/overlap; fi
echo "$$ start" >> @D@/log
n=0
while [ -e @D@/hold ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
sleep %(sleep)s
echo "$$ end" >> @D@/log
rmdir @D@/inside
echo $$ >> @D@/ran
exit ${HOOK_STATUS:-0}
"""


def work_hook(hr, name="work", sleep="0.05"):
	"""Writes the replica tests' hook script; returns its path."""
	return hr.script(os.path.join("bin", name), WORK_HOOK % {"sleep": sleep})


def count(hr, rel):
	"""How many lines the file has (0 when it does not exist)."""
	lines = hr.lines(rel)
	return 0 if lines is None else len(lines)


def replicas(hr, n, *args, env=None):
	"""Starts n hookruns with ARGS at once, waits for all, returns their
	results."""
	runs = [hr.start(*args, env=env) for _ in range(n)]
	return [r.wait() for r in runs]


def hook_started(hr):
	"""The pid of the work hook that is running now, or None."""
	try:
		with open(hr.path("hookpid")) as f:
			return int(f.read().strip() or 0) or None
	except (FileNotFoundError, ValueError):
		return None


def start_holder(hr, env=None):
	"""Starts a replica whose work hook holds the lock until
	release_holder(); returns it and its hook's pid."""
	open(hr.path("hold"), "w").close()
	a = hr.start("-c", hr.cfg, "--only", "pre_start", env=env)
	assert wait_for(lambda: hook_started(hr)), a.wait()
	return a, hook_started(hr)


def start_waiter(hr, waiting, env=None, cfg=None):
	"""Starts a replica (with cfg, default hr.cfg); returns it once its
	stderr says WAITING."""
	b = hr.start("-c", cfg or hr.cfg, "--only", "pre_start", env=env)
	assert wait_for(lambda: waiting in b.err()), b.wait()
	return b


def release_holder(hr):
	os.unlink(hr.path("hold"))


def taken_over(hr, holder_hook, timeout):
	"""Whether the holder's hook is gone and, within timeout, another
	replica's hook runs."""
	return wait_for(lambda: not alive(holder_hook), 2.0) and wait_for(
	    lambda: hook_started(hr) not in (None, holder_hook), timeout)


class PgServer:
	"""A PostgreSQL server of its own (tests/pg/pg.sh) in a temp dir on a
	free loopback port, password auth over TCP.

	The test process is a child subreaper and each test ends by killing
	every descendant it has: the postmaster, orphaned when pg_ctl exits,
	must not become one. So pg_ctl runs while the test process is no
	subreaper, and the postmaster goes to the next one up (or init); so
	does pg.sh's watchdog, which stops the server should this process die
	without stopping it."""

	def __init__(self):
		self.dir = tempfile.mkdtemp(prefix="hookrun-pg.")
		self.port = free_port()
		# Should this run be killed, pg.sh's watchdog stops the server.
		self._pg_sh("start", self.dir, str(self.port), PG_PASSWORD,
		    str(os.getpid()))

	def _pg_sh(self, *args):
		set_subreaper(False)
		try:
			p = subprocess.run([PG_SH] + list(args), stdout=subprocess.PIPE,
			    stderr=subprocess.STDOUT, timeout=120)
		finally:
			set_subreaper(True)
		if p.returncode != 0:
			raise RuntimeError("pg.sh %s failed:\n%s" % (args[0],
			    p.stdout.decode("utf-8", "replace")))

	def env(self, password=PG_PASSWORD):
		"""libpq's settings for this server, for hookrun's environment."""
		return {"PGHOST": "127.0.0.1", "PGPORT": str(self.port),
		    "PGUSER": "postgres", "PGPASSWORD": password,
		    "PGDATABASE": "postgres", "PGCONNECT_TIMEOUT": "5"}

	def psql(self, sql):
		"""Runs sql; its rows as lists of strings."""
		e = dict(os.environ)
		e.update(self.env())
		p = subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-A",
		    "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], env=e,
		    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
		if p.returncode != 0:
			raise RuntimeError("psql: %s" % p.stderr.decode())
		return [l.split("|") for l in p.stdout.decode().splitlines() if l]

	def once_keys(self, lock_key):
		"""The once keys recorded under lock_key."""
		if not self.psql("SELECT to_regclass('hookrun_once') IS NOT NULL")[0][0] == "t":
			return []
		return sorted(r[0] for r in self.psql(
		    "SELECT once_key FROM hookrun_once WHERE lock_key = '%s'" %
		    lock_key.replace("'", "''")))

	def restart(self):
		"""pg_ctl restart -m fast: every session is cut."""
		self._pg_sh("restart", self.dir)

	def stop(self):
		self._pg_sh("stop", self.dir)
