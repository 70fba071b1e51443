# test_limits.py: hookrun short of descriptors: a clear error and its own
# status (71, EX_OSERR), at start and while it runs, never libev's abort.

import re
import resource

import pytest

from conftest import SANITIZED


def nofile(n):
	def lower():
		resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
	return lower


@pytest.mark.parametrize("n", [4, 8, 31])
def test_too_few_descriptors_at_start_is_a_clear_error_71(hr, n):
	hr.config("""
	    [pre_start:a]
	    exec = touch @D@/ran

	    [start]
	    exec = true
	    """)
	r = hr.start("-c", hr.cfg, preexec_fn=nofile(n)).wait()
	assert r.rc == 71, r
	assert ("too few file descriptors: the limit (ulimit -n) is %d, "
	    "hookrun needs 32" % n) in r.err, r
	assert "libev" not in r.err, r
	assert not hr.exists("ran"), r


def test_enough_descriptors_run_as_usual(hr):
	hr.config("""
	    [pre_start:a]
	    exec = touch @D@/ran

	    [start]
	    exec = true
	    """)
	r = hr.start("-c", hr.cfg, preexec_fn=nofile(32)).wait()
	assert r.rc == 0, r
	assert hr.exists("ran"), r


def test_dry_run_too_is_refused_before_reading_anything(hr):
	hr.config("""
	    [start]
	    exec = true
	    """)
	r = hr.start("-n", "-c", hr.cfg, preexec_fn=nofile(4)).wait()
	assert r.rc == 71, r
	assert r.err.count("\n") == 1, r
	assert "too few file descriptors" in r.err, r


@pytest.mark.skipif(SANITIZED, reason="LeakSanitizer needs descriptors "
    "of its own at exit")
def test_descriptors_running_out_mid_run_fail_the_hook_with_71(hr):
	# The first hook takes hookrun's descriptors away (prlimit on its
	# parent, hookrun): the next hook cannot get its output pipes.
	hr.config("""
	    [pre_start:squeeze]
	    exec = prlimit --pid $$PPID --nofile=3:3
	    shell = yes

	    [pre_start:next]
	    exec = touch @D@/ran

	    [start]
	    exec = touch @D@/app
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 71, r
	assert "squeeze: succeeded" in r.err, r
	assert re.search(r"next: .*pipe.*: Too many open files", r.err), r
	assert "next: failed with status 71" in r.err, r
	assert not hr.exists("ran") and not hr.exists("app"), r
