#!/usr/bin/env bash
# A throwaway Neo4j 5.26 (community, embedded) for orch's integration tests and CI, built from
# Maven artifacts because no Neo4j server package is reachable here. Bolt listens on 127.0.0.1
# only; there is no HTTP. See README.md beside this script for timings and caveats.
#
#   neo4j-server.sh start   build if needed, start in the background, wait for Bolt, print the URI
#   neo4j-server.sh stop    SIGTERM and wait for a clean shutdown
#   neo4j-server.sh status  exit 0 and describe the server if running, exit 3 if not
#   neo4j-server.sh uri     print bolt://127.0.0.1:PORT
#   neo4j-server.sh build   only build the launcher (skipped when up to date)
#
# Environment (all optional):
#   ORCH_NEO4J_STATE_DIR      pid, log, port and database files (default ~/.cache/orch/neo4j)
#   ORCH_NEO4J_PORT           Bolt port on 127.0.0.1 (default 7687)
#   ORCH_NEO4J_PASSWORD       password of user neo4j (default orch-test-password)
#   ORCH_NEO4J_HEAP           JVM -Xms and -Xmx (default 768m)
#   ORCH_NEO4J_PAGECACHE      Neo4j page cache, off-heap, allocated as used (default 1g)
#   ORCH_NEO4J_CONF           a neo4j.conf-style file of further settings (they win over ours)
#   ORCH_NEO4J_JAVA_OPTS      JVM options (default: C1 only and serial GC, see below)
#   ORCH_NEO4J_CDS            1 to keep a class-data-sharing archive, 0 not to (default 1,
#                             but 0 when CI=true: a fresh clone starts once and never reuses it)
#   ORCH_NEO4J_START_TIMEOUT  seconds to wait for Bolt (default 180: a cold JVM on a busy
#                             2-core machine needs 10-45 s)
#   ORCH_NEO4J_MVN_ARGS       extra Maven arguments, e.g. -Dmaven.repo.local=DIR or -o
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state_dir="${ORCH_NEO4J_STATE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/orch/neo4j}"
port="${ORCH_NEO4J_PORT:-7687}"
heap="${ORCH_NEO4J_HEAP:-768m}"
# On a busy 2-core machine, C2 compiler threads and parallel GC threads compete with startup
# itself: C1 only + serial GC measured 37 s -> 16-18 s to ready. Test queries are tiny, so the
# lower peak speed of C1 code does not matter.
java_opts="${ORCH_NEO4J_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
start_timeout="${ORCH_NEO4J_START_TIMEOUT:-180}"
# Generous because the first stop after a build also writes the class-data-sharing archive.
stop_timeout=120
# The launcher reads the password from the environment, which unlike argv is not shown by ps.
export ORCH_NEO4J_PASSWORD="${ORCH_NEO4J_PASSWORD:-orch-test-password}"

jar="$here/target/orch-neo4j-server.jar"
pid_file="$state_dir/neo4j.pid"
port_file="$state_dir/neo4j.port"
log_file="$state_dir/neo4j.log"
ready_marker="ORCH_NEO4J_READY"
# Class-data sharing (CDS): the first run after a build records the ~25k classes Neo4j loads
# into an archive (~110 MB) when it exits; later runs map it instead of loading and verifying
# them again, which roughly halves the time to ready. The archive is only valid for the jars
# and the JVM that made it: a rebuild deletes it, and its name carries the JVM binary's mtime
# so a JDK upgrade makes a new one (the JVM would silently ignore the old one). It is written
# into the state directory first and moved into target/ on a clean stop, so two servers
# exiting at once never write the same file.
jvm_stamp="$(stat -c %Y "$(readlink -f "$(command -v java || echo /nonexistent)")" 2>/dev/null || echo none)"
cds_archive="$here/target/orch-neo4j-server-jvm$jvm_stamp.jsa"
cds_pending="$state_dir/cds-pending.jsa"
if [ "${CI:-}" = true ]; then cds_default=0; else cds_default=1; fi
cds_enabled="${ORCH_NEO4J_CDS:-$cds_default}"

die() {
  echo "neo4j-server.sh: $*" >&2
  exit 1
}

log_tail() {
  if [ -f "$log_file" ]; then
    echo "--- last lines of $log_file ---" >&2
    tail -n 30 "$log_file" >&2
  fi
}

# Holds an exclusive lock on fd 9 for the rest of the script, so parallel test sessions using
# the same state directory do not start two servers or race on the pid file.
lock_state_dir() {
  mkdir -p "$state_dir"
  exec 9>"$state_dir/.lock"
  flock 9
}

# Prints the pid if our server is running. Checks the command line too, because a stale pid
# file may name a pid that the kernel has since given to another process.
running_pid() {
  local pid
  [ -f "$pid_file" ] || return 1
  pid="$(cat "$pid_file")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "orch-neo4j-server.jar" || return 1
  echo "$pid"
}

current_port() {
  if running_pid >/dev/null && [ -f "$port_file" ]; then
    cat "$port_file"
  else
    echo "$port"
  fi
}

needs_build() {
  [ -f "$jar" ] && [ -d "$here/target/lib" ] || return 0
  [ -n "$(find "$here/pom.xml" "$here/src" -newer "$jar" -print -quit)" ]
}

build() {
  mkdir -p "$here/target"
  # One Maven build at a time per checkout, even across state directories.
  exec 8>"$here/target/.build.lock"
  flock 8
  if needs_build; then
    command -v mvn >/dev/null || die "Maven (mvn) not found; it is needed once to build the launcher"
    echo "neo4j-server.sh: building the launcher (a first build downloads ~170 MB into the Maven repository)" >&2
    # shellcheck disable=SC2086  # ORCH_NEO4J_MVN_ARGS is a list of arguments
    mvn -q -B -Dstyle.color=never -f "$here/pom.xml" ${ORCH_NEO4J_MVN_ARGS:-} package >&2 \
      || die "Maven build failed (see the output above)"
    # Maven may leave an unchanged jar untouched; without this the next start would rebuild.
    touch "$jar"
    rm -f "$here"/target/orch-neo4j-server-jvm*.jsa
  fi
  exec 8>&-
}

cmd_start() {
  command -v java >/dev/null || die "java not found; Neo4j 5.26 needs Java 17 or 21"
  lock_state_dir
  if running_pid >/dev/null; then
    echo "bolt://127.0.0.1:$(current_port)"
    return 0
  fi
  build

  mkdir -p "$state_dir/home"
  rm -f "$pid_file" "$port_file" "$cds_pending"
  : >"$log_file"
  local cds_opts=()
  if [ "$cds_enabled" = 1 ]; then
    if [ -f "$cds_archive" ]; then
      cds_opts=("-XX:SharedArchiveFile=$cds_archive")
    else
      cds_opts=("-XX:ArchiveClassesAtExit=$cds_pending")
    fi
    # Without this the JVM logs one line per class it cannot archive (signed jars etc.).
    cds_opts+=("-Xlog:cds=off,cds+dynamic=off")
  fi
  # setsid: the server must outlive this script and not receive the terminal's Ctrl-C.
  # 9>&-: the server must not inherit the state lock, or the next stop would wait forever.
  # shellcheck disable=SC2086  # java_opts is a list of options
  # -Xms as -Xmx: a heap grown on demand kept a ~110 MB young generation while indexing sympy
  # (110 young collections per first index instead of ~30).
  setsid java "-Xms$heap" "-Xmx$heap" $java_opts "${cds_opts[@]}" -jar "$jar" \
    --home "$state_dir/home" --port "$port" \
    </dev/null >>"$log_file" 2>&1 9>&- &
  local pid=$!
  echo "$pid" >"$pid_file"
  echo "$port" >"$port_file"

  local waited=0
  until grep -q "$ready_marker" "$log_file"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file" "$port_file"
      log_tail
      die "Neo4j exited before Bolt was ready on 127.0.0.1:$port"
    fi
    if [ "$waited" -ge "$start_timeout" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      rm -f "$pid_file" "$port_file"
      log_tail
      die "Neo4j did not answer on 127.0.0.1:$port within ${start_timeout}s (ORCH_NEO4J_START_TIMEOUT); stopped it"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "bolt://127.0.0.1:$port"
}

cmd_stop() {
  lock_state_dir
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file" "$port_file"
    echo "neo4j-server.sh: not running" >&2
    return 0
  fi
  kill -TERM "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge "$stop_timeout" ]; then
      echo "neo4j-server.sh: no clean shutdown after ${stop_timeout}s; killing $pid" >&2
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$cds_pending" # may be half written
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
  rm -f "$pid_file" "$port_file"
  if [ -s "$cds_pending" ] && [ ! -f "$cds_archive" ]; then
    # Copy next to the target first: the rename is atomic, a copy across file systems is not.
    mv -f "$cds_pending" "$cds_archive.$$" && mv -f "$cds_archive.$$" "$cds_archive"
  fi
  rm -f "$cds_pending"
  echo "neo4j-server.sh: stopped" >&2
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running: pid $pid, bolt://127.0.0.1:$(current_port), state $state_dir"
  else
    echo "not running (state $state_dir)"
    return 3
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  uri) echo "bolt://127.0.0.1:$(current_port)" ;;
  build) build ;;
  *)
    echo "usage: $0 start|stop|status|uri|build" >&2
    exit 2
    ;;
esac
