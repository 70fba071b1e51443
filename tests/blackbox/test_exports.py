# test_exports.py: HOOKRUN_ENV_FILE: each attempt's own channel, what a hook may hand on, the limits, and an environment built in linear time.

import os

# The limits of exports.h.
VALUE_MAX = 64 * 1024
TOTAL_MAX = 256 * 1024


def test_own_user_hook_hands_on_anything_but_ld_and_hookruns_own_names(hr):
	hr.config("""
	    [pre_start:export]
	    exec = sh -c 'printf "A=1\\nLD_PRELOAD=/x.so\\nLD_LIBRARY_PATH=/x\\nHOOKRUN_PHASE=fake\\nNOTIFY_SOCKET=/x\\n" >> "$$HOOKRUN_ENV_FILE"'

	    [start]
	    exec = sh -c 'echo "$$A|$${LD_PRELOAD-unset}|$${LD_LIBRARY_PATH-unset}|$${HOOKRUN_PHASE-unset}|$${NOTIFY_SOCKET-unset}" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app.env") == "1|unset|unset|unset|unset\n", r
	for line, key, why in ((2, "LD_PRELOAD", "LD_* is handed on only when "
	    "listed in exports ="), (3, "LD_LIBRARY_PATH", "LD_* is handed on "
	    "only when listed in exports ="), (4, "HOOKRUN_PHASE", "hookrun "
	    "sets it itself"), (5, "NOTIFY_SOCKET", "hookrun sets it itself")):
		assert "hookrun: pre_start:export: HOOKRUN_ENV_FILE line %d: %s " \
		    "not exported: %s" % (line, key, why) in r.err_lines, r


def test_exports_lists_what_a_hook_hands_on_ld_included(hr):
	hr.config("""
	    [pre_start:export]
	    exec = sh -c 'printf "A=1\\nB=2\\nLD_LIBRARY_PATH=/opt/lib\\n" >> "$$HOOKRUN_ENV_FILE"'
	    exports = A, LD_LIBRARY_PATH

	    [start]
	    exec = sh -c 'echo "$$A|$${B-unset}|$$LD_LIBRARY_PATH" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app.env") == "1|unset|/opt/lib\n", r
	assert "HOOKRUN_ENV_FILE line 2: B not exported: not listed in its " \
	    "exports =" in r.err, r


def test_exports_of_hookruns_own_names_is_a_config_error(hr):
	hr.config("""
	    [pre_start:export]
	    exec = true
	    exports = A HOOKRUN_HOOK
	    """)
	r = hr.run("-n", "-c", hr.cfg)
	assert r.rc == 78, r
	assert "%s:3: exports: 'HOOKRUN_HOOK' is set by hookrun itself: no hook " \
	    "may export it" % hr.cfg in r.err, r


def test_a_value_too_long_is_refused_naming_hook_and_key_and_later_hooks_run(hr):
	"""Issue 9: a single 200 KB export made every later exec fail with
	E2BIG (126)."""
	hr.config("""
	    [pre_start:big]
	    exec = sh -c 'printf "SMALL=1\\nBIG=" >> "$$HOOKRUN_ENV_FILE"; head -c 204800 /dev/zero | tr "\\\\0" x >> "$$HOOKRUN_ENV_FILE"; echo >> "$$HOOKRUN_ENV_FILE"'

	    [pre_start:later]
	    exec = sh -c 'echo "$$SMALL|$${BIG-unset}" > @D@/hook.env'

	    [start]
	    exec = sh -c 'echo "$$SMALL|$${BIG-unset}" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("hook.env") == "1|unset\n", r
	assert hr.read("app.env") == "1|unset\n", r
	assert "hookrun: pre_start:big: HOOKRUN_ENV_FILE line 2: BIG not " \
	    "exported: %d bytes, more than %d" % (204804, VALUE_MAX) \
	    in r.err_lines, r


def test_exports_past_the_total_are_refused_and_the_hook_never_blocks(hr):
	"""A hook writes 1 MB into its channel, far past what a pipe holds:
	it is read as it writes, then refused as a whole."""
	hr.config("""
	    [pre_start:flood]
	    exec = sh -c 'i=0; while [ $$i -lt 64 ]; do head -c 16000 /dev/zero | tr "\\\\0" y | sed "s/^/V$$i=/" >> "$$HOOKRUN_ENV_FILE"; echo >> "$$HOOKRUN_ENV_FILE"; i=$$((i + 1)); done; echo done > @D@/flooded'
	    timeout = 20s

	    [start]
	    exec = sh -c 'echo "$${V0-unset}" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("flooded") == "done\n", r
	assert hr.read("app.env") == "unset\n", r
	assert "hookrun: pre_start:flood: HOOKRUN_ENV_FILE: more than %d bytes " \
	    "written: none of this hook's exported" % TOTAL_MAX in r.err_lines, r


def test_exports_that_together_pass_the_total_are_refused_for_the_last_hook(hr):
	# Each value fits, each hook's channel fits; the sum does not.
	body = "sh -c 'head -c 60000 /dev/zero | tr \"\\\\0\" z | sed \"s/^/%s=/\" >> \"$$HOOKRUN_ENV_FILE\"'"
	hr.config("""
	    [pre_start:a]
	    exec = %s
	    [pre_start:b]
	    exec = %s
	    [pre_start:c]
	    exec = %s
	    [pre_start:d]
	    exec = %s
	    [pre_start:e]
	    exec = %s

	    [start]
	    exec = sh -c 'echo "$${A:+A}$${B:+B}$${C:+C}$${D:+D}$${E:+E}" > @D@/app.env'
	    """ % tuple(body % k for k in "ABCDE"))
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app.env") == "ABCD\n", r
	assert any(l.startswith("hookrun: pre_start:e: HOOKRUN_ENV_FILE: the "
	    "exports would come to ") and l.endswith("bytes, more than %d: none "
	    "of this hook's exported" % TOTAL_MAX) for l in r.err_lines), r


def test_a_line_with_a_nul_byte_is_reported_not_dropped_in_silence(hr):
	"""Issue 9: an export line starting with NUL was dropped silently."""
	hr.config("""
	    [pre_start:nul]
	    exec = sh -c 'printf "\\\\000BAD=1\\nGOOD=1\\nbad line\\n" >> "$$HOOKRUN_ENV_FILE"'

	    [start]
	    exec = sh -c 'echo "$${BAD-unset}|$$GOOD" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app.env") == "unset|1\n", r
	assert "hookrun: pre_start:nul: HOOKRUN_ENV_FILE line 1: a NUL byte in " \
	    "the line: ignored" in r.err_lines, r
	assert "hookrun: pre_start:nul: HOOKRUN_ENV_FILE line 3: expected " \
	    "KEY=value, got 'bad line': ignored" in r.err_lines, r


def test_a_background_writer_reaches_no_later_hook(hr):
	"""The channel is read when the hook is over, without waiting for a
	process it started that left its group (one holds it for a minute,
	past the run's bound), and closed: what that process writes later is
	lost, not handed to the next hook's exports."""
	hr.config("""
	    [pre_start:leaves]
	    exec = sh -c 'echo EARLY=1 >> "$$HOOKRUN_ENV_FILE"; setsid sleep 60 > /dev/null 2>&1 & setsid sh -c "sleep 1; timeout 1 sh -c \\"echo LATE=1 >> \\\\$$HOOKRUN_ENV_FILE\\"; echo wrote > @D@/late" > /dev/null 2>&1 &'

	    [pre_start:next]
	    exec = sh -c 'n=0; while [ ! -e @D@/late ] && [ $$n -lt 100 ]; do sleep 0.05; n=$$((n + 1)); done'

	    [start]
	    exec = sh -c 'echo "$$EARLY|$${LATE-unset}" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app.env") == "1|unset\n", r


def test_env_file_of_60000_lines_is_read_in_linear_time(hr):
	"""Issue 9: setting each variable scanned all the others: a
	60,000-line env_file blocked the loop ~10 s, after which the hook's
	timer killed it the moment it started."""
	hr.write("big.env", "".join("VAR_%05d=value %d\n" % (i, i)
	    for i in range(60000)) + "VAR_00007=last wins\n")
	hr.config("""
	    [pre_start:big]
	    exec = sh -c 'echo "$$VAR_59999|$$VAR_00007" > @D@/hook.env'
	    env_file = @D@/big.env
	    timeout = 3s
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert hr.read("hook.env") == "value 59999|last wins\n", r


def test_env_file_with_a_nul_byte_fails_the_spawn_naming_the_line(hr):
	with open(hr.path("vars"), "wb") as f:
		f.write(b"A=1\n\0B=2\n")
	hr.config("""
	    [pre_start:a]
	    exec = true
	    env_file = @D@/vars
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 126, r
	assert "%s:2: a NUL byte in the line" % hr.path("vars") in r.err, r


def test_exports_land_on_no_disk(hr):
	"""Nothing is made in TMPDIR (where 0.1 made its one file): the channel
	is a pipe. (/dev/shm and /tmp are not looked at: other runs of
	hookrun on the machine may make files there meanwhile.)"""
	tmp = hr.path("tmp")
	os.makedirs(tmp)
	hr.config("""
	    [pre_start:a]
	    exec = sh -c 'echo A=1 >> "$$HOOKRUN_ENV_FILE"; readlink "$$HOOKRUN_ENV_FILE" > @D@/where'
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env={"TMPDIR": tmp})
	assert r.rc == 0, r
	assert hr.read("where").startswith("pipe:["), r
	assert os.listdir(tmp) == [], r


def test_locked_hook_of_another_user_exports_through_its_guard(hr):
	"""A locked hook runs under a guard (a second hookrun) as its user:
	its channel must reach it, and still be its own to reopen."""
	hr.config("""
	    [pre_start:fetch]
	    exec = sh -c 'echo TOKEN=abc >> "$$HOOKRUN_ENV_FILE"'
	    user = nobody
	    exports = TOKEN
	    lock = @D@/lk

	    [start]
	    exec = sh -c 'echo "$${TOKEN-unset}" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app.env") == "abc\n", r
