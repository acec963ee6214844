#!/usr/bin/env bash
# pgtest.sh runs a throwaway PostgreSQL cluster for stint's tests.
#
#   eval "$(scripts/pgtest.sh start DIR)"   # prints: export STINT_TEST_POSTGRES=...
#   go test ./store/...
#   scripts/pgtest.sh stop DIR
#
# start creates a cluster under DIR (initdb, trust auth, listening only on
# 127.0.0.1 on a free port, its unix socket inside DIR, fsync off) unless one
# is there, starts it and waits until it accepts connections. It prints only
# export lines on stdout; progress and errors go to stderr. Starting a running
# cluster just prints its export lines again.
#
# PostgreSQL refuses to run as root: as root the script runs the server as the
# system user stint-pg (created when missing) and gives it DIR. DIR's parent
# directories must then be searchable by that user (/tmp/... is fine).
# Needs initdb, pg_ctl and postgres on PATH.
set -euo pipefail

PG_USER=stint-pg

die() {
	echo "pgtest.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: pgtest.sh start|stop DIR"
}

# as_pg runs a command as the user that owns the cluster.
as_pg() {
	if [ "$(id -u)" != 0 ]; then
		"$@"
	elif command -v runuser >/dev/null; then
		runuser -u "$PG_USER" -- "$@"
	elif command -v setpriv >/dev/null; then
		setpriv --reuid="$PG_USER" --regid="$PG_USER" --init-groups -- "$@"
	else
		su -s /bin/sh "$PG_USER" -c "$(printf '%q ' "$@")"
	fi
}

# ensure_user creates the unprivileged user that runs the server as root.
ensure_user() {
	[ "$(id -u)" = 0 ] || return 0
	if ! id "$PG_USER" >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$PG_USER" ||
			die "cannot create user $PG_USER to run PostgreSQL (it refuses to run as root)"
	fi
	chown -R "$PG_USER:" "$DIR"
	as_pg test -w "$DIR" ||
		die "user $PG_USER cannot write $DIR: a parent directory is not searchable; use a directory under /tmp"
}

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# print_env prints the export lines for the running cluster.
print_env() {
	local port
	port=$(cat "$DIR/port")
	echo "export STINT_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
}

running() {
	[ -f "$DIR/data/postmaster.pid" ] && as_pg pg_ctl -D "$DIR/data" status >/dev/null 2>&1
}

init_cluster() {
	[ -f "$DIR/data/PG_VERSION" ] && return 0
	mkdir -p "$DIR/sock"
	ensure_user
	as_pg initdb -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --no-locale \
		--no-instructions >"$DIR/initdb.log" 2>&1 ||
		die "initdb failed; see $DIR/initdb.log"
	# Fast and small: test data need not survive a crash.
	cat >>"$DIR/data/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$DIR/sock'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		shared_buffers = 16MB
		max_connections = 300
		dynamic_shared_memory_type = mmap
	EOF
}

# start_on starts the cluster on port $1; it fails when the port was taken.
start_on() {
	as_pg pg_ctl -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 -o "-p $1" start >/dev/null
}

start() {
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	init_cluster
	if running; then
		print_env
		return 0
	fi
	ensure_user
	local port
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		port_free "$port" || continue
		if start_on "$port"; then
			echo "$port" >"$DIR/port"
			echo "pgtest.sh: PostgreSQL listening on 127.0.0.1:$port (data in $DIR)" >&2
			print_env
			return 0
		fi
	done
	die "PostgreSQL did not start; see $DIR/postgres.log"
}

stop() {
	[ -d "$DIR/data" ] || die "no cluster in $DIR"
	DIR=$(cd "$DIR" && pwd)
	if running; then
		as_pg pg_ctl -D "$DIR/data" -m fast -w stop >/dev/null
		echo "pgtest.sh: stopped PostgreSQL in $DIR" >&2
	fi
}

[ $# -eq 2 ] || usage
DIR=$2
case $1 in
start) start ;;
stop) stop ;;
*) usage ;;
esac
