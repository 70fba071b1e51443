# test_storm.py: 10,000 mixed signals at hookrun, STOP and CONT among them,
# during a hook and while the app runs: hookrun neither crashes nor loses
# its way, the app gets every kind forwarded, and the exit status is the
# app's.

import json
import os
import random
import signal

from conftest import alive, wait_for
from pid1util import PYTHON

# Forwarded to the app: the app counts each kind.
FORWARDED = [signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH,
    signal.SIGALRM, signal.SIGPWR, signal.SIGURG, signal.SIGTSTP,
    signal.SIGRTMIN, signal.SIGRTMIN + 1, signal.SIGRTMAX]
STORM = FORWARDED + [signal.SIGCONT, signal.SIGSTOP]

# Not in the storm: asks the app for its counts.
DUMP = signal.SIGRTMAX - 1

# Counts every kind it gets; writes the counts to COUNTS on DUMP; exits 7 on
# TERM.
COUNTER = r"""
import json, os, signal, sys, time
counts, ready = sys.argv[1], sys.argv[2]
seen = {}

def got(sig, frame):
	seen[sig] = seen.get(sig, 0) + 1

def dump(sig, frame):
	with open(counts + ".tmp", "w") as f:
		json.dump(seen, f)
	os.rename(counts + ".tmp", counts)

for s in %r:
	signal.signal(s, got)
signal.signal(%d, dump)
signal.signal(signal.SIGTERM, lambda s, f: os._exit(7))
open(ready, "w").close()
while True:
	time.sleep(60)
""" % ([int(s) for s in FORWARDED + [signal.SIGCONT]], int(DUMP))


def storm(pid, n, rng):
	"""Sends n signals drawn from STORM to pid, ending with CONT (a STOP
	must not be the last word). Real-time ones may meet a full queue."""
	for _ in range(n):
		try:
			os.kill(pid, rng.choice(STORM))
		except BlockingIOError:
			pass
	os.kill(pid, signal.SIGCONT)


def test_signal_storm_during_a_hook_and_while_the_app_runs(hr):
	hr.script("counter.py", COUNTER, shebang="#!" + PYTHON)
	hr.config("""
	    [pre_start:gate]
	    exec = sh -c 'until [ -e @D@/go ]; do sleep 0.05; done; touch @D@/gate-done'
	    timeout = 60s

	    [start]
	    exec = @D@/counter.py @D@/counts @D@/ready
	    """)
	run = hr.start("-c", hr.cfg)
	rng = random.Random(1)
	assert wait_for(lambda: "gate: started" in run.err()), run.err()
	storm(run.pid, 5000, rng)
	assert run.poll() is None, run.err()
	open(hr.path("go"), "w").close()
	assert wait_for(lambda: hr.exists("ready"), 30), run.err()
	assert hr.exists("gate-done"), run.err()
	storm(run.pid, 5000, rng)
	assert run.poll() is None, run.err()
	# A CONT flushes stop signals still pending, and standard signals
	# merge: after the storm, each kind once more must reach the app.
	wait_for(lambda: False, 0.3)
	for sig in FORWARDED:
		os.kill(run.pid, sig)
		wait_for(lambda: False, 0.02)
	os.kill(run.pid, DUMP)
	assert wait_for(lambda: hr.exists("counts"), 15), run.err()
	counts = {int(k): v for k, v in json.loads(hr.read("counts")).items()}
	run.signal(signal.SIGTERM)
	r = run.wait(60)
	assert r.rc == 7, r
	assert "gate: succeeded" in r.err, r
	missing = [signal.Signals(s).name if s < signal.SIGRTMIN else s
	    for s in FORWARDED if counts.get(int(s), 0) < 1]
	assert missing == [], (counts, r)
