# test_probes.py: the probe engine where hookrun waits: wait = hooks (DNS names from a
# real DNS server on loopback, every address, HTTP, unix, exec), ready = http://, the
# plan's view of probes, and probe values the config refuses.
#
# In a config value `$$` is a literal `$`: a shell's `$$` is written `$$$$`.

import os
import shutil
import signal
import socket
import threading
import time

import pytest

from conftest import free_port, wait_for
from notifyutil import wait_err
from probeutil import (HttpServer, Listener, can_ipv6, dns,  # noqa: F401
    have, needs_dns, static_hookrun)


def start_wait(hr, dns_, targets, timeout="20s", extra=""):
	"""hookrun with one wait = hook and an app that records it ran."""
	hr.config("""
	    [pre_start:db]
	    wait = %s
	    timeout = %s
	    %s

	    [start]
	    exec = sh -c 'echo ran > @D@/app'
	    """ % (targets, timeout, extra))
	return hr.start("-c", hr.cfg, env=dns_.env() if dns_ else None)


@needs_dns
def test_wait_for_a_name_that_becomes_resolvable_then_listens(hr, dns):
	port = free_port()
	run = start_wait(hr, dns, "tcp:db.test:%d" % port)
	# Not in DNS yet: said so, and nothing runs.
	assert wait_err(run, "'db.test' does not resolve (Domain name not "
	    "found)"), run.err()
	dns.add("db.test", "127.0.0.1")
	# In DNS, not listening: a new reason, said once.
	assert wait_err(run, "waiting for tcp:db.test:%d: connect db.test:%d: "
	    "127.0.0.1: Connection refused" % (port, port)), run.err()
	assert not hr.exists("app")
	with Listener("127.0.0.1", port):
		r = run.wait()
	assert r.rc == 0, r
	assert hr.read("app") == "ran\n"
	assert "pre_start:db: tcp:db.test:%d answered" % port in r.err, r
	assert "pre_start:db: succeeded" in r.err, r
	# Each reason once, not once a try.
	assert r.err.count("does not resolve") == 1, r
	assert r.err.count("Connection refused") == 1, r


@needs_dns
def test_a_name_that_never_resolves_times_out_124_saying_so(hr, dns):
	r = start_wait(hr, dns, "tcp:nowhere.test:5432", timeout="1500ms").wait()
	assert r.rc == 124, r
	assert not hr.exists("app")
	assert "pre_start:db: timed out after 1500ms waiting for " \
	    "tcp:nowhere.test:5432: 'nowhere.test' does not resolve (Domain " \
	    "name not found)" in r.err, r
	assert "refused" not in r.err, r
	assert "pre_start:db: timed out (status 124)" in r.err, r


def dns_down_case(hr, server):
	"""A wait on a name, with resolv.conf naming SERVER only."""
	hr.write("resolv.conf", "nameserver %s\noptions timeout:1 attempts:1\n"
	    % server)
	hr.write("empty.hosts", "")
	hr.config("""
	    [pre_start:db]
	    wait = tcp:db.example:1
	    timeout = 2500ms

	    [start]
	    exec = true
	    """)
	return hr.run("-c", hr.cfg, env={"HOOKRUN_RESOLV_CONF":
	    hr.path("resolv.conf"), "HOOKRUN_HOSTS_FILE": hr.path("empty.hosts")})


def test_a_dns_server_that_is_down_is_a_name_that_does_not_resolve(hr):
	# Nothing listens on port 53 there: refused at once, and said so.
	r = dns_down_case(hr, "127.%d.%d.%d" % tuple(os.urandom(3)))
	assert r.rc == 124, r
	assert "'db.example' does not resolve (" in r.err, r
	assert "Connection refused" not in r.err, r


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (port 53)")
def test_a_dns_server_that_never_answers_is_a_name_that_does_not_resolve(hr):
	srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	addr = "127.%d.%d.%d" % tuple(os.urandom(3))
	srv.bind((addr, 53))	# takes the queries, answers none
	try:
		r = dns_down_case(hr, addr)
	finally:
		srv.close()
	assert r.rc == 124, r
	# Cut short by the hook's timeout while DNS is still asked: said so.
	assert "'db.example' does not resolve" in r.err, r


@needs_dns
@pytest.mark.skipif(not can_ipv6(), reason="no IPv6 loopback")
def test_every_address_of_a_name_is_tried_ipv6_and_ipv4(hr, dns):
	dns.add("both.test", "::1")
	dns.add("both.test", "127.0.0.1")
	with Listener("127.0.0.1") as v4, Listener("::1") as v6:
		# Listening on IPv4 only (the port is free on ::1)...
		p4 = v4.port
		run = start_wait(hr, dns, "tcp:both.test:%d" % p4, timeout="10s")
		r = run.wait()
		assert r.rc == 0, r
		# ...and on IPv6 only.
		hr.config("""
		    [pre_start:db]
		    wait = tcp:both.test:%d
		    timeout = 10s

		    [start]
		    exec = true
		    """ % v6.port)
		r2 = hr.run("-c", hr.cfg, env=dns.env())
		assert r2.rc == 0, r2


@needs_dns
def test_several_targets_all_must_answer(hr, dns):
	dns.add("db.test", "127.0.0.1")
	with HttpServer([503, 200]) as web, Listener() as db:
		sock = hr.path("app.sock")
		us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		run = start_wait(hr, dns, "tcp:db.test:%d http://127.0.0.1:%d/ready "
		    "unix:%s 'exec:test -e @D@/go'" % (db.port, web.port, sock))
		assert wait_err(run, "waiting for unix:%s" % sock), run.err()
		assert wait_err(run, "waiting for exec:test -e %s/go: test: exited "
		    "with status 1" % hr.dir), run.err()
		assert wait_err(run, "http://127.0.0.1:%d/ready answered" % web.port)
		assert wait_err(run, "tcp:db.test:%d answered" % db.port)
		us.bind(sock)
		us.listen(4)
		time.sleep(0.3)
		assert not hr.exists("app"), run.err()
		hr.write("go", "")
		r = run.wait()
		us.close()
		assert r.rc == 0, r
		assert "HTTP status 503" in r.err, r
		assert web.requests[0][0] == "/ready", web.requests
		assert web.requests[0][1] == "127.0.0.1:%d" % web.port


def test_http_status_adds_statuses_that_answer(hr):
	with HttpServer([401]) as web:
		r = start_wait(hr, None, "http://127.0.0.1:%d/" % web.port,
		    timeout="1s").wait()
		assert r.rc == 124, r
		assert "http://127.0.0.1:%d/: HTTP status 401" % web.port in r.err
		r = start_wait(hr, None, "http://127.0.0.1:%d/" % web.port,
		    extra="http_status = 401").wait()
		assert r.rc == 0, r


def test_a_wait_hook_retries_and_is_stopped_by_term(hr):
	port = free_port()
	hr.config("""
	    [pre_start:db]
	    wait = tcp:127.0.0.1:%d
	    timeout = 300ms
	    retries = 1
	    retry_delay = 100ms

	    [start]
	    exec = true
	    """ % port)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 124, r
	assert "retrying in 100ms (attempt 2 of 2)" in r.err, r
	assert r.err.count("timed out (status 124)") == 2, r
	# TERM during the wait: no app, 143, at once.
	hr.config("""
	    [pre_start:db]
	    wait = tcp:127.0.0.1:%d

	    [start]
	    exec = sh -c 'echo ran > @D@/app'
	    """ % port)
	run = hr.start("-c", hr.cfg)
	assert wait_err(run, "waiting for tcp:127.0.0.1"), run.err()
	run.signal(signal.SIGTERM)
	r = run.wait()
	assert r.rc == 143, r
	assert not hr.exists("app")


def test_a_wait_hook_under_a_lock_and_a_deadline(hr):
	port = free_port()
	hr.config("""
	    [pre_start]
	    deadline = 700ms

	    [pre_start:db]
	    wait = tcp:127.0.0.1:%d
	    lock = @D@/db.lock

	    [start]
	    exec = true
	    """ % port)
	r = hr.run("-c", hr.cfg)
	assert r.rc == 124, r
	assert "deadline 700ms passed" in r.err, r
	assert os.path.exists(hr.path("db.lock"))


def test_http_ready_on_a_server_that_answers_503_then_200(hr):
	with HttpServer([503, 503, 200]) as web:
		hr.config("""
		    [start]
		    exec = sleep 30
		    ready = http://localhost:%d/health
		    ready_timeout = 20s

		    [post_start:check]
		    exec = sh -c 'echo post > @D@/post'
		    """ % web.port)
		run = hr.start("-c", hr.cfg)
		assert wait_for(lambda: hr.read("post")), run.err()
		# post_start ran only after the third answer, the 200.
		assert web.count() == 3, web.requests
		run.signal(signal.SIGTERM)
		r = run.wait()
	assert r.rc == 143, r
	assert "app is ready" in r.err, r
	assert web.requests[0][0] == "/health"


def test_http_ready_not_in_time_says_what_it_last_got(hr):
	with HttpServer([503]) as web:
		hr.config("""
		    [start]
		    exec = sleep 30
		    ready = http://127.0.0.1:%d/health
		    ready_timeout = 1s
		    """ % web.port)
		r = hr.run("-c", hr.cfg)
	assert r.rc == 125, r
	assert "app not ready within 1s (http://127.0.0.1:%d/health: " \
	    "http://127.0.0.1:%d/health: HTTP status 503)" % (web.port,
	    web.port) in r.err, r


def test_http_probe_on_something_that_is_not_http(hr):
	srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	srv.bind(("127.0.0.1", 0))
	srv.listen(4)
	port = srv.getsockname()[1]

	def banner():
		while True:
			try:
				c, _ = srv.accept()
			except OSError:
				return
			c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
			c.close()
	threading.Thread(target=banner, daemon=True).start()
	try:
		r = start_wait(hr, None, "http://127.0.0.1:%d/" % port,
		    timeout="800ms").wait()
	finally:
		srv.close()
	assert r.rc == 124, r
	assert "the answer is not HTTP" in r.err, r


@needs_dns
def test_dry_run_shows_targets_and_whether_each_name_resolves(hr, dns):
	dns.add("db.test", "127.0.0.1")
	hr.config("""
	    [pre_start:db]
	    wait = tcp:db.test:5432 http://auth.test:8080/health 'exec:true -x' tcp:10.1.2.3:1
	    http_status = 401

	    [start]
	    exec = sleep 1
	    ready = http://db.test:4000/
	    health = tcp:127.0.0.1:4000
	    """)
	r = hr.run("-n", "-c", hr.cfg, env=dns.env())
	assert r.rc == 0, r
	out = r.out
	assert "    wait: tcp:db.test:5432\n      db.test: 127.0.0.1 (DNS)\n" \
	    in out, out
	assert "    wait: http://auth.test:8080/health\n      auth.test: does " \
	    "not resolve now (Domain name not found)\n      answers: 2xx, 3xx, " \
	    "401\n" in out, out
	assert "    wait: exec:true -x\n      path: /usr/bin/true\n" in out or \
	    "    wait: exec:true -x\n      path: /bin/true\n" in out, out
	assert "    wait: tcp:10.1.2.3:1\n    timeout" in out, out
	assert "    ready: http://db.test:4000/, ready_timeout 1m\n" \
	    "      db.test: 127.0.0.1 (DNS)\n" in out, out
	assert "    health: tcp:127.0.0.1:4000, every 30s, timeout 5s\n" in out
	# The plan starts nothing: no process, even for exec: targets.
	assert "[pre_start:db]" not in r.err, r


def test_dry_run_reports_a_missing_exec_target(hr):
	hr.config("""
	    [pre_start:db]
	    wait = exec:hookrun-no-such-probe

	    [start]
	    exec = true
	    """)
	r = hr.run("-n", "-c", hr.cfg)
	assert r.rc == 78, r
	assert "      path: not found\n" in r.out, r
	assert "pre_start:db: exec:hookrun-no-such-probe: " \
	    "hookrun-no-such-probe: not found" in r.err, r


def test_bad_probe_values_are_errors_naming_file_and_line(hr):
	hr.config("""
	    [pre_start:a]
	    wait =

	    [pre_start:b]
	    wait = smtp:mail:25

	    [pre_start:c]
	    wait = http:///health

	    [pre_start:d]
	    wait = tcp:db:65536

	    [start]
	    exec = true
	    ready = http://
	    health = udp:x:1
	    """, hooks_dir=False)
	r = hr.run("-n", "-c", hr.cfg)
	assert r.rc == 78, r
	f = hr.cfg
	assert r.err_lines == [
	    "hookrun: %s:2: wait: no target (use one or more of "
	    "tcp:HOST:PORT, http://HOST:PORT/PATH, unix:PATH or exec:COMMAND)"
	    % f,
	    "hookrun: %s:5: wait: unknown probe 'smtp:' (use tcp:HOST:PORT, "
	    "http://HOST:PORT/PATH, unix:PATH or exec:COMMAND)" % f,
	    "hookrun: %s:8: wait: http://HOST:PORT/PATH: missing host" % f,
	    "hookrun: %s:11: wait: tcp:HOST:PORT: port 65536 is out of range "
	    "(1 to 65535)" % f,
	    "hookrun: %s:15: ready: http://HOST:PORT/PATH: missing host" % f,
	    "hookrun: %s:16: health: unknown probe 'udp:' (use tcp:HOST:PORT, "
	    "http://HOST:PORT/PATH, unix:PATH or exec:COMMAND)" % f,
	], r


@needs_dns
@pytest.mark.skipif(static_hookrun() is None or not have("chroot"),
    reason="needs hookrun-static (make static) and chroot")
def test_the_static_build_resolves_names_in_an_empty_root(hr, dns):
	# A root with hookrun-static, its config and /etc/resolv.conf, nothing
	# else: no nsswitch.conf, no hosts file, no C library, no NSS module.
	root = hr.path("root")
	os.makedirs(os.path.join(root, "etc"))
	shutil.copy(static_hookrun(), os.path.join(root, "hookrun"))
	with open(os.path.join(root, "etc/resolv.conf"), "w") as f:
		f.write("nameserver %s\noptions timeout:1 attempts:1\n" % dns.addr)
	dns.add("db.test", "127.0.0.1")
	with Listener() as db:
		with open(os.path.join(root, "hookrun.ini"), "w") as f:
			f.write("[hookrun]\nhooks_dir =\nstatus_file =\n\n"
			    "[pre_start:db]\nwait = tcp:db.test:%d\ntimeout = 10s\n\n"
			    "[pre_start:gone]\nwait = tcp:gone.test:%d\n"
			    "timeout = 1500ms\non_failure = ignore\n" % (db.port,
			    db.port))
		assert sorted(os.listdir(root)) == ["etc", "hookrun", "hookrun.ini"]
		assert os.listdir(os.path.join(root, "etc")) == ["resolv.conf"]
		r = hr.spawn(["chroot", root, "/hookrun", "-n", "-c",
		    "/hookrun.ini", "--only", "pre_start"]).wait()
		assert r.rc == 0, r
		assert "      db.test: 127.0.0.1 (DNS)\n" in r.out, r
		assert "      gone.test: does not resolve now (Domain name not " \
		    "found)\n" in r.out, r
		r = hr.spawn(["chroot", root, "/hookrun", "-c", "/hookrun.ini",
		    "--only", "pre_start"]).wait()
	assert r.rc == 0, r
	assert "pre_start:db: tcp:db.test:%d answered" % db.port in r.err, r
	assert "pre_start:gone: timed out after 1500ms waiting for " \
	    "tcp:gone.test:%d: 'gone.test' does not resolve (Domain name not " \
	    "found)" % db.port in r.err, r
