# conftest.py: the container suite's engine. podman with runc, configured by files of the
# suite's own (containers.conf, storage.conf) whose storage, run and lock directories are all
# in $SANDBOX_DIR (tests/sandbox made it, and removes it); an image made here from scratch:
# hookrun-static, busybox-static and the files of image/; a box per test to run it in.
#
# Run through tests/container/run, never directly: it makes the sandbox (a private mount
# namespace under hookrun as subreaper) that keeps the host clean.

import glob
import io
import os
import re
import resource
import shutil
import subprocess
import tarfile
import threading
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SANDBOX = os.environ.get("SANDBOX_DIR")
IMAGE = "localhost/hookrun-test:%d" % os.getpid()
STATIC = os.environ.get("HOOKRUN_STATIC") or os.path.join(ROOT, "hookrun-static")
BUSYBOX = "/bin/busybox"

# Every podman call is bounded by this; a longer one is a failure, not a hang.
CALL_TIMEOUT = 120


def wait_for(cond, timeout=10.0, interval=0.05):
	"""Polls cond() until it returns a true value (returned) or timeout
	passes (returns the last, false, value)."""
	end = time.monotonic() + timeout
	while True:
		v = cond()
		if v or time.monotonic() >= end:
			return v
		time.sleep(interval)


def _write(path, text):
	with open(path, "w") as f:
		f.write(text)


def engine_env():
	"""The environment every podman call gets: the suite's own config files."""
	env = dict(os.environ)
	env["CONTAINERS_CONF"] = os.path.join(SANDBOX, "containers.conf")
	env["CONTAINERS_STORAGE_CONF"] = os.path.join(SANDBOX, "storage.conf")
	env["TMPDIR"] = os.path.join(SANDBOX, "tmp")
	return env


def configure():
	"""Writes containers.conf and storage.conf into the sandbox.

	runc, not crun (crun refuses cgroups in hybrid mode); no network
	namespace (nothing of iptables or netns is made); ulimits of our own
	(podman's default raises nofile, which needs CAP_SYS_RESOURCE); locks
	in files of the sandbox, not /dev/shm."""
	os.makedirs(os.path.join(SANDBOX, "tmp"), exist_ok=True)
	# At most the suite's own hard limits: lowering needs no privilege.
	def lim(which, want):
		hard = resource.getrlimit(which)[1]
		return want if hard == resource.RLIM_INFINITY else min(hard, want)
	nofile = lim(resource.RLIMIT_NOFILE, 4096)
	nproc = lim(resource.RLIMIT_NPROC, 4096)
	_write(os.path.join(SANDBOX, "containers.conf"), """\
[containers]
netns = "none"
default_ulimits = ["nofile=%d:%d", "nproc=%d:%d"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
lock_type = "file"
tmp_dir = "%s/libpod"
static_dir = "%s/storage/libpod"
volume_path = "%s/volumes"
""" % (nofile, nofile, nproc, nproc, SANDBOX, SANDBOX, SANDBOX))
	_write(os.path.join(SANDBOX, "storage.conf"), """\
[storage]
driver = "overlay"
graphroot = "%s/storage"
runroot = "%s/run"
""" % (SANDBOX, SANDBOX))


def podman(*args, check=True, timeout=CALL_TIMEOUT, **kw):
	"""Runs podman ARGS; returns the CompletedProcess (text). check: a
	non-zero exit fails the test with podman's output."""
	argv = ["podman"] + [str(a) for a in args]
	try:
		p = subprocess.run(argv, env=engine_env(), capture_output=True,
		    text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw)
	except subprocess.TimeoutExpired as e:
		pytest.fail("%s: no answer within %ss\n%s" % (" ".join(argv),
		    timeout, e.stderr))
	if check and p.returncode != 0:
		pytest.fail("%s: exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s" %
		    (" ".join(argv), p.returncode, p.stdout[-3000:],
		    p.stderr[-3000:]))
	return p


def _add(tar, name, mode, data=None, link=None, kind=tarfile.REGTYPE):
	ti = tarfile.TarInfo(name)
	ti.mode = mode
	ti.uid = ti.gid = 0
	ti.mtime = 0
	ti.type = kind
	if link is not None:
		ti.linkname = link
	if data is not None:
		ti.size = len(data)
		tar.addfile(ti, io.BytesIO(data))
	else:
		tar.addfile(ti)


def _read(path):
	with open(path, "rb") as f:
		return f.read()


def image_tar(path):
	"""The test image's root file system, as a tar: every file root's,
	modes set here (not from the checkout): busybox and its applets in
	/bin, hookrun-static as /usr/local/bin/hookrun, and image/."""
	applets = subprocess.run([BUSYBOX, "--list"], capture_output=True,
	    text=True, check=True).stdout.split()
	with tarfile.open(path, "w") as tar:
		for d, mode in (("bin", 0o755), ("etc", 0o755), ("usr", 0o755),
		    ("usr/local", 0o755), ("usr/local/bin", 0o755),
		    ("tmp", 0o1777), ("root", 0o700), ("out", 0o755),
		    ("proc", 0o555), ("sys", 0o555), ("dev", 0o755),
		    ("run", 0o755), ("app", 0o755)):
			_add(tar, d, mode, kind=tarfile.DIRTYPE)
		_add(tar, "bin/busybox", 0o755, _read(BUSYBOX))
		for a in applets:
			if a != "busybox":
				_add(tar, "bin/" + a, 0o777, link="busybox",
				    kind=tarfile.SYMTYPE)
		_add(tar, "usr/local/bin/hookrun", 0o755, _read(STATIC))
		_add(tar, "etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n"
		    b"app:x:1000:1000:app:/app:/bin/sh\n")
		_add(tar, "etc/group", 0o644, b"root:x:0:\napp:x:1000:\n")
		src = os.path.join(HERE, "image")
		for top, dirs, files in sorted(os.walk(src)):
			dirs.sort()
			rel = os.path.relpath(top, src)
			for d in dirs:
				name = os.path.normpath(os.path.join(rel, d))
				if name not in ("etc", "app"):
					_add(tar, name, 0o755, kind=tarfile.DIRTYPE)
			for f in sorted(files):
				p = os.path.join(top, f)
				mode = 0o755 if os.access(p, os.X_OK) else 0o644
				_add(tar, os.path.normpath(os.path.join(rel, f)),
				    mode, _read(p))


def skip_suite(why):
	"""The engine cannot run here: the suite ends, exit 77 (tests/container/run
	reports it as skipped, or as a failure where the engines are required)."""
	pytest.exit("container suite: skipped: " + why, returncode=77)


@pytest.fixture(scope="session")
def image():
	"""The scratch image, imported once; the engine probed with it."""
	if SANDBOX is None:
		pytest.exit("run the container suite through tests/container/run",
		    returncode=2)
	for path, what in ((STATIC, "hookrun-static (make static)"),
	    (BUSYBOX, "busybox (busybox-static)")):
		if not os.access(path, os.X_OK):
			skip_suite("no %s at %s" % (what, path))
	configure()
	tar = os.path.join(SANDBOX, "image.tar")
	image_tar(tar)
	p = podman("import", "--quiet",
	    "--change", 'ENTRYPOINT ["/usr/local/bin/hookrun", "-c", '
	    '"/etc/hookrun.ini", "--"]',
	    "--change", 'CMD ["/app/app"]', tar, IMAGE, check=False)
	if p.returncode != 0:
		skip_suite("podman import failed: %s" % p.stderr.strip()[-500:])
	p = podman("run", "--rm", "--entrypoint", "/bin/true", IMAGE,
	    check=False)
	if p.returncode != 0:
		skip_suite("podman cannot run a container here: %s" %
		    p.stderr.strip()[-500:])
	yield IMAGE
	podman("rm", "--all", "--force", "--time", "0", check=False)
	podman("rmi", "--all", "--force", check=False)


class Box:
	"""One container of the test image, with /out bound to a directory of
	the test's: what the hooks and the app record there is read back."""

	def __init__(self, image, tmp):
		self.image = image
		self.out = os.path.join(str(tmp), "out")
		os.makedirs(self.out)
		# The image's hooks may run as another user (--user).
		os.chmod(self.out, 0o777)
		self.name = "hookrun-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
		self.started = False

	def args(self, env=None, user=None, entrypoint=None, extra=()):
		a = ["--name", self.name, "-v", "%s:/out" % self.out]
		for k, v in (env or {}).items():
			a += ["-e", "%s=%s" % (k, v)]
		if user is not None:
			a += ["--user", user]
		if entrypoint is not None:
			a += ["--entrypoint", entrypoint]
		return a + list(extra)

	def start(self, *cmd, **kw):
		"""podman run -d: the container runs in the background."""
		self.started = True
		podman("run", "-d", *self.args(**kw), self.image, *cmd)

	def run(self, *cmd, timeout=60, **kw):
		"""podman run --rm in the foreground, to its end: (exit code,
		output)."""
		self.started = True
		p = podman("run", "--rm", *self.args(**kw), self.image, *cmd,
		    check=False, timeout=timeout)
		return p.returncode, p.stdout + p.stderr

	def events(self):
		try:
			with open(os.path.join(self.out, "events")) as f:
				return f.read().splitlines()
		except FileNotFoundError:
			return []

	def orphans(self):
		try:
			with open(os.path.join(self.out, "orphans")) as f:
				return [int(x) for x in f.read().split()]
		except FileNotFoundError:
			return []

	def has(self, prefix):
		"""The first event starting with PREFIX, or None."""
		for e in self.events():
			if e.startswith(prefix):
				return e
		return None

	def wait_event(self, prefix, timeout=20):
		e = wait_for(lambda: self.has(prefix), timeout)
		assert e, "no event %r within %ss\n%s" % (prefix, timeout, self)
		return e

	def index(self, prefix):
		for i, e in enumerate(self.events()):
			if e.startswith(prefix):
				return i
		raise AssertionError("no event %r\n%s" % (prefix, self))

	def procs(self):
		"""{pid: state} of every process in the container (podman exec)."""
		p = podman("exec", self.name, "/app/procs")
		out = {}
		for line in p.stdout.splitlines():
			pid, state = line.split()
			out[int(pid)] = state
		return out

	def wait(self, timeout=60):
		"""The container's exit code, once it has exited."""
		p = podman("wait", self.name, timeout=timeout)
		return int(p.stdout.strip())

	def inspect(self, fmt):
		return podman("inspect", "--format", fmt, self.name).stdout.strip()

	def logs(self):
		p = podman("logs", self.name, check=False)
		return p.stdout + p.stderr

	def remove(self):
		if self.started:
			podman("rm", "--force", "--time", "0", "--ignore", self.name,
			    check=False)

	def __repr__(self):
		text = "box %s\n--- events ---\n%s" % (self.name,
		    "\n".join(self.events()))
		if self.started:
			text += "\n--- logs ---\n" + self.logs()[-3000:]
		return text


@pytest.fixture
def box(image, tmp_path):
	b = Box(image, tmp_path)
	try:
		yield b
	finally:
		b.remove()


# conf/Dockerfile's test (test_dockerfile.py): its base image, made with debootstrap, and
# the build itself take the longest by far, so they start in the background as soon as the
# tests are collected, while the other tests run.

SUITE = "bookworm"		# debian:12, as conf/Dockerfile names it
RELEASE = "localhost/shop:%d" % os.getpid()


def apt_mirror(suite=SUITE):
	"""The Debian mirror that this machine's apt uses for SUITE's main
	component (sources.list and sources.list.d, one-line and deb822), so
	that debootstrap reaches what apt reaches. None when there is none."""
	entries = []
	paths = ["/etc/apt/sources.list"] + \
	    sorted(glob.glob("/etc/apt/sources.list.d/*.list")) + \
	    sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
	for path in paths:
		try:
			with open(path) as f:
				text = f.read()
		except OSError:
			continue
		if path.endswith(".sources"):
			for stanza in re.split(r"\n\s*\n", text):
				fields = {}
				for line in stanza.splitlines():
					if line.lstrip().startswith("#") or ":" not in line:
						continue
					k, v = line.split(":", 1)
					fields[k.strip().lower()] = v.split()
				if "deb" in fields.get("types", []):
					for uri in fields.get("uris", []):
						entries.append((uri, fields.get("suites", []),
						    fields.get("components", [])))
			continue
		for line in text.splitlines():
			w = line.split("#", 1)[0].split()
			if w[:1] != ["deb"]:
				continue
			w = w[1:]
			if w and w[0].startswith("["):
				while w and not w[0].endswith("]"):
					w = w[1:]
				w = w[1:]
			if len(w) >= 3:
				entries.append((w[0], [w[1]], w[2:]))
	for uri, suites, comps in entries:
		if suite in suites and "main" in comps:
			return uri
	return None


class ReleaseBuild:
	"""debootstrap, podman import, podman build of conf/Dockerfile: in a
	thread; result() waits for it. Each step's time is kept for the
	summary; its output goes to a log in the sandbox."""

	def __init__(self):
		self.dir = os.path.join(SANDBOX, "release")
		self.log = os.path.join(self.dir, "build.log")
		self.times = []
		self.error = None
		self.thread = threading.Thread(target=self._run, daemon=True)

	def start(self):
		os.makedirs(self.dir)
		self.thread.start()

	def _step(self, what, argv, **kw):
		t0 = time.monotonic()
		with open(self.log, "a") as log:
			log.write("\n$ %s\n" % " ".join(argv))
			log.flush()
			p = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT,
			    stdin=subprocess.DEVNULL, env=engine_env(), **kw)
		self.times.append((what, time.monotonic() - t0))
		if p.returncode != 0:
			raise RuntimeError("%s failed (exit %d)" % (what, p.returncode))

	def _run(self):
		try:
			self._build()
		except Exception as e:
			self.error = "%s\n--- %s (end) ---\n%s" % (e, self.log,
			    self.log_tail())

	def _build(self):
		mirror = apt_mirror()
		if mirror is None:
			raise RuntimeError("no Debian mirror for %s in "
			    "/etc/apt/sources.list*" % SUITE)
		rootfs = os.path.join(self.dir, "rootfs")
		# minbase: apt and what it needs, nothing more; the same image
		# serves as debian:12 and debian:12-slim.
		self._step("debootstrap", ["debootstrap", "--variant=minbase",
		    SUITE, rootfs, mirror], timeout=600)
		t0 = time.monotonic()
		for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
			for p in glob.glob(os.path.join(rootfs, junk, "*")):
				if os.path.isfile(p):
					os.unlink(p)
		tar = os.path.join(self.dir, "rootfs.tar")
		subprocess.run(["tar", "-C", rootfs, "-cf", tar, "."], check=True)
		shutil.rmtree(rootfs)
		self.times.append(("tar", time.monotonic() - t0))
		self._step("podman import", ["podman", "import", "--quiet", tar,
		    "localhost/debian:12"], timeout=300)
		os.unlink(tar)
		self._step("podman tag", ["podman", "tag", "localhost/debian:12",
		    "localhost/debian:12-slim"], timeout=60)
		# The build context is the root of the tree, with the app's
		# release in ./release, as conf/Dockerfile says.
		ctx = os.path.join(self.dir, "context")
		os.makedirs(ctx)
		for name in ("Makefile", "include", "src", "conf"):
			src = os.path.join(ROOT, name)
			if os.path.isdir(src):
				shutil.copytree(src, os.path.join(ctx, name))
			else:
				shutil.copy(src, ctx)
		shutil.copytree(os.path.join(HERE, "shop"),
		    os.path.join(ctx, "release"))
		self._step("podman build", ["podman", "build", "--pull=never",
		    "--network=host", "-f", "conf/Dockerfile", "-t", RELEASE,
		    "."], cwd=ctx, timeout=900)

	def log_tail(self):
		try:
			with open(self.log) as f:
				return f.read()[-4000:]
		except OSError:
			return ""

	def result(self, timeout=900):
		"""Waits for the build; returns the image's name, or fails."""
		self.thread.join(timeout)
		if self.thread.is_alive():
			pytest.fail("conf/Dockerfile not built within %ss\n%s" %
			    (timeout, self.log_tail()))
		if self.error is not None:
			pytest.fail(self.error)
		return RELEASE


_release = None


def pytest_collection_modifyitems(session, config, items):
	"""The Dockerfile's tests go last: the build has the most time."""
	items.sort(key=lambda it: "test_dockerfile" in it.nodeid)


def pytest_collection_finish(session):
	global _release
	if SANDBOX is None or not any("test_dockerfile" in it.nodeid
	    for it in session.items):
		return
	configure()
	_release = ReleaseBuild()
	_release.start()


def pytest_terminal_summary(terminalreporter):
	if _release is not None and _release.times:
		terminalreporter.write_line("conf/Dockerfile: " + ", ".join(
		    "%s %.1fs" % t for t in _release.times))


@pytest.fixture(scope="session")
def release():
	if _release is None:
		pytest.skip("the release image was not built")
	return _release.result()
