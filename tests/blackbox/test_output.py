# test_output.py: hook output (prefixed, per stream, complete), the app's (untouched), and hookrun's own messages (-q, JSON).
#
# In a config value `$$` is a literal `$`: a shell's `$$` is written `$$$$`.

import os
import signal
from concurrent.futures import ThreadPoolExecutor

from conftest import alive, json_lines, run_one_hook, wait_for


def test_hook_output_is_prefixed_on_the_stream_it_was_written_to(hr):
	hr.script("talk.sh", """
	    echo out-line
	    echo err-line >&2
	    echo out-again
	    """)
	r = run_one_hook(hr, "talk", "@D@/talk.sh")
	assert r.out_lines == ["[pre_start:talk] out-line",
	    "[pre_start:talk] out-again"], r
	assert "[pre_start:talk] err-line" in r.err_lines, r
	assert "out-line" not in r.err, r


def test_hooks_dir_hook_output_is_prefixed_with_file_name(hr):
	hr.config("""
	    [start]
	    exec = true
	    """)
	hr.hook("pre_start", "10-talk", "echo hello\n")
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert r.out_lines == ["[pre_start:10-talk] hello"], r


def test_hook_last_line_without_newline_is_still_written(hr):
	r = run_one_hook(hr, "tail",
	    "sh -c 'echo first; printf no-newline; printf err-tail >&2'")
	assert r.out_lines == ["[pre_start:tail] first",
	    "[pre_start:tail] no-newline"], r
	# Completed with a newline: hookrun's next message starts a line of its own.
	assert "[pre_start:tail] err-tail" in r.err_lines, r


def test_post_stop_hook_output_is_prefixed_with_its_phase(hr):
	hr.config("""
	    [start]
	    exec = true

	    [post_stop:report]
	    exec = echo bye
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert r.out_lines == ["[post_stop:report] bye"], r


def test_hook_output_is_written_before_its_result_is_logged(hr):
	r = run_one_hook(hr, "last-words",
	    "sh -c 'seq 1000 >&2; echo final >&2'")
	lines = r.err_lines
	final = lines.index("[pre_start:last-words] final")
	result = [i for i, l in enumerate(lines)
	    if l.startswith("hookrun: pre_start:last-words: succeeded")]
	assert result and result[0] > final, r


def test_long_hook_line_arrives_whole(hr):
	r = run_one_hook(hr, "long",
	    """sh -c 'head -c 300000 /dev/zero | tr "\\0" x; echo'""")
	prefix = "[pre_start:long] "
	assert all(l.startswith(prefix) for l in r.out_lines), r.out_lines[:3]
	body = "".join(l[len(prefix):] for l in r.out_lines)
	assert body == "x" * 300000, (len(body), len(r.out_lines))


def test_partial_line_written_in_two_parts_stays_one_line(hr):
	r = run_one_hook(hr, "slowline",
	    "sh -c 'printf abc; sleep 0.3; echo def'")
	assert r.out_lines == ["[pre_start:slowline] abcdef"], r


def test_hook_output_bytes_pass_unchanged(hr):
	r = run_one_hook(hr, "bytes", "printf '\\377\\000\\tz\\r\\n'")
	assert r.raw_out == b"[pre_start:bytes] \xff\x00\tz\r\n", r


def test_many_hooks_do_not_exhaust_descriptors(hr):
	# A descriptor leaked per hook would run out long before 150 hooks.
	import resource

	def low_nofile():
		hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
		resource.setrlimit(resource.RLIMIT_NOFILE, (40, hard))

	hr.config("""
	    [start]
	    exec = true
	    """)
	for i in range(150):
		hr.hook("pre_start", "%03d" % i, "echo %d\n" % i)
	r = hr.run("-q", "-c", hr.cfg, preexec_fn=low_nofile)
	assert r.rc == 0, r
	assert r.out_lines == ["[pre_start:%03d] %d" % (i, i)
	    for i in range(150)], r


def test_200000_hook_lines_arrive_complete_in_order_and_prefixed(hr):
	r = run_one_hook(hr, "many", "seq 200000")
	lines = r.out_lines
	assert len(lines) == 200000, (len(lines), lines[:3], lines[-3:])
	assert lines[0] == "[pre_start:many] 1"
	assert lines[99999] == "[pre_start:many] 100000"
	assert lines[-1] == "[pre_start:many] 200000"
	assert lines == ["[pre_start:many] %d" % i for i in range(1, 200001)]


def test_200000_lines_on_both_streams_arrive_complete(hr):
	r = run_one_hook(hr, "both",
	    "sh -c 'seq 200000 & seq 200000 >&2; wait'")
	want = ["[pre_start:both] %d" % i for i in range(1, 200001)]
	assert r.out_lines == want, len(r.out_lines)
	got = [l for l in r.err_lines if l.startswith("[pre_start:both] ")]
	assert got == want, len(got)


def test_process_that_left_the_group_holding_stdout_does_not_stall_it(hr):
	# The hook is over once its group is empty; a process it started in a
	# session of its own still holds the hook's stdout: not waited for.
	hr.config("""
	    [pre_start:leaves-child]
	    exec = sh -c 'setsid sleep 30 & echo before-exit; exit 0'

	    [pre_start:next]
	    exec = touch @D@/next

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert r.elapsed < 15, r
	assert hr.exists("next"), r
	assert hr.exists("app"), r
	assert "[pre_start:leaves-child] before-exit" in r.out_lines, r


def test_app_output_is_passed_through_untouched(hr):
	hr.config("""
	    [pre_start:quiet]
	    exec = true

	    [start]
	    exec = sh -c 'printf "raw line\\n  indented\\nno newline"; printf "app-err\\n" >&2'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert r.out == "raw line\n  indented\nno newline", r
	assert "app-err" in r.err_lines, r


# --- hookrun's own messages -----------------------------------------------

def quiet_config(hr, fail=False):
	hr.config("""
	    [pre_start:ok]
	    exec = true

	    [pre_start:bad]
	    exec = sh -c 'exit %d'

	    [start]
	    exec = true
	    """ % (3 if fail else 0))


def test_default_verbosity_shows_hook_results(hr):
	quiet_config(hr)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert any(l.startswith("hookrun: pre_start:ok: ") and "succeeded" in l
	    for l in r.err_lines), r
	assert any(l.startswith("hookrun: pre_start:ok: ") and "started" in l
	    for l in r.err_lines), r


def test_quiet_hides_info_messages(hr):
	quiet_config(hr)
	r = hr.run("-q", "-c", hr.cfg)
	assert r.rc == 0, r
	assert r.err == "", r


def test_quiet_does_not_hide_errors(hr):
	quiet_config(hr, fail=True)
	r = hr.run("-q", "-c", hr.cfg)
	assert r.rc == 3, r
	assert not any("pre_start:ok:" in l for l in r.err_lines), r
	assert any(l.startswith("hookrun: pre_start:bad: ") and "status 3" in l
	    for l in r.err_lines), r


def test_quiet_does_not_hide_config_errors(hr):
	hr.config("""
	    [start]
	    exec = true
	    timout = 1s
	    """)
	r = hr.run("-q", "-c", "hookrun.ini")
	assert r.rc == 78, r
	assert "hookrun.ini:3:" in r.err, r


def test_json_log_format_makes_every_own_message_a_json_object(hr):
	quiet_config(hr)
	r = hr.run("--log-format", "json", "-c", hr.cfg)
	assert r.rc == 0, r
	objs = json_lines(r.err)
	assert objs, r
	for o in objs:
		assert "level" in o, o
	done = [o for o in objs if o.get("phase") == "pre_start" and
	    o.get("hook") == "ok" and o.get("status") == 0]
	assert done, objs
	assert isinstance(done[-1].get("duration_ms"), int), done
	assert isinstance(done[-1].get("event"), str), done


def test_json_log_format_reports_failed_hook_status(hr):
	quiet_config(hr, fail=True)
	r = hr.run("--log-format", "json", "-c", hr.cfg)
	assert r.rc == 3, r
	objs = json_lines(r.err)
	assert any(o.get("hook") == "bad" and o.get("status") == 3
	    for o in objs), objs


def test_json_log_format_from_config_file(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = @D@/hooks.d
	    log_format = json

	    [pre_start:ok]
	    exec = true

	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	objs = json_lines(r.err)
	assert any(o.get("hook") == "ok" for o in objs), objs


def test_json_log_format_escapes_quotes_and_backslashes(hr):
	hr.config("")
	bad = hr.path('we"ird\\name')
	r = hr.run("--log-format", "json", "-c", hr.cfg, "--", bad)
	assert r.rc == 127, r
	objs = json_lines(r.err)
	assert any(bad in o.get("message", "") for o in objs), objs


def test_json_log_format_keeps_hook_output_prefixed(hr):
	r = run_one_hook(hr, "talk", "sh -c 'echo to-out; echo to-err >&2'",
	    opts=("--log-format", "json"))
	assert r.out_lines == ["[pre_start:talk] to-out"], r
	own = [l for l in r.err_lines if not l.startswith("[pre_start:talk] ")]
	json_lines("\n".join(own))
	assert "[pre_start:talk] to-err" in r.err_lines, r


def start_with_stuck_stdout(hr, *args):
	"""Starts hookrun ARGS with its stdout a pipe nobody reads (yet).
	Returns the run and a function that reads that pipe to its end."""
	rfd, wfd = os.pipe()
	run = hr.start(*args, stdout=wfd)
	os.close(wfd)
	def drain():
		chunks = []
		while True:
			b = os.read(rfd, 1 << 16)
			if not b:
				break
			chunks.append(b)
		os.close(rfd)
		return b"".join(chunks)
	return run, drain


def test_hook_timeout_fires_while_hookruns_stdout_is_not_read(hr):
	# The hook floods stdout, which nobody reads: hookrun stops reading the
	# hook's pipe (the hook blocks), but its loop goes on: the timeout
	# fires. Once the reader comes, every line arrives whole.
	hr.config("""
	    [hookrun]
	    kill_timeout = 1s

	    [pre_start:flood]
	    exec = sh -c 'yes line-of-output | head -c 2000000; sleep 30'
	    timeout = 1s

	    [start]
	    exec = true
	    """, hooks_dir=False)
	run, drain = start_with_stuck_stdout(hr, "-c", hr.cfg)
	assert wait_for(lambda: "flood: timed out after 1s" in run.err(), 15), \
	    run.err()
	out = drain().decode()
	r = run.wait()
	assert r.rc == 124, r
	lines = out.splitlines()
	assert len(lines) > 1000, len(lines)
	assert all(l.startswith("[pre_start:flood] ") for l in lines), \
	    [l for l in lines if not l.startswith("[pre_start:flood] ")][:3]
	assert lines[0] == "[pre_start:flood] line-of-output", lines[0]


def test_signals_reach_the_app_while_hook_output_waits_for_a_reader(hr):
	# A post_start hook floods a stdout nobody reads; meanwhile a signal to
	# hookrun must still reach the app.
	hr.script("app.sh", """
	    trap 'echo usr1 >> @D@/got' USR1
	    trap 'exit 0' TERM
	    while :; do sleep 0.05; done
	    """)
	hr.config("""
	    [start]
	    exec = @D@/app.sh

	    [post_start:flood]
	    exec = sh -c 'yes line-of-output | head -c 2000000'
	    """)
	run, drain = start_with_stuck_stdout(hr, "-c", hr.cfg)
	assert wait_for(lambda: "flood: started" in run.err()), run.err()
	assert wait_for(lambda: hr.exists("got") or run.signal(signal.SIGUSR1),
	    15), run.err()
	assert "flood: succeeded" not in run.err(), run.err()
	reader = ThreadPoolExecutor(1).submit(drain)
	assert wait_for(lambda: "flood: succeeded" in run.err(), 30), run.err()
	run.signal(signal.SIGTERM)
	out = reader.result(30).decode()
	r = run.wait()
	assert r.rc == 0, r
	assert "flood: succeeded" in r.err, r
	assert len(out.splitlines()) == 2000000 // len("line-of-output\n") + 1, \
	    len(out.splitlines())


def test_hook_is_killed_on_time_while_stdout_and_stderr_are_not_read(hr):
	# 2>&1 into one pipe nobody reads: hookrun's own messages queue behind
	# the hook's lines, and its timers still fire. Once the reader comes,
	# every line is whole: a hook line or one of hookrun's, never mixed.
	hr.config("""
	    [hookrun]
	    kill_timeout = 1s

	    [pre_start:flood]
	    exec = sh -c 'echo $$$$ > @D@/pid; trap "" TERM; yes line-of-output | head -c 2000000; sleep 30'
	    timeout = 1s

	    [start]
	    exec = true
	    """, hooks_dir=False)
	rfd, wfd = os.pipe()
	run = hr.start("-c", hr.cfg, stdout=wfd, stderr=wfd)
	os.close(wfd)
	assert wait_for(lambda: hr.exists("pid"), 15)
	pid = int(hr.read("pid"))
	assert wait_for(lambda: not alive(pid), 15), "hook not killed"
	chunks = []
	while True:
		b = os.read(rfd, 1 << 16)
		if not b:
			break
		chunks.append(b)
	os.close(rfd)
	r = run.wait()
	assert r.rc == 124, r
	lines = b"".join(chunks).decode().splitlines()
	odd = [l for l in lines if not l.startswith(("[pre_start:flood] ",
	    "hookrun: "))]
	assert odd == [], odd[:3]
	# The KILL may cut the hook's last line: hookrun ends it.
	cut = [l for l in lines if l.startswith("[pre_start:flood] ")
	    and l != "[pre_start:flood] line-of-output"]
	assert len(cut) <= 1 and "[pre_start:flood] line-of-output".startswith(
	    "".join(cut)), cut
	assert "hookrun: pre_start:flood: timed out after 1s: sending TERM " \
	    "to process group %d" % pid in lines, lines[-10:]
	assert "hookrun: pre_start:flood: timed out (status 124)" in \
	    "\n".join(lines), lines[-10:]


def test_started_message_is_written_before_hookrun_waits_for_the_hook(hr):
	# hookrun's messages are staged and written together, but always before
	# it waits: a hook that runs a while is seen to have started.
	hr.script("slow.sh", """
	    i=0
	    while [ ! -e @D@/go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
	    """)
	hr.config("""
	    [pre_start:slow]
	    exec = @D@/slow.sh

	    [start]
	    exec = true
	    """)
	run = hr.start("-c", hr.cfg)
	try:
		assert wait_for(lambda: "hookrun: pre_start:slow: started" in
		    run.err()), run.err()
		assert "succeeded" not in run.err(), run.err()
	finally:
		hr.write("go", "")
	r = run.wait()
	assert r.rc == 0, r
	assert "hookrun: pre_start:slow: succeeded" in r.err, r


def test_messages_and_hook_output_keep_their_order_in_one_file(hr):
	# stdout and stderr one file (2>&1): hookrun's staged messages on stderr
	# are written before any hook output on stdout, so that the file reads
	# started, the hook's lines, its result, for each hook in turn.
	text = ""
	for i in range(20):
		text += "[pre_start:h%02d]\nexec = sh -c 'echo out-%02d; " \
		    "echo err-%02d >&2'\n\n" % (i, i, i)
	hr.config(text + "[start]\nexec = true\n")
	with open(hr.path("both.log"), "wb") as f:
		r = hr.run("-c", hr.cfg, stdout=f.fileno(), stderr=f.fileno())
	assert r.rc == 0, r
	lines = hr.lines("both.log")
	want = []
	for i in range(20):
		want += ["hookrun: pre_start:h%02d: started" % i,
		    "[pre_start:h%02d] out-%02d" % (i, i),
		    "[pre_start:h%02d] err-%02d" % (i, i),
		    "hookrun: pre_start:h%02d: succeeded" % i]
	got = [l for l in lines if any(l.startswith(w) for w in want)]
	assert len(got) == len(want), "\n".join(lines)
	for g, w in zip(got, want):
		assert g.startswith(w), "\n".join(lines)
