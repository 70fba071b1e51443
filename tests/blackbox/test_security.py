# test_security.py: hookrun as root against an unprivileged local user (uid 4242) and hostile user = hooks: one test per case of issue 8.

import os
import pwd
import sys

import pytest

from conftest import HOOKRUN, wait_for
from secutil import (ATTACKER, needs_root, shared, stat_of,  # noqa: F401
    sysctl)

pytestmark = needs_root

SECRET = "precious: root's alone\n"


def config(hr, s, text, **kw):
	"""hr.config with @S@ as the shared directory."""
	return hr.config(s.sub(text), **kw)


# --- 1: HOOKRUN_ENV_FILE ---------------------------------------------------------------------------

# The attacker waits for the name the user = nobody hook published, then
# polls it (and the root hook's /proc/PID/fd/N) for the secret: when it
# can read it, it copies it and appends LD_PRELOAD. It gives up after ~2s.
STEAL = r"""
n=0
while { [ ! -s @S@/channel ] || [ ! -s @S@/secret.pid ]; } && [ $n -lt 500 ]; do
	sleep 0.02; n=$((n + 1))
done
ch=$(cat @S@/channel); pid=$(cat @S@/secret.pid)
n=0
while [ $n -lt 100 ]; do
	for f in "$ch" "/proc/$pid/fd/${ch##*/}"; do
		if timeout 1 grep -q DB_PASSWORD "$f" 2>/dev/null; then
			cat "$f" > @S@/stolen
			echo LD_PRELOAD=/nonexistent/evil.so >> "$f"
			break 2
		fi
	done
	sleep 0.02; n=$((n + 1))
done
touch @S@/attack.done
"""


def test_case1_env_file_is_no_file_another_user_can_read_or_write(hr, shared):
	"""A user = nobody hook makes its HOOKRUN_ENV_FILE world-writable; a
	later root hook exports a secret; a local user must neither read it nor
	add LD_PRELOAD to what the app gets."""
	config(hr, shared, """
	    [pre_start:evil]
	    exec = sh -c 'chmod 666 "$$HOOKRUN_ENV_FILE"; echo "$$HOOKRUN_ENV_FILE" > @S@/channel'
	    user = nobody

	    [pre_start:secret]
	    exec = sh -c 'echo $$$$ > @S@/secret.pid; echo DB_PASSWORD=hunter2 >> "$$HOOKRUN_ENV_FILE"; n=0; while [ ! -e @S@/attack.done ] && [ $$n -lt 200 ]; do sleep 0.05; n=$$((n + 1)); done'

	    [start]
	    exec = sh -c 'echo "$${DB_PASSWORD-unset}|$${LD_PRELOAD-unset}" > @D@/app.env'
	    """)
	attacker = shared.attacker_start(STEAL)
	r = hr.run("-c", hr.cfg)
	attacker.wait(30)
	assert r.rc == 0, r
	assert shared.read("stolen") is None, (shared.read("stolen"), r)
	assert hr.read("app.env") == "hunter2|unset\n", r
	# A channel of the hook's own, not a file on any disk.
	assert shared.read("channel").startswith("/dev/fd/"), r


def test_case1_env_file_swapped_for_a_link_reaches_no_root_file(hr, shared):
	"""A user = nobody hook replaces its HOOKRUN_ENV_FILE with a symbolic
	link to a root-only file: root must not read, truncate or chown it."""
	shared.mkdir("rootonly", 0o755)
	victim = shared.write("rootonly/victim", SECRET)
	before = stat_of(victim)
	config(hr, shared, """
	    [pre_start:evil]
	    exec = sh -c 'f="$$HOOKRUN_ENV_FILE"; rm -f "$$f"; ln -s @S@/rootonly/victim "$$f"; echo X=1 > @S@/done'
	    user = nobody
	    on_failure = ignore

	    [pre_start:next]
	    exec = true
	    user = nobody

	    [start]
	    exec = true
	    """)
	with sysctl("fs/protected_symlinks", "0"):
		r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert stat_of(victim) == before, r
	with open(victim) as f:
		assert f.read() == SECRET, r
	assert "precious" not in r.err, r


# --- 2: lock files ----------------------------------------------------------------------------------

def lock_config(hr, s, once="v1"):
	config(hr, s, """
	    [pre_start:migrate]
	    exec = sh -c 'echo ran >> @D@/ran'
	    lock = @S@/locks/migrate
	    once = %s
	    """ % once, hooks_dir=False)


def victims(s):
	"""Three root-only files (0600) a lock must never touch; {path: stat}."""
	s.mkdir("rootonly", 0o755)
	out = {}
	for name in ("truncated", "overwritten", "copied"):
		p = s.write("rootonly/" + name, SECRET)
		out[p] = stat_of(p)
	return out


def assert_untouched(vs, r):
	for p, st in vs.items():
		assert stat_of(p) == st, (p, r)
		with open(p) as f:
			assert f.read() == SECRET, (p, r)


def test_case2_lock_files_planted_as_links_are_refused(hr, shared):
	"""In a lock directory others can write (sticky, as a shared volume's
	should be), a local user plants symbolic links where the lock file and
	its once records go: root must follow none of them."""
	shared.mkdir("locks", 0o1777)
	vs = victims(shared)
	r = shared.attacker("""
	    ln -s @S@/rootonly/truncated @S@/locks/migrate
	    ln -s @S@/rootonly/copied @S@/locks/migrate.once
	    ln -s @S@/rootonly/overwritten @S@/locks/migrate.once.tmp
	    """)
	assert r.returncode == 0, r.stdout
	lock_config(hr, shared)
	with sysctl("fs/protected_symlinks", "0"):
		r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "migrate: a symbolic link: refused" in r.err, r
	assert hr.read("ran") is None, r
	assert_untouched(vs, r)
	assert os.path.islink(shared.path("locks", "migrate.once")), r


def test_lock_file_hard_linked_to_a_root_file_is_refused(hr, shared):
	"""Without fs.protected_hardlinks, a local user may hard-link a root
	file (one it cannot even read) as the lock file."""
	shared.mkdir("locks", 0o1777)
	vs = victims(shared)
	lock_config(hr, shared)
	with sysctl("fs/protected_hardlinks", "0"):
		r = shared.attacker("ln @S@/rootonly/truncated @S@/locks/migrate")
		assert r.returncode == 0, r.stdout
		r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "migrate: has 2 hard links: refused" in r.err, r
	assert_untouched(vs, r)


def test_lock_file_or_records_of_another_user_are_refused(hr, shared):
	shared.mkdir("locks", 0o1777)
	lock_config(hr, shared)
	r = shared.attacker("echo 'pre_start:migrate\tv1' > @S@/locks/migrate.once")
	assert r.returncode == 0, r.stdout
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	# Not "already recorded": the attacker's records are no records.
	assert r.rc == 69, r
	assert "migrate.once: owned by uid %d" % ATTACKER in r.err, r
	assert hr.read("ran") is None, r
	os.unlink(shared.path("locks", "migrate.once"))
	os.unlink(shared.path("locks", "migrate"))
	r = shared.attacker("touch @S@/locks/migrate")
	assert r.returncode == 0, r.stdout
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "migrate: owned by uid %d" % ATTACKER in r.err, r


def test_lock_directory_others_can_write_must_be_sticky(hr, shared):
	"""Whoever can write a directory that is not sticky can rename root's
	lock file away and put anything in its place."""
	shared.mkdir("locks", 0o777)
	lock_config(hr, shared)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "directory %s: writable by group or others and not sticky" % \
	    shared.path("locks") in r.err, r
	assert hr.read("ran") is None, r
	# Sticky, it serves, and what hookrun made is root's, closed to others.
	os.chmod(shared.path("locks"), 0o1777)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert hr.read("ran") == "ran\n", r
	for name in ("migrate", "migrate.once"):
		st = stat_of(shared.path("locks", name))
		assert st[0] == 0 and st[1] == 0o644, (name, st)
	assert sorted(os.listdir(shared.path("locks"))) == ["migrate",
	    "migrate.once"]


def test_lock_directory_reached_through_a_directory_of_another_user_is_refused(
    hr, shared):
	"""The attacker owns a directory on the way: it could point the lock
	anywhere, /etc included."""
	shared.mkdir("theirs", 0o755, uid=ATTACKER)
	shared.mkdir("theirs/locks", 0o755)
	config(hr, shared, """
	    [pre_start:migrate]
	    exec = sh -c 'echo ran >> @D@/ran'
	    lock = @S@/theirs/locks/migrate
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 69, r
	assert "directory %s: owned by uid %d" % (shared.path("theirs"),
	    ATTACKER) in r.err, r
	assert hr.read("ran") is None, r


# --- 3: once records belong to the hook ----------------------------------------------------------------

def test_case3_once_records_are_kept_per_hook(hr):
	"""Two hooks sharing one lock and one once key: each runs once."""
	os.makedirs(hr.path("shared"))
	hr.config("""
	    [pre_start:migrate]
	    exec = sh -c 'echo migrate >> @D@/ran'
	    lock = @D@/shared/deploy
	    once = ${RELEASE}

	    [pre_start:seed]
	    exec = sh -c 'echo seed >> @D@/ran'
	    lock = @D@/shared/deploy
	    once = ${RELEASE}
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env={"RELEASE": "2.0"})
	assert r.rc == 0, r
	assert hr.lines("ran") == ["migrate", "seed"], r
	assert "already recorded" not in r.err, r
	assert hr.lines("shared/deploy.once") == ["pre_start:migrate\t2.0",
	    "pre_start:seed\t2.0"], r
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env={"RELEASE": "2.0"})
	assert r.rc == 0, r
	assert hr.lines("ran") == ["migrate", "seed"], r
	assert r.err.count("once key '2.0' already recorded: skipped") == 2, r


def test_once_records_of_hookrun_0_1_still_count(hr):
	"""A bare key, as 0.1 recorded it, is kept for every hook of its lock,
	so that an upgrade does not run a release's migration again."""
	hr.write("deploy.once", "2.0\n")
	hr.config("""
	    [pre_start:migrate]
	    exec = sh -c 'echo migrate >> @D@/ran'
	    lock = @D@/deploy
	    once = 2.0
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 0, r
	assert hr.read("ran") is None, r
	assert "once key '2.0' already recorded: skipped" in r.err, r


# --- 4: permission checks no file can switch off --------------------------------------------------------

def test_case4_config_cannot_turn_off_its_own_permission_check(hr):
	hr.config("""
	    [hookrun]
	    strict_permissions = no
	    hooks_dir = @D@/hooks.d

	    [pre_start:x]
	    exec = sh -c 'echo ran > @D@/ran'

	    [start]
	    exec = true
	    """)
	os.chmod(hr.cfg, 0o666)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 78, r
	assert "%s:2: strict_permissions: not a config key any more" % hr.cfg \
	    in r.err, r
	assert "%s: writable by group or others (refused as root: " \
	    "--no-strict-permissions allows it)" % hr.cfg in r.err, r
	assert hr.read("ran") is None, r


def test_case4_hook_file_of_another_user_is_not_run_as_root(hr):
	"""A 0755 hook owned by another user: that user can rewrite it."""
	hook = hr.hook("pre_start", "10-theirs", "id -u > @D@/ran\n")
	os.chown(hook, ATTACKER, ATTACKER)
	hr.config("""
	    [start]
	    exec = true
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 78, r
	assert "%s: owned by uid %d, not root" % (hook, ATTACKER) in r.err, r
	assert hr.read("ran") is None, r
	# The command line, and the environment, can allow it; nothing else.
	r = hr.run("--no-strict-permissions", "-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("ran") == "0\n", r
	r = hr.run("-c", hr.cfg, env={"HOOKRUN_STRICT_PERMISSIONS": "no"})
	assert r.rc == 0, r


def test_dry_run_reports_every_file_others_could_change(hr):
	os.makedirs(hr.path("theirs"))
	os.chown(hr.path("theirs"), ATTACKER, ATTACKER)
	env_file = hr.write("theirs/env", "A=1\n")
	open_env = hr.write("open.env", "B=1\n", mode=0o664)
	hook = hr.hook("pre_start", "10-theirs", "true\n")
	os.chown(hook, ATTACKER, ATTACKER)
	os.makedirs(hr.path("hooks.d", "post_stop"))
	os.chmod(hr.path("hooks.d", "post_stop"), 0o777)
	hr.config("""
	    [pre_start:a]
	    exec = true
	    env_file = @D@/theirs/env
	    env_file = @D@/open.env

	    [start]
	    exec = true
	    """)
	os.chmod(hr.cfg, 0o620)
	r = hr.run("-n", "-c", hr.cfg)
	assert r.rc == 78, r
	for what in ("%s: writable by group or others" % hr.cfg,
	    "%s:3: env_file: %s: directory %s: owned by uid %d" % (hr.cfg,
	    env_file, hr.path("theirs"), ATTACKER),
	    "%s:4: env_file: %s: writable by group or others" % (hr.cfg,
	    open_env),
	    "%s: owned by uid %d, not root" % (hook, ATTACKER),
	    "%s: writable by group or others" % hr.path("hooks.d", "post_stop")):
		assert what in r.err, (what, r)
	r = hr.run("-n", "--no-strict-permissions", "-c", hr.cfg)
	assert r.rc == 0, r
	assert "strict_permissions: no (--no-strict-permissions)" in r.out, r


def test_env_file_changed_hands_after_loading_is_refused_at_spawn(hr):
	hr.write("vars", "A=1\n")
	hr.config("""
	    [pre_start:a]
	    exec = sh -c 'echo "$$A" > @D@/seen'
	    env_file = @D@/vars
	    """, hooks_dir=False)
	os.chown(hr.path("vars"), ATTACKER, ATTACKER)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 78, r
	os.chown(hr.path("vars"), 0, 0)
	# A pre_start hook may write it: checked again when it is read.
	hr.config("""
	    [pre_start:writes]
	    exec = sh -c 'echo A=2 > @D@/vars.new; chown %d @D@/vars.new; mv @D@/vars.new @D@/vars'

	    [pre_start:a]
	    exec = sh -c 'echo "$$A" > @D@/seen'
	    env_file = @D@/vars
	    """ % ATTACKER, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start")
	assert r.rc == 126, r
	assert "env_file %s: owned by uid %d, not root" % (hr.path("vars"),
	    ATTACKER) in r.err, r
	assert hr.read("seen") is None, r


# --- 5: the notify socket's directory --------------------------------------------------------------------

# As the app (user = nobody): READY=1, then an attempt to swap the
# socket's directory for a link to a root-only one with a "notify" in it.
SWAP = r"""
import os, socket, subprocess, sys
a = os.environ["NOTIFY_SOCKET"]
d = os.path.dirname(a)
st = os.stat(d)
with open(sys.argv[1], "w") as f:
	f.write("%d %o\n" % (st.st_uid, st.st_mode & 0o7777))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1", a)
try:
	os.rename(d, d + ".old")
	os.symlink(sys.argv[2], d)
except OSError as e:
	with open(sys.argv[1], "a") as f:
		f.write("swap: %s\n" % e.strerror)
"""


def test_case5_notify_socket_directory_stays_hookruns(hr, shared):
	shared.mkdir("rootonly", 0o700)
	victim = shared.write("rootonly/notify", SECRET)
	shared.write("swap.py", SWAP, mode=0o644)
	report = shared.path("report")
	config(hr, shared, """
	    [start]
	    exec = %s @S@/swap.py @S@/report @S@/rootonly
	    user = nobody
	    workdir = /
	    ready = notify
	    ready_timeout = 10s
	    """ % sys.executable)
	tmp = shared.mkdir("tmp", 0o1777)
	with sysctl("fs/protected_symlinks", "0"):
		r = hr.run("-c", hr.cfg, env={"TMPDIR": tmp})
	assert r.rc == 0, r
	with open(report) as f:
		lines = f.read().splitlines()
	# root's, the app's group may pass through, nobody may change it
	uid, mode = lines[0].split()
	assert uid == "0" and mode == "710", lines
	assert lines[1].startswith("swap: "), lines
	assert os.path.exists(victim), r
	assert os.listdir(tmp) == [], r


# --- 6: once keys -----------------------------------------------------------------------------------------

def test_case6_once_key_with_a_control_character_is_a_config_error(hr):
	hr.config("""
	    [pre_start:migrate]
	    exec = sh -c 'echo ran >> @D@/ran'
	    lock = @D@/lk
	    once = ${RELEASE}
	    """, hooks_dir=False)
	r = hr.run("-c", hr.cfg, "--only", "pre_start",
	    env={"RELEASE": "2.0\n1.0"})
	assert r.rc == 78, r
	assert "%s:4: once: the key has a control character (0x0a) at byte 4" \
	    % hr.cfg in r.err, r
	assert hr.read("ran") is None and not hr.exists("lk.once"), r
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env={"RELEASE": "x" * 257})
	assert r.rc == 78, r
	assert "%s:4: once: the key is 257 bytes long, more than 256" % hr.cfg \
	    in r.err, r
	r = hr.run("-c", hr.cfg, "--only", "pre_start", env={"RELEASE": "x" * 256})
	assert r.rc == 0, r


# --- 7: a user = hook's environment and groups -------------------------------------------------------------

SHOW_USER = 'sh -c \'echo "$$HOME|$$USER|$$LOGNAME|$$SHELL|$$(id -u)|$$(id -G)" > %s\''


def test_case7_user_hook_gets_home_user_logname_shell_of_its_user(hr, shared):
	config(hr, shared, """
	    [pre_start:who]
	    exec = %s
	    user = nobody

	    [start]
	    exec = %s
	    user = nobody
	    """ % (SHOW_USER % "@S@/hook", SHOW_USER % "@S@/app"))
	r = hr.run("-c", hr.cfg, env={"HOME": "/root", "USER": "root",
	    "LOGNAME": "root", "SHELL": "/bin/bash"})
	assert r.rc == 0, r
	pw = pwd.getpwnam("nobody")
	want = "%s|nobody|nobody|%s|%d|%d\n" % (pw.pw_dir, pw.pw_shell,
	    pw.pw_uid, pw.pw_gid)
	assert shared.read("hook") == want, r
	assert shared.read("app") == want, r


def test_user_hook_gets_its_supplementary_groups_from_etc_group(hr, shared):
	"""A user of two groups besides its own, in passwd and group files of
	the test's own (bind-mounted over /etc in a mount namespace)."""
	passwd = hr.write("passwd", "root:x:0:0:root:/root:/bin/sh\n"
	    "deployer:x:%d:%d:the deployer:/home/deployer:/bin/bash\n" % (
	    ATTACKER, ATTACKER))
	group = hr.write("group", "root:x:0:\ndeployer:x:%d:\n"
	    "audit:x:4300:someone,deployer\nweb:x:4301:deployer\n"
	    "other:x:4302:someone\n" % ATTACKER)
	config(hr, shared, """
	    [pre_start:who]
	    exec = %s
	    user = deployer
	    """ % (SHOW_USER % "@S@/hook"), hooks_dir=False)
	r = hr.spawn(["unshare", "-m", "sh", "-c", 'mount --bind "$1" '
	    '/etc/passwd && mount --bind "$2" /etc/group && exec "$3" -c "$4" '
	    '--only pre_start', "sh", passwd, group, HOOKRUN, hr.cfg]).wait()
	if r.rc != 0 and r.err.startswith(("unshare:", "mount:")):
		pytest.skip("no mount namespace here: " + r.err_lines[0])
	assert r.rc == 0, r
	assert shared.read("hook") == "/home/deployer|deployer|deployer|" \
	    "/bin/bash|%d|%d 4300 4301\n" % (ATTACKER, ATTACKER), r


# --- 8: exports across users --------------------------------------------------------------------------------

def test_case8_exports_of_a_less_privileged_hook_reach_no_root_process(hr):
	hr.config("""
	    [pre_start:evil]
	    exec = sh -c 'printf "LD_PRELOAD=/nonexistent/evil.so\\nPATH=/tmp/evil\\nNICE=1\\n" >> "$$HOOKRUN_ENV_FILE"'
	    user = nobody

	    [pre_start:root]
	    exec = sh -c 'echo "$${LD_PRELOAD-unset}|$$PATH|$${NICE-unset}" > @D@/hook.env'

	    [start]
	    exec = sh -c 'echo "$${LD_PRELOAD-unset}|$$PATH|$${NICE-unset}" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg, env={"PATH": "/usr/bin:/bin"})
	assert r.rc == 0, r
	assert hr.read("hook.env") == "unset|/usr/bin:/bin|unset\n", r
	assert hr.read("app.env") == "unset|/usr/bin:/bin|unset\n", r
	for line, key in ((1, "LD_PRELOAD"), (2, "PATH"), (3, "NICE")):
		assert "hookrun: pre_start:evil: HOOKRUN_ENV_FILE line %d: %s not " \
		    "exported: it runs as user nobody: only keys listed in " \
		    "exports = are handed on" % (line, key) in r.err_lines, r


def test_exports_key_lets_a_less_privileged_hook_hand_on_what_it_lists(hr):
	hr.config("""
	    [pre_start:fetch]
	    exec = sh -c 'echo "TOKEN=abc" >> "$$HOOKRUN_ENV_FILE"; echo LD_PRELOAD=/x.so >> "$$HOOKRUN_ENV_FILE"'
	    user = nobody
	    exports = TOKEN

	    [start]
	    exec = sh -c 'echo "$${TOKEN-unset}|$${LD_PRELOAD-unset}" > @D@/app.env'
	    """)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 0, r
	assert hr.read("app.env") == "abc|unset\n", r
	assert "HOOKRUN_ENV_FILE line 2: LD_PRELOAD not exported: not listed " \
	    "in its exports =" in r.err, r


def test_exports_channel_is_readable_by_no_other_user(hr, shared):
	"""While a root hook holds its channel, another user cannot open it
	through /proc."""
	config(hr, shared, """
	    [pre_start:hold]
	    exec = sh -c 'echo SECRET=1 >> "$$HOOKRUN_ENV_FILE"; echo "$$$$ $$HOOKRUN_ENV_FILE" > @S@/held; n=0; while [ ! -e @S@/tried ] && [ $$n -lt 200 ]; do sleep 0.05; n=$$((n + 1)); done'
	    """, hooks_dir=False)
	run = hr.start("-c", hr.cfg, "--only", "pre_start")
	assert wait_for(lambda: shared.read("held")), run.wait()
	pid, path = shared.read("held").split()
	proc = "/proc/%s/fd/%s" % (pid, path.rsplit("/", 1)[1])
	a = shared.attacker("cat %s; echo rc=$?; touch @S@/tried" % proc,
	    timeout=10)
	r = run.wait()
	assert r.rc == 0, r
	assert "Permission denied" in a.stdout and "SECRET" not in a.stdout, \
	    a.stdout
