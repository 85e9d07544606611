#!/usr/bin/env bash
# A private PostgreSQL cluster for orch's Postgres checkpointer tests and CI: Debian's server
# binaries (apt-get install postgresql), a cluster of its own in a state directory, TCP on
# 127.0.0.1 only at a non-default port, no Unix socket, password (SCRAM) authentication.
# It never touches a system cluster (/etc/postgresql, port 5432).
#
#   postgres-server.sh start   initdb if needed, start in the background, wait until ready, print the URI
#   postgres-server.sh stop    fast shutdown and wait for it
#   postgres-server.sh status  exit 0 and describe the server if running, exit 3 if not
#   postgres-server.sh uri     print postgresql://USER:PASSWORD@127.0.0.1:PORT/DATABASE
#
# Environment (all optional):
#   ORCH_POSTGRES_STATE_DIR      cluster, pid, log and port files (default ~/.cache/orch/postgres,
#                                or /var/tmp/orch/postgres as root: see "server account" below)
#   ORCH_POSTGRES_PORT           TCP port on 127.0.0.1 (default 55432)
#   ORCH_POSTGRES_USER           superuser the URI names (default orch)
#   ORCH_POSTGRES_PASSWORD       its password (default orch-test-password); fixed at initdb
#   ORCH_POSTGRES_DB             database the URI names (default orch)
#   ORCH_POSTGRES_BINDIR         directory holding initdb/pg_ctl (default: the newest
#                                /usr/lib/postgresql/*/bin, else the ones on PATH)
#   ORCH_POSTGRES_START_TIMEOUT  seconds to wait for the server (default 60)
set -euo pipefail

port="${ORCH_POSTGRES_PORT:-55432}"
db_user="${ORCH_POSTGRES_USER:-orch}"
db_password="${ORCH_POSTGRES_PASSWORD:-orch-test-password}"
db_name="${ORCH_POSTGRES_DB:-orch}"
start_timeout="${ORCH_POSTGRES_START_TIMEOUT:-60}"

# Server account: PostgreSQL refuses to run as root. As root the server runs as Debian's
# `postgres` account, which must be able to reach the cluster directory, so the default state
# directory is outside root's home (mode 700).
if [ "$(id -u)" = 0 ]; then
  run_as=postgres
  default_state="/var/tmp/orch/postgres"
else
  run_as=""
  default_state="${XDG_CACHE_HOME:-$HOME/.cache}/orch/postgres"
fi
state_dir="${ORCH_POSTGRES_STATE_DIR:-$default_state}"
data_dir="$state_dir/data"
port_file="$state_dir/postgres.port"
log_file="$state_dir/postgres.log"

die() {
  echo "postgres-server.sh: $*" >&2
  exit 1
}

bindir() {
  if [ -n "${ORCH_POSTGRES_BINDIR:-}" ]; then
    echo "$ORCH_POSTGRES_BINDIR"
    return
  fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then
    echo "$newest"
  elif command -v initdb >/dev/null; then
    dirname "$(command -v initdb)"
  else
    die "PostgreSQL server binaries not found (apt-get install -y postgresql, or set ORCH_POSTGRES_BINDIR)"
  fi
}

# Runs a server binary as the server account. 9>&-: the server must not inherit the state
# lock, or the next stop would wait for it forever.
as_server() {
  if [ -n "$run_as" ]; then
    runuser -u "$run_as" -- "$@" 9>&-
  else
    "$@" 9>&-
  fi
}

# Holds an exclusive lock on fd 9 for the rest of the script, so parallel test sessions using
# the same state directory do not initdb or start twice.
lock_state_dir() {
  mkdir -p "$state_dir"
  exec 9>"$state_dir/.lock"
  flock 9
}

running() {
  [ -f "$data_dir/postmaster.pid" ] && as_server "$(bindir)/pg_ctl" status -D "$data_dir" >/dev/null 2>&1
}

current_port() {
  if running && [ -f "$port_file" ]; then cat "$port_file"; else echo "$port"; fi
}

uri() {
  echo "postgresql://$db_user:$db_password@127.0.0.1:$(current_port)/$db_name"
}

log_tail() {
  if [ -f "$log_file" ]; then
    echo "--- last lines of $log_file ---" >&2
    tail -n 20 "$log_file" >&2
  fi
}

init_cluster() {
  local bin="$1"
  if [ -n "$run_as" ]; then
    getent passwd "$run_as" >/dev/null || die "no '$run_as' account to run the server as (it comes with Debian's postgresql package)"
    chown "$run_as" "$state_dir"
    # The server account only needs to pass through the state directory's parents.
    runuser -u "$run_as" -- test -x "$state_dir" 9>&- \
      || die "account $run_as cannot reach $state_dir; choose another ORCH_POSTGRES_STATE_DIR"
  fi
  rm -rf "$data_dir"
  local pwfile
  pwfile="$(mktemp "$state_dir/.pw.XXXXXX")"
  printf '%s\n' "$db_password" >"$pwfile"
  [ -z "$run_as" ] || chown "$run_as" "$pwfile"
  # The URI's user is the superuser; the OS account's name never appears in it.
  if ! as_server "$bin/initdb" -D "$data_dir" -U "$db_user" --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=reject -E UTF8 --locale=C.UTF-8 >"$log_file" 2>&1; then
    rm -f "$pwfile"
    log_tail
    die "initdb failed in $data_dir"
  fi
  rm -f "$pwfile"
  # A test cluster: small, loopback only, no Unix socket (nothing to collide with a system
  # cluster's /var/run/postgresql), no fsync (only a host crash could lose data; the tests
  # kill orch processes, never the server).
  cat >>"$data_dir/postgresql.conf" <<EOF

# orch test cluster (scripts/postgres/postgres-server.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 40
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

cmd_start() {
  lock_state_dir
  if running; then
    uri
    return 0
  fi
  local bin
  bin="$(bindir)"
  [ -f "$data_dir/PG_VERSION" ] || init_cluster "$bin"
  : >"$log_file"
  [ -z "$run_as" ] || chown "$run_as" "$log_file"
  echo "$port" >"$port_file"
  # pg_ctl detaches the server into its own session: it outlives this script and the terminal.
  if ! as_server "$bin/pg_ctl" start -D "$data_dir" -l "$log_file" -w -t "$start_timeout" \
      -o "-p $port" >/dev/null 2>&1; then
    rm -f "$port_file"
    log_tail
    die "PostgreSQL did not start on 127.0.0.1:$port (port taken? see the log above)"
  fi
  if [ ! -f "$state_dir/.db-created" ]; then
    # Over TCP with the password: the same path the checkpointer takes, so it is checked too.
    PGPASSWORD="$db_password" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U "$db_user" -d postgres \
      -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db_name\"" >/dev/null 2>&1 \
      || PGPASSWORD="$db_password" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U "$db_user" -d "$db_name" -c 'SELECT 1' >/dev/null \
      || die "cannot create database $db_name (see $log_file)"
    touch "$state_dir/.db-created"
  fi
  uri
}

cmd_stop() {
  lock_state_dir
  if ! running; then
    rm -f "$port_file"
    echo "postgres-server.sh: not running" >&2
    return 0
  fi
  as_server "$(bindir)/pg_ctl" stop -D "$data_dir" -m fast -w -t 60 >/dev/null
  rm -f "$port_file"
  echo "postgres-server.sh: stopped" >&2
}

cmd_status() {
  if running; then
    echo "running: pid $(head -n 1 "$data_dir/postmaster.pid"), 127.0.0.1:$(current_port), state $state_dir"
  else
    echo "not running (state $state_dir)"
    return 3
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  uri) uri ;;
  *)
    echo "usage: $0 start|stop|status|uri" >&2
    exit 2
    ;;
esac
