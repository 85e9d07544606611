"""One bounded, optional git call: localization's evidence from the repository (literal hits,
history) is a bonus, so a missing git, a timeout or an error means no evidence, never a failure."""

from __future__ import annotations

import subprocess
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)


def optional_git(args: list[str], cwd: Path, timeout: float, what: str, ok: tuple[int, ...] = (0,)) -> bytes | None:
    """stdout of `args` run in `cwd`, or None (logged as `what` skipped or failed)."""
    try:
        proc = subprocess.run(args, cwd=cwd, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.info(f"{what} skipped", error=str(exc))
        return None
    if proc.returncode not in ok:
        log.info(f"{what} failed", code=proc.returncode, stderr=proc.stderr[:200].decode(errors="replace"))
        return None
    return proc.stdout
