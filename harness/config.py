"""Settings for sandboxes and environment images; composed into orch's settings by `orchestrator.config`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class HarnessSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    sandbox: Literal["auto", "docker", "local"] = "auto"
    """Where agents and tests run: `docker` (isolated), `local` (git worktree + subprocesses,
    unisolated), or `auto` (docker when the engine answers, else local with a warning)."""
    base_release: Literal["bullseye", "bookworm", "trixie"] = "bookworm"
    """Debian release of the locally built base image when no registry is reachable."""
    cpus: float = 1.0
    """CPU limit per sandbox container."""
    memory: str = "4g"
    """Memory limit per sandbox container (Docker syntax)."""
    pids: int = 512
    """Process limit per sandbox container, so a fork bomb cannot take the host down."""
    command_timeout: int = 600
    """Seconds before a command in a sandbox is killed with its whole process tree."""
    eval_timeout: int = 1800
    """Seconds an evaluation's test script may run before its process tree is killed (`orch eval`)."""
    cache_dir: str = "~/.cache/orch"
    """Image build logs, build locks and cloned repositories (`repos/<owner>/<name>.git`)."""
    build_network: str = "host"
    """Docker network for image builds, which download packages (containers never get one)."""
    base_source: Literal["local", "registry", "auto"] = "local"
    """Where base images come from: `local` (built from a Debian root fs; Python 3.9/3.11/3.13
    only), `registry` (`registry_image`, exact Python versions), or `auto` (registry, falling back
    to local when the pull fails)."""
    registry_image: str = "python:{python}-slim"
    """Registry base image; `{python}` is the spec's Python version."""
    repos_dir: str | None = None
    """Default for `--repos-dir`: `DIR/<owner>/<name>` holds git repositories, for machines that
    cannot clone from GitHub. None clones into `cache_dir`."""
