#!/bin/sh
# Installs the Debian packages that building, the demo and the tests need, when missing.
set -u
need="gcc make libev-dev libinih-dev libc-ares-dev dnsmasq python3-pytest mandoc strace valgrind procps util-linux debianutils postgresql libpq-dev clang libclang-rt-14-dev"
# The engine suites (make engines, root only): podman on runc (crun cannot run here),
# systemd to boot in systemd-nspawn, debootstrap for conf/Dockerfile's base image. Without
# root they cannot run, and make check says so: then they are not required.
engines="podman runc conmon uidmap busybox-static debootstrap systemd systemd-container iproute2"
[ "$(id -u)" -eq 0 ] && need="$need $engines"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run 'make deps' as root, or apt-get install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
	echo "deps: apt-get install$missing failed" >&2
	exit 1
}
