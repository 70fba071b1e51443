# test_config.py: the config file's values and errors, the command line, --dry-run and --only.
#
# In a config value `$$` is a literal `$`: a shell's `$$` is written `$$$$`.

import os
import re

import pytest


# --- values ---------------------------------------------------------------

@pytest.mark.parametrize("sep", [";", " ; "], ids=["tight", "spaced"])
def test_semicolon_inside_value_is_literal(hr, sep):
	hr.config("""
	    [pre_start:both]
	    exec = sh -c 'echo a > @D@/f%s echo b >> @D@/f'

	    [start]
	    exec = true
	    """ % sep)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("f") == "a\nb\n", r


def test_hash_inside_value_is_literal(hr):
	hr.config("""
	    [start]
	    exec = printf '%s\\n' 'x # y' 'p#q' 'r ; s'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert r.out == "x # y\np#q\nr ; s\n", r


def test_comment_lines_are_ignored(hr):
	hr.config("""
	    ; a comment
	    # another
	    [start]
	      ; indented comment
	    exec = touch @D@/app
	      # indented too
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.exists("app"), r


def test_exec_is_split_like_a_shell_but_runs_without_one(hr):
	hr.config("""
	    [pre_start:noshell]
	    exec = echo "two  spaces" a > @D@/redirected

	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert not hr.exists("redirected"), r
	assert "[pre_start:noshell] two  spaces a > %s/redirected" % hr.dir in \
	    r.out_lines, r


def test_shell_yes_runs_exec_through_sh(hr):
	hr.config("""
	    [pre_start:withshell]
	    exec = echo $((40 + 2)) > @D@/out && echo done >> @D@/out
	    shell = yes

	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("out") == "42\ndone\n", r


def test_braced_variables_and_defaults_are_expanded(hr):
	hr.config("""
	    [start]
	    exec = printf '%s\\n' '${GREETING}' '${NOT_SET_HR:-fallback}' '${EMPTY_HR:-used}' '${GREETING:-unused}'
	    """)
	r = hr.run("-c", hr.cfg, env={"GREETING": "hello there",
	    "EMPTY_HR": "", "NOT_SET_HR": None})
	assert r.rc == 0, r
	assert r.out == "hello there\nfallback\nused\nhello there\n", r


def test_double_dollar_is_a_literal_dollar(hr):
	hr.config("""
	    [start]
	    exec = printf '%s\\n' '$$' 'a$$b' '$${GREETING}' 'cost $5' 'x$'
	    """)
	r = hr.run("-c", hr.cfg, env={"GREETING": "hello"})
	assert r.rc == 0, r
	assert r.out == "$\na$b\n${GREETING}\ncost $5\nx$\n", r


def test_unbraced_dollar_is_left_to_the_shell(hr):
	# Were hookrun to expand $HOME itself, the app would print /outer.
	hr.config("""
	    [start]
	    exec = sh -c 'HOME=/inner; echo "$HOME"'
	    """)
	r = hr.run("-c", hr.cfg, env={"HOME": "/outer"})
	assert r.rc == 0, r
	assert r.out == "/inner\n", r


def test_line_of_60_kib_works(hr):
	value = "v" * 60000
	hr.config("""
	    [start]
	    exec = sh -c 'printf %%s "$BIG" | wc -c'
	    env = BIG=%s
	    """ % value)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert r.out.strip() == "60000", r


def test_line_over_64_kib_is_an_error_with_its_line_number(hr):
	hr.config("""
	    [start]
	    exec = true
	    env = BIG=%s
	    """ % ("v" * 70000))
	r = hr.run("-c", "hookrun.ini")
	assert r.rc == 78, r
	assert "hookrun.ini:3:" in r.err, r


# --- config errors --------------------------------------------------------

def test_unknown_key_is_error_with_file_line_and_did_you_mean(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = true
	    timout = 1s

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", "hookrun.ini")
	assert r.rc == 78, r
	assert ("hookrun.ini:3: unknown key 'timout' in [pre_start:migrate] "
	    "(did you mean 'timeout'?)") in r.err, r
	assert not hr.exists("app"), r


def test_unknown_section_is_error_with_file_line(hr):
	hr.config("""
	    [start]
	    exec = touch @D@/app

	    [pre_strat:migrate]
	    exec = true
	    """)
	r = hr.run("-c", "hookrun.ini")
	assert r.rc == 78, r
	assert "hookrun.ini:4:" in r.err, r
	assert "pre_strat" in r.err, r
	assert not hr.exists("app"), r


def test_section_names_are_case_sensitive(hr):
	hr.config("""
	    [Start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", "hookrun.ini")
	assert r.rc == 78, r
	assert "hookrun.ini:1:" in r.err, r


@pytest.mark.parametrize("section", ["start", "pre_start:migrate",
    "hookrun"])
def test_duplicate_section_is_error_not_merge(hr, section):
	hr.config("""
	    [%s]
	    exec = true

	    [%s]
	    exec = true
	    """ % (section, section) if section != "hookrun" else """
	    [hookrun]
	    timeout = 1s

	    [hookrun]
	    kill_timeout = 1s
	    """)
	r = hr.run("-c", "hookrun.ini", "--", "true")
	assert r.rc == 78, r
	assert "hookrun.ini:4:" in r.err, r


def test_unset_variable_is_error(hr):
	hr.config("""
	    [start]
	    exec = echo ${HOOKRUN_TEST_NOT_SET_ANYWHERE}
	    """)
	r = hr.run("-c", "hookrun.ini")
	assert r.rc == 78, r
	assert "hookrun.ini:2:" in r.err, r
	assert "HOOKRUN_TEST_NOT_SET_ANYWHERE" in r.err, r


def test_bad_duration_is_error(hr):
	hr.config("""
	    [pre_start:x]
	    exec = true
	    timeout = soon
	    """)
	r = hr.run("-c", "hookrun.ini", "--", "true")
	assert r.rc == 78, r
	assert "hookrun.ini:3:" in r.err, r


def test_missing_config_named_with_c_is_error(hr):
	r = hr.run("-c", "missing.ini", "--", "touch", hr.path("app"))
	assert r.rc == 78, r
	assert "missing.ini" in r.err, r
	assert not hr.exists("app"), r


def test_bad_retries_value_is_error_with_file_line(hr):
	hr.config("""
	    [pre_start:a]
	    exec = true
	    retries = many

	    [start]
	    exec = true
	    stop_signal = NOSUCHSIG
	    """)
	r = hr.run("-c", "hookrun.ini")
	assert r.rc == 78, r
	msgs = [l for l in r.err_lines if "hookrun.ini:" in l]
	assert any("hookrun.ini:3:" in l for l in msgs), r
	for l in r.err_lines:
		assert l.startswith("hookrun: "), r


def test_hook_without_exec_is_config_error(hr):
	hr.config("""
	    [start]
	    exec = touch @D@/app

	    [pre_start:empty]
	    timeout = 1s
	    """)
	r = hr.run("-c", "hookrun.ini")
	assert r.rc == 78, r
	assert "hookrun.ini:4:" in r.err, r
	assert not hr.exists("app"), r


def test_unterminated_quote_is_config_error(hr):
	hr.config("""
	    [start]
	    exec = sh -c 'echo oops
	    """)
	r = hr.run("-c", "hookrun.ini")
	assert r.rc == 78, r
	assert "hookrun.ini:2:" in r.err, r


def test_relative_hooks_dir_is_relative_to_config_dir(hr):
	hr.config("""
	    [hookrun]
	    hooks_dir = hooks

	    [start]
	    exec = true
	    """, name="conf/hookrun.ini")
	hr.script("conf/hooks/pre_start/10-x", "touch @D@/ran\n")
	os.makedirs(hr.path("hooks", "pre_start"))
	r = hr.run("-c", "conf/hookrun.ini")
	assert r.rc == 0, r
	assert hr.exists("ran"), r


def test_relative_exec_with_slash_is_relative_to_workdir(hr):
	hr.script("wd/bin/tool", "touch @D@/ran\n")
	hr.config("""
	    [pre_start:tool]
	    exec = ./bin/tool
	    workdir = @D@/wd

	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.exists("ran"), r


def test_no_app_anywhere_is_config_error(hr):
	hr.config("""
	    [pre_start:x]
	    exec = touch @D@/hook
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 78, r
	assert "no app" in r.err, r
	assert not hr.exists("hook"), r


def test_config_from_hookrun_config_variable(hr):
	hr.config("""
	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run(env={"HOOKRUN_CONFIG": hr.cfg})
	assert r.rc == 0, r
	assert hr.exists("app"), r


def test_missing_default_config_with_app_acts_as_plain_init(hr):
	if os.path.exists("/etc/hookrun/hookrun.ini"):
		pytest.skip("/etc/hookrun/hookrun.ini exists on this machine")
	r = hr.run("--", "sh", "-c", "exit 7")
	assert r.rc == 7, r


def test_missing_default_config_without_app_is_config_error(hr):
	if os.path.exists("/etc/hookrun/hookrun.ini"):
		pytest.skip("/etc/hookrun/hookrun.ini exists on this machine")
	r = hr.run()
	assert r.rc == 78, r


# --- command line ---------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--bogus"],
    ["--only", "bogus"],
    ["--log-format", "xml"],
    ["--only", "pre_start", "--", "true"],
], ids=["unknown-option", "bad-only-phase", "bad-log-format", "only-with-app"])
def test_usage_error_exits_64_with_pointer_to_help(hr, args):
	hr.config("""
	    [pre_start:x]
	    exec = touch @D@/hook

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg, *args)
	assert r.rc == 64, r
	assert r.err_lines, r
	assert len(r.err_lines) <= 2, r
	assert all(l.startswith("hookrun: ") for l in r.err_lines), r
	assert "--help" in r.err_lines[-1], r
	assert not hr.exists("hook") and not hr.exists("app"), r


def test_long_options_take_their_value_after_equals(hr):
	hr.config("""
	    [pre_start:one]
	    exec = touch @D@/pre

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("--config=" + hr.cfg, "--only=pre_start", "--log-format=json")
	assert r.rc == 0, r
	assert hr.exists("pre") and not hr.exists("app"), r
	assert r.err_lines and all(l.startswith("{") for l in r.err_lines), r


@pytest.mark.parametrize("opt", ["--version", "-V"])
def test_version_exits_0(hr, opt):
	r = hr.run(opt)
	assert r.rc == 0, r
	assert re.search(r"\d+\.\d+\.\d+", r.out), r


@pytest.mark.parametrize("opt", ["--help", "-h"])
def test_help_exits_0_and_lists_options(hr, opt):
	r = hr.run(opt)
	assert r.rc == 0, r
	for o in ("--config", "--dry-run", "--only", "--log-format"):
		assert o in r.out, r


# --- --dry-run ------------------------------------------------------------

def write_full_config(hr):
	hr.config("""
	    [pre_start:make-marker]
	    exec = touch @D@/marker-config

	    [start]
	    exec = touch @D@/marker-app

	    [post_stop:cleanup]
	    exec = touch @D@/marker-post
	    """)
	hr.hook("pre_start", "50-dirhook", "touch @D@/marker-dir\n")


@pytest.mark.parametrize("opt", ["--dry-run", "-n"])
def test_dry_run_runs_nothing(hr, opt):
	write_full_config(hr)
	r = hr.run(opt, "-c", hr.cfg)
	assert r.rc == 0, r
	for m in ("marker-config", "marker-app", "marker-post", "marker-dir"):
		assert not hr.exists(m), (m, r)


def test_dry_run_prints_hooks_and_app_argv(hr):
	write_full_config(hr)
	r = hr.run("--dry-run", "-c", hr.cfg)
	assert r.rc == 0, r
	for s in ("make-marker", "50-dirhook", "cleanup", "marker-app"):
		assert s in r.out, (s, r)


def test_dry_run_prints_app_from_command_line(hr):
	write_full_config(hr)
	r = hr.run("--dry-run", "-c", hr.cfg, "--", "touch", hr.path("cmdline-app"))
	assert r.rc == 0, r
	assert "cmdline-app" in r.out, r
	assert not hr.exists("cmdline-app"), r


def test_dry_run_with_missing_hook_executable_exits_78_naming_it(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = @D@/no-such-migrate --to latest

	    [start]
	    exec = true
	    """)
	r = hr.run("--dry-run", "-c", hr.cfg)
	assert r.rc == 78, r
	assert "no-such-migrate" in r.err, r


def test_dry_run_with_missing_app_exits_78_naming_it(hr):
	hr.config("""
	    [start]
	    exec = no-such-app-hookrun-test
	    """)
	r = hr.run("--dry-run", "-c", hr.cfg)
	assert r.rc == 78, r
	assert "no-such-app-hookrun-test" in r.err, r


def test_dry_run_with_invalid_config_exits_78(hr):
	hr.config("""
	    [start]
	    exec = true
	    timout = 1s
	    """)
	r = hr.run("--dry-run", "-c", "hookrun.ini")
	assert r.rc == 78, r
	assert "hookrun.ini:3:" in r.err, r


# --- --only ---------------------------------------------------------------

def write_phases_config(hr, pre_start="touch @D@/pre"):
	hr.config("""
	    [pre_start:one]
	    exec = %s

	    [start]
	    exec = touch @D@/app

	    [post_start:two]
	    exec = touch @D@/post_start

	    [pre_stop:three]
	    exec = touch @D@/pre_stop

	    [post_stop:four]
	    exec = touch @D@/post_stop
	    """ % pre_start)


def test_only_pre_start_runs_just_pre_start_hooks(hr):
	write_phases_config(hr)
	r = hr.run("--only", "pre_start", "-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.exists("pre"), r
	for m in ("app", "post_start", "pre_stop", "post_stop"):
		assert not hr.exists(m), (m, r)


def test_only_pre_start_exits_with_failed_hook_status(hr):
	write_phases_config(hr, pre_start="sh -c 'exit 3'")
	r = hr.run("--only", "pre_start", "-c", hr.cfg)
	assert r.rc == 3, r
	for m in ("app", "post_start", "pre_stop", "post_stop"):
		assert not hr.exists(m), (m, r)


def test_only_post_stop_runs_just_post_stop_hooks(hr):
	write_phases_config(hr)
	r = hr.run("--only", "post_stop", "-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.exists("post_stop"), r
	for m in ("pre", "app", "post_start", "pre_stop"):
		assert not hr.exists(m), (m, r)


def test_only_runs_hooks_dir_hooks_of_the_phase(hr):
	write_phases_config(hr)
	hr.hook("pre_start", "50-dir", "touch @D@/dir-pre\n")
	hr.hook("post_stop", "50-dir", "touch @D@/dir-post\n")
	r = hr.run("--only", "pre_start", "-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.exists("dir-pre"), r
	assert not hr.exists("dir-post"), r
