# probeutil.py: what the probe tests share: a real DNS server on loopback (Debian's
# dnsmasq, on a 127.x.y.z address of the test's own, port 53) whose names the test adds
# as it goes, a small HTTP server whose answers the test sets, and a TCP listener.

import http.server
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import wait_for

DNSMASQ = "/usr/sbin/dnsmasq"


def dns_query(server, name, qtype=1, timeout=0.5):
	"""Asks SERVER (an IPv4 address, port 53) for NAME's records of QTYPE
	(1: A, 28: AAAA); returns (rcode, number of answers), or None when no
	answer comes."""
	qid = random.randrange(65536)
	q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
	for label in name.rstrip(".").split("."):
		q += bytes([len(label)]) + label.encode()
	q += b"\0" + struct.pack(">HH", qtype, 1)
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(timeout)
	try:
		s.sendto(q, (server, 53))
		data = s.recv(4096)
	except OSError:
		return None
	finally:
		s.close()
	if len(data) < 12 or struct.unpack(">H", data[:2])[0] != qid:
		return None
	flags, _, an = struct.unpack(">HHH", data[2:8])
	return flags & 0xF, an


def can_run_dns():
	return os.geteuid() == 0 and os.access(DNSMASQ, os.X_OK)


needs_dns = pytest.mark.skipif(not can_run_dns(),
    reason="needs root (port 53) and dnsmasq")


class Dns:
	"""dnsmasq on a random 127.x.y.z:53, authoritative for *.test: a name
	it has not been given is NXDOMAIN, at once. resolv_conf is a
	resolv.conf naming it; env() points hookrun at it and at an empty hosts
	file, so that nothing of the machine's own gets in."""

	def __init__(self, dir_):
		self.dir = dir_
		self.hosts = os.path.join(dir_, "dns.hosts")
		self.resolv_conf = os.path.join(dir_, "resolv.conf")
		self.empty_hosts = os.path.join(dir_, "empty.hosts")
		self.log = os.path.join(dir_, "dnsmasq.log")
		open(self.hosts, "w").close()
		open(self.empty_hosts, "w").close()
		self.proc = None
		for _ in range(5):
			self.addr = "127.%d.%d.%d" % (random.randrange(1, 255),
			    random.randrange(0, 255), random.randrange(2, 255))
			if self._start():
				break
		else:
			raise RuntimeError("dnsmasq did not start:\n" + self.logtext())
		with open(self.resolv_conf, "w") as f:
			f.write("nameserver %s\noptions timeout:1 attempts:1\n" %
			    self.addr)

	def _start(self):
		conf = os.path.join(self.dir, "dnsmasq.conf")
		with open(conf, "w") as f:
			f.write("local=/test/\naddn-hosts=%s\nlisten-address=%s\n"
			    "bind-interfaces\nport=53\nno-resolv\nno-hosts\n"
			    "no-negcache\nlocal-ttl=0\n" % (self.hosts, self.addr))
		with open(self.log, "ab") as lg:
			self.proc = subprocess.Popen([DNSMASQ, "--no-daemon",
			    "--conf-file=" + conf, "--pid-file=", "--user=root"],
			    stdin=subprocess.DEVNULL, stdout=lg, stderr=lg)
		ok = wait_for(lambda: self.proc.poll() is not None or
		    dns_query(self.addr, "nothing.test", timeout=0.2) is not None,
		    10)
		if ok and self.proc.poll() is None:
			return True
		self.stop()
		return False

	def logtext(self):
		try:
			with open(self.log) as f:
				return f.read()
		except OSError:
			return ""

	def add(self, name, *addrs):
		"""Gives NAME these addresses from now on (dnsmasq rereads its
		hosts file on SIGHUP); returns once it answers so."""
		with open(self.hosts, "a") as f:
			for a in addrs:
				f.write("%s %s\n" % (a, name))
		self.proc.send_signal(signal.SIGHUP)
		qtype = 28 if ":" in addrs[0] else 1
		assert wait_for(lambda: (dns_query(self.addr, name, qtype) or
		    (0, 0))[1] > 0, 10), self.logtext()

	def env(self):
		return {"HOOKRUN_RESOLV_CONF": self.resolv_conf,
		    "HOOKRUN_HOSTS_FILE": self.empty_hosts}

	def stop(self):
		if self.proc is not None and self.proc.poll() is None:
			self.proc.terminate()
			try:
				self.proc.wait(5)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait()


@pytest.fixture
def dns(hr):
	if not can_run_dns():
		pytest.skip("needs root (port 53) and dnsmasq")
	d = Dns(hr.dir)
	try:
		yield d
	finally:
		d.stop()


class HttpServer:
	"""An HTTP server on 127.0.0.1 (or ::1) in a thread of the test. Each
	GET is recorded (path, Host header) and answered with the next status
	of `statuses` (the last one repeats)."""

	def __init__(self, statuses=(200,), host="127.0.0.1"):
		self.statuses = list(statuses)
		self.requests = []
		self.lock = threading.Lock()
		outer = self

		class Handler(http.server.BaseHTTPRequestHandler):
			def do_GET(self):
				with outer.lock:
					outer.requests.append((self.path,
					    self.headers.get("Host"), time.monotonic()))
					st = outer.statuses[0]
					if len(outer.statuses) > 1:
						outer.statuses.pop(0)
				body = b"status %d\n" % st
				try:
					self.send_response(st)
					self.send_header("Content-Length", str(len(body)))
					self.end_headers()
					self.wfile.write(body)
				except OSError:
					pass	# the probe may close once it has the status

			def log_message(self, *args):
				pass

		class Server(http.server.ThreadingHTTPServer):
			address_family = socket.AF_INET6 if ":" in host else \
			    socket.AF_INET
			daemon_threads = True

			def handle_error(self, request, client_address):
				pass

		self.server = Server((host, 0), Handler)
		self.port = self.server.server_address[1]
		self.thread = threading.Thread(target=self.server.serve_forever,
		    kwargs={"poll_interval": 0.05}, daemon=True)
		self.thread.start()

	def set(self, *statuses):
		with self.lock:
			self.statuses = list(statuses)

	def count(self):
		with self.lock:
			return len(self.requests)

	def close(self):
		self.server.shutdown()
		self.server.server_close()

	def __enter__(self):
		return self

	def __exit__(self, *exc):
		self.close()


class Listener:
	"""A TCP socket listening on HOST:PORT (port 0: any free one)."""

	def __init__(self, host="127.0.0.1", port=0):
		fam = socket.AF_INET6 if ":" in host else socket.AF_INET
		self.sock = socket.socket(fam, socket.SOCK_STREAM)
		self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		if fam == socket.AF_INET6:
			self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
		self.sock.bind((host, port))
		self.sock.listen(16)
		self.port = self.sock.getsockname()[1]

	def close(self):
		self.sock.close()

	def __enter__(self):
		return self

	def __exit__(self, *exc):
		self.close()


def can_ipv6():
	try:
		with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
			s.bind(("::1", 0))
		return True
	except OSError:
		return False


def static_hookrun():
	"""The static build (make static), or None."""
	p = os.environ.get("HOOKRUN_STATIC") or os.path.join(os.path.dirname(
	    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
	    "hookrun-static")
	return p if os.access(p, os.X_OK) else None


def have(cmd):
	return shutil.which(cmd) is not None
