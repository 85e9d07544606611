#!/usr/bin/env bash
# Build orch-base:<release> locally. The recipe lives in the harness package so that the Python
# harness (`orch env build-base`) and this script run the very same steps.
# usage: scripts/docker/base-image.sh [bookworm|bullseye|trixie]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../harness/resources/base-image.sh" "$@"
