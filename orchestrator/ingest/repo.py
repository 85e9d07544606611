"""The repository at the commit to solve: a local git repository used in place, a plain directory
turned into one (examples), or a clone URL cloned into the run directory."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pydantic import BaseModel

from orchestrator.ingest.errors import IngestError

# Fixed identity and dates make `git init` of the same files give the same commit id, so an
# example's base commit is stable across runs and machines.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "orch",
    "GIT_AUTHOR_EMAIL": "orch@localhost",
    "GIT_COMMITTER_NAME": "orch",
    "GIT_COMMITTER_EMAIL": "orch@localhost",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
}
_CLONE_TIMEOUT = 900


class RepoCheckout(BaseModel):
    path: Path
    """A git repository (work tree) containing `commit`. Never modified by the workflow."""
    commit: str
    source: str
    """What the request named: a path or a URL."""


def git(*args: str, cwd: Path | None = None, timeout: float = 120) -> str:
    env = {**os.environ, **_GIT_ENV}
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise IngestError(f"git {args[0]} timed out after {timeout:.0f}s", kind="infra") from None
    if out.returncode != 0:
        detail = (out.stderr or out.stdout).strip().splitlines()
        raise IngestError(f"git {args[0]} failed: {detail[-1] if detail else out.returncode}")
    return out.stdout.strip()


def _is_url(ref: str) -> bool:
    return "://" in ref or (ref.startswith("git@") and ":" in ref)


def _is_bare(path: Path) -> bool:
    """A bare repository (e.g. under harness.repos_dir): sandboxes and the graph read it via git."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _resolve(repo: Path, commit: str | None) -> str:
    rev = commit or "HEAD"
    try:
        return git("rev-parse", "--verify", f"{rev}^{{commit}}", cwd=repo)
    except IngestError:
        raise IngestError(f"commit {rev!r} not found in {repo}") from None


def _init_plain_dir(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".git", "__pycache__", "node_modules"))
    git("init", "-q", "-b", "main", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "base", cwd=dest)


def prepare_repo(ref: str, workdir: Path, commit: str | None = None) -> RepoCheckout:
    """Make `ref` available as a git repository at `commit`. `workdir` (inside the run directory)
    receives clones and initialised copies; it is reused when a run resumes."""
    if _is_url(ref):
        dest = workdir / "repo"
        if not (dest / ".git").exists():
            if dest.exists():
                shutil.rmtree(dest)  # a clone torn by a kill
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                git("clone", "-q", ref, str(dest), timeout=_CLONE_TIMEOUT)
            except IngestError as exc:
                shutil.rmtree(dest, ignore_errors=True)
                raise IngestError(f"cannot clone {ref}: {exc}") from None
        return RepoCheckout(path=dest, commit=_resolve(dest, commit), source=ref)

    src = Path(ref).expanduser().resolve()
    if not src.is_dir():
        raise IngestError(f"repository {ref!r} is neither a clone URL nor an existing directory")
    if (src / ".git").exists() or _is_bare(src):
        return RepoCheckout(path=src, commit=_resolve(src, commit), source=str(src))
    dest = workdir / "repo"
    if not (dest / ".git").exists():
        if dest.exists():
            shutil.rmtree(dest)
        _init_plain_dir(src, dest)
    return RepoCheckout(path=dest, commit=_resolve(dest, commit), source=str(src))
