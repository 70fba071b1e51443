# test_logs.py: hookrun's own messages as JSON lines (--log-format json,
# log_format = json) over a whole lifecycle, and the `<N>` syslog priority
# prefixes under systemd (JOURNAL_STREAM naming stderr's device and inode).

import json
import os
import re
import signal

from conftest import json_lines, wait_for
from notifyutil import launch

PHASES = ("pre_start", "start", "post_start", "pre_stop", "post_stop")
LEVELS = ("error", "warning", "info", "debug")
KEYS = {"level", "phase", "hook", "event", "status", "duration_ms", "message"}

# Every kind of event a normal life has: hooks that succeed, fail and are
# retried or ignored, readiness, post_start, a forwarded signal, a stop.
LIFECYCLE = """
[pre_start:ok]
exec = true

[pre_start:flaky]
exec = sh -c 'test -e @D@/tried || { touch @D@/tried; exit 2; }'
retries = 1
retry_delay = 50ms

[pre_start:bad]
exec = sh -c 'exit 4'
on_failure = ignore

[start]
exec = @D@/app.sh
ready = delay:100ms

[post_start:warm]
exec = true

[pre_stop:drain]
exec = true

[post_stop:report]
exec = true
"""

APP = """
trap 'touch @D@/usr1' USR1
while :; do sleep 0.05; done
"""


def live_a_life(hr, run, usr1=False):
	"""Takes a hookrun started on LIFECYCLE through ready, post_start, (a
	forwarded USR1,) TERM; returns its result."""
	assert wait_for(lambda: any("warm" in l and "succeeded" in l
	    for l in run.err().splitlines())), run.err()
	if usr1:
		run.signal(signal.SIGUSR1)
		assert wait_for(lambda: hr.exists("usr1")), run.err()
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r
	return r


def check_object(o, line):
	assert set(o) <= KEYS, "unexpected keys in %r" % line
	assert o.get("level") in LEVELS, line
	assert isinstance(o.get("message"), str) and o["message"], line
	if "phase" in o:
		assert o["phase"] in PHASES, line
	if "hook" in o:
		assert isinstance(o["hook"], str) and o["hook"], line
		assert "phase" in o, line
	if "event" in o:
		assert re.fullmatch(r"[a-z_]+", o["event"]), line
	if "status" in o:
		assert type(o["status"]) is int and 0 <= o["status"] <= 255, line
	if "duration_ms" in o:
		assert type(o["duration_ms"]) is int and o["duration_ms"] >= 0, \
		    line


def lifecycle_json(hr, *args):
	hr.script("app.sh", APP)
	hr.config(LIFECYCLE)
	r = live_a_life(hr, hr.start(*args, "-c", hr.cfg))
	return r, json_lines(r.err)


def test_json_log_lines_parse_with_their_keys_over_a_whole_life(hr):
	r, objs = lifecycle_json(hr, "--log-format", "json")
	for o, line in zip(objs, r.err_lines):
		check_object(o, line)

	def find(**kw):
		return [o for o in objs if all(o.get(k) == v
		    for k, v in kw.items())]

	# A hook's result: its status and how long it took.
	for phase, hook, status in (("pre_start", "ok", 0),
	    ("pre_start", "flaky", 2), ("pre_start", "flaky", 0),
	    ("pre_start", "bad", 4), ("post_start", "warm", 0),
	    ("pre_stop", "drain", 0), ("post_stop", "report", 0)):
		got = find(phase=phase, hook=hook, status=status)
		assert got, (phase, hook, status, objs)
		assert all("duration_ms" in o and "event" in o for o in got), got
	assert find(phase="pre_start", hook="flaky", level="error")
	assert find(phase="pre_start", hook="flaky", level="warning"), objs
	assert find(phase="pre_start", hook="bad", level="error"), objs
	# The app's life, under phase start.
	assert find(phase="start", status=143), objs
	assert len(find(phase="start")) >= 3, objs


def test_json_log_format_from_the_config_file_covers_the_app(hr):
	hr.script("app.sh", APP)
	hr.config("[hookrun]\nhooks_dir = @D@/hooks.d\nlog_format = json\n" +
	    LIFECYCLE)
	r = live_a_life(hr, hr.start("-c", hr.cfg))
	objs = json_lines(r.err)
	for o, line in zip(objs, r.err_lines):
		check_object(o, line)
	assert any(o.get("phase") == "start" and o.get("status") == 143
	    for o in objs), objs


def test_json_every_log_line_names_its_event(hr):
	# One JSON object per event (contract, section 7): a consumer filters on
	# "event", so a message without one (a signal received, the final
	# sweep of leftover processes) cannot be told apart.
	hr.script("app.sh", APP)
	hr.config(LIFECYCLE.replace("exec = @D@/app.sh",
	    "exec = sh -c '(sleep 30 &); exec @D@/app.sh'"))
	r = live_a_life(hr, hr.start("--log-format", "json", "-c", hr.cfg))
	objs = json_lines(r.err)
	missing = [l for o, l in zip(objs, r.err_lines) if "event" not in o]
	assert not missing, "lines without an event:\n%s" % "\n".join(missing)


def journal_run(hr, *args, match=True, usr1=False):
	"""Runs LIFECYCLE with stderr a file and JOURNAL_STREAM set to its
	DEV:INODE (or, match=False, to another file's)."""
	hr.script("app.sh", APP)
	hr.config(LIFECYCLE)
	errpath = hr.path("journal.err")
	open(errpath, "wb").close()
	other = hr.path("other")
	open(other, "wb").close()
	st = os.stat(errpath if match else other)
	run = launch(hr, list(args) + ["-c", hr.cfg], errpath=errpath,
	    env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
	return live_a_life(hr, run, usr1=usr1)


PRIO = re.compile(r"^<([0-7])>(.*)$")


def test_journal_stream_on_stderr_gives_each_line_a_priority(hr):
	r = journal_run(hr, "-v", usr1=True)
	prio = {}
	for line in r.err_lines:
		m = PRIO.match(line)
		assert m, "no <N> prefix: %r\n%s" % (line, r.err)
		assert m.group(2).startswith("hookrun: "), line
		prio.setdefault(m.group(2), int(m.group(1)))

	def level(start):
		got = {p for t, p in prio.items() if t.startswith(start)}
		assert len(got) == 1, (start, r.err)
		return got.pop()

	assert level("hookrun: pre_start:ok: started") == 6, r
	assert level("hookrun: pre_start:bad: failed with status 4") == 3, r
	assert level("hookrun: pre_start:flaky: retrying") == 4, r
	assert level("hookrun: forwarding USR1") == 7, r
	assert level("hookrun: start: app killed by signal TERM") == 6, r


def test_journal_stream_prefixes_json_lines_too(hr):
	r = journal_run(hr, "--log-format", "json")
	for line in r.err_lines:
		m = PRIO.match(line)
		assert m, "no <N> prefix: %r\n%s" % (line, r.err)
		o = json.loads(m.group(2))
		check_object(o, line)
		want = {"error": 3, "warning": 4, "info": 6, "debug": 7}[o["level"]]
		assert int(m.group(1)) == want, line


def test_journal_stream_naming_another_file_gives_no_prefix(hr):
	r = journal_run(hr, match=False)
	assert r.err_lines, r
	for line in r.err_lines:
		assert line.startswith("hookrun: "), r


def test_json_lines_stay_valid_utf8_when_a_lock_command_prints_bytes(hr):
	# A lock command that answers in bytes that are no UTF-8 at all: its
	# answer is quoted in hookrun's error, which must still be JSON.
	hr.script("bin/helper", r"""
	    printf 'lo\377\376ck\300\257\355\240\200ed\n'
	    """)
	hr.config("""
	    [pre_start:mig]
	    exec = true
	    lock = exec:@D@/bin/helper

	    [start]
	    exec = true
	    """)
	r = hr.run("--log-format", "json", "-c", hr.cfg)
	assert r.rc == 69, r
	text = r.raw_err.decode("utf-8")	# strict: raises on a bad byte
	objs = json_lines(text)
	said = [o for o in objs if o.get("event") == "lock_error"]
	assert said, r
	assert "lo\ufffd\ufffdck" in said[0]["message"], said
