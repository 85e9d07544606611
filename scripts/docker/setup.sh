#!/usr/bin/env bash
# Bring up a local Docker engine for the harness (CI and dev machines without one).
#
# Idempotent: installs Debian's docker.io and debootstrap only when missing, starts dockerd
# only when `docker info` does not already answer, then waits until it does.
#
# Env:
#   ORCH_DOCKERD_LOG      dockerd log file      (default /var/log/orch-dockerd.log)
#   ORCH_DOCKERD_TIMEOUT  seconds to wait       (default 60)
set -euo pipefail

LOG="${ORCH_DOCKERD_LOG:-/var/log/orch-dockerd.log}"
TIMEOUT="${ORCH_DOCKERD_TIMEOUT:-60}"

log() { printf '[docker-setup] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
    # de-duplicate: docker.io provides both the client and the daemon
    mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
    log "installing: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
    log "docker daemon already answers"
    exit 0
fi

# Only start a daemon if none is starting already; a second dockerd would fight over the pid file.
if ! pgrep -x dockerd >/dev/null 2>&1; then
    log "starting dockerd (log: $LOG)"
    # overlay2: container start ~0.2 s (vfs costs seconds). No iptables/bridge: this machine class
    # has no netfilter access, and containers must not have network at run time anyway; builds
    # that download packages use --network host explicitly.
    $SUDO mkdir -p "$(dirname "$LOG")"
    $SUDO sh -c "nohup dockerd --storage-driver=overlay2 --iptables=false --ip-masq=false --bridge=none >>'$LOG' 2>&1 &"
fi

deadline=$(( $(date +%s) + TIMEOUT ))
until docker info >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        log "ERROR: docker daemon did not answer within ${TIMEOUT}s; last lines of $LOG:"
        tail -n 30 "$LOG" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.5
done
log "docker daemon ready ($(docker info --format '{{.ServerVersion}} {{.Driver}}' 2>/dev/null))"
