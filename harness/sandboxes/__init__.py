"""Sandbox backends, one per file: `docker` (isolated containers) and `local` (unisolated)."""

from harness.sandboxes.docker import DockerSandbox, Limits, connect, reap_orphans
from harness.sandboxes.local import LocalSandbox

__all__ = ["DockerSandbox", "Limits", "LocalSandbox", "connect", "reap_orphans"]
