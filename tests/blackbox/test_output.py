# test_output.py: hook output (prefixed, per stream, complete), the app's (untouched), and hookrun's own messages (-q, JSON).
#
# In a config value `$$` is a literal `$`: a shell's `$$` is written `$$$$`.

from conftest import json_lines, run_one_hook


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


def test_background_child_holding_stdout_does_not_stall_the_phase(hr):
	hr.config("""
	    [pre_start:leaves-child]
	    exec = sh -c 'sleep 30 & echo before-exit; exit 0'

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
