#!/usr/bin/env bash
# Build the harness base image `orch-base:<release>` from a Debian root file system, with no
# container registry involved (air-gapped machines; this is the only copy of the recipe: both
# scripts/docker/base-image.sh and harness.images call it).
#
# usage: base-image.sh [bookworm|bullseye|trixie]     (default: bookworm)
#
# Env:
#   ORCH_BASE_CACHE    rootfs tarball cache dir (default /var/cache/orch/base when writable,
#                      else ${XDG_CACHE_HOME:-~/.cache}/orch/base)
#   ORCH_BASE_MIRROR   Debian mirror override (default: the host's apt sources)
#   ORCH_BASE_TAG      image name (default orch-base:<release>)
#   ORCH_BASE_FORCE=1  rebuild the image even if it exists (the rootfs cache is still used)
set -euo pipefail

RELEASE="${1:-bookworm}"
case "$RELEASE" in
    bookworm|bullseye|trixie) ;;
    *) echo "base-image: unsupported release '$RELEASE' (bookworm|bullseye|trixie)" >&2; exit 2 ;;
esac
TAG="${ORCH_BASE_TAG:-orch-base:$RELEASE}"

# What the harness needs inside every sandbox: python + venv/pip to build environments, git for
# diff/reset, patch for the fuzzy fallback of patch application, procps so timeouts can kill
# process trees, build tools because old pinned packages in SWE-bench specs compile from sdist.
PACKAGES="python3,python3-venv,python3-pip,python3-dev,git,ca-certificates,patch,procps,bc,build-essential"
RECIPE_VERSION=1  # bump when the recipe below changes so stale caches are not reused

log() { printf '[base-image] %s\n' "$*" >&2; }

if [ "${ORCH_BASE_FORCE:-0}" != 1 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
    log "$TAG exists, skipping"
    exit 0
fi

if [ -n "${ORCH_BASE_CACHE:-}" ]; then
    CACHE="$ORCH_BASE_CACHE"
elif mkdir -p /var/cache/orch/base 2>/dev/null && [ -w /var/cache/orch/base ]; then
    CACHE=/var/cache/orch/base
else
    CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/orch/base"
fi
mkdir -p "$CACHE"

# The first Debian archive URI in the host's apt configuration (deb822 .sources or one-line
# sources.list). Read at run time: mirrors differ per site and some sites only reach a proxy.
host_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            /^[[:space:]]*#/ { next }
            /^[[:space:]]*$/ { if (uri != "" && suites !~ /security/ && types ~ /(^| )deb( |$)/) { print uri; exit } uri=""; suites=""; types=""; next }
            /^URIs:/   { uri=$2 }
            /^Suites:/ { $1=""; suites=$0 }
            /^Types:/  { $1=""; types=$0 }
            END { if (uri != "" && suites !~ /security/ && types ~ /(^| )deb( |$)/) print uri }
        ' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" && $0 !~ /security/ && $0 ~ / main/ {
                 for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; exit }
             }' "$f"
    done
}
MIRROR="${ORCH_BASE_MIRROR:-$(host_mirror | grep -i debian | head -n1)}"
if [ -z "$MIRROR" ]; then
    MIRROR="$(host_mirror | head -n1)"
fi
if [ -z "$MIRROR" ]; then
    log "ERROR: no Debian mirror found in the host's apt sources; set ORCH_BASE_MIRROR"
    exit 1
fi

KEY="$(printf '%s|%s|%s|%s' "$RELEASE" "$PACKAGES" "$RECIPE_VERSION" "$(uname -m)" | sha256sum | cut -c1-12)"
TARBALL="$CACHE/$RELEASE-$KEY.tar"

if [ ! -s "$TARBALL" ]; then
    command -v debootstrap >/dev/null || { log "ERROR: debootstrap missing (run scripts/docker/setup.sh)"; exit 1; }
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/orch-rootfs.XXXXXX")"
    trap 'rm -rf "$WORK"' EXIT
    log "debootstrap $RELEASE from $MIRROR"
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$RELEASE" "$WORK/root" "$MIRROR" \
            >"$WORK/debootstrap.log" 2>&1; then
        log "ERROR: debootstrap failed; last lines:"
        tail -n 30 "$WORK/debootstrap.log" >&2
        [ -f "$WORK/root/debootstrap/debootstrap.log" ] && tail -n 30 "$WORK/root/debootstrap/debootstrap.log" >&2
        exit 1
    fi
    # Sandboxes run as this unprivileged user; uid 1000 so files written through bind mounts by a
    # typical host user keep sane ownership.
    chroot "$WORK/root" /usr/sbin/groupadd -g 1000 orch
    chroot "$WORK/root" /usr/sbin/useradd -m -u 1000 -g 1000 -s /bin/bash orch
    # apt lists and caches are dead weight in an image that never runs apt at test time
    rm -rf "$WORK/root/var/cache/apt/archives/"*.deb "$WORK/root/var/lib/apt/lists/"* "$WORK/root/debootstrap"
    tar -C "$WORK/root" --numeric-owner -cf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
    rm -rf "$WORK"
    trap - EXIT
else
    log "using cached rootfs $TARBALL"
fi

log "importing $TAG"
docker import \
    --change 'ENV LANG=C.UTF-8 LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1' \
    --change 'CMD ["/bin/bash"]' \
    --change "LABEL orch.kind=base orch.release=$RELEASE orch.recipe=$KEY" \
    "$TARBALL" "$TAG" >/dev/null
log "built $TAG"
