#!/bin/sh
# tests/pg/pg.sh: a throwaway PostgreSQL server for the lock tests, in DIR, on 127.0.0.1:PORT.
#
#   pg.sh start DIR PORT [PASSWORD [OWNER]]
#                                     initdb (once) and start; DIR is made if missing;
#                                     with OWNER (a pid), a watchdog stops the server and
#                                     removes DIR once OWNER is gone (a killed test run)
#   pg.sh restart DIR                 pg_ctl restart -m fast: every session is cut
#   pg.sh stop DIR                    stop (immediate) and remove DIR
#
# The superuser is "postgres", with PASSWORD (default "secret") over TCP
# (scram-sha-256) and trust on the Unix socket in DIR. As root, the server
# runs as the postgres user (postgres refuses to run as root). PGBIN
# overrides /usr/lib/postgresql/15/bin. Nothing is synced: it is for tests.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

usage() {
	echo "usage: pg.sh start DIR PORT [PASSWORD [OWNER]] | restart DIR | stop DIR" >&2
	exit 64
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2

case $cmd in
start)
	[ $# -ge 3 ] || usage
	port=$3
	password=${4:-secret}
	owner=${5:-}
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	chmod 700 "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		printf '%s\n' "$password" >"$dir/pwfile"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pwfile"
		as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -N \
		    --pwfile="$dir/pwfile" --auth-local=trust \
		    --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			exit 1
		}
		rm -f "$dir/pwfile"
		cat >>"$dir/data/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$dir'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		shared_buffers = 16MB
		max_connections = 60
		log_min_messages = warning
		EOF
	fi
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	    start >/dev/null || {
		cat "$dir/server.log" >&2
		exit 1
	}
	if [ -n "$owner" ]; then
		# Detached from every descriptor, so that no caller waits for it.
		(
			while kill -0 "$owner" 2>/dev/null; do sleep 1; done
			"$0" stop "$dir"
		) </dev/null >/dev/null 2>&1 &
	fi
	;;
restart)
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast \
	    -w -t 60 restart >/dev/null
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 60 \
		    stop >/dev/null || true
	fi
	rm -rf "$dir"
	;;
*)
	usage
	;;
esac
