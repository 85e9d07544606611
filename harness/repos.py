"""Where repositories come from: `--repos-dir DIR/<owner>/<name>` (bare or not), else a cached clone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)


class RepoError(RuntimeError):
    """A repository or commit could not be found or cloned."""


def _git(*args: str, cwd: Path | None = None, timeout: float = 600) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RepoError(f"git {' '.join(args[:3])} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


class RepoSource:
    """Resolves `owner/name` to a local git directory holding the needed commits."""

    def __init__(self, repos_dir: Path | None, cache_dir: Path, clone_url: str = "https://github.com/{repo}.git") -> None:
        self.repos_dir = repos_dir
        self.cache_dir = cache_dir
        self.clone_url = clone_url

    def git_dir(self, repo: str) -> Path:
        if self.repos_dir is not None:
            path = self.repos_dir / repo
            if not path.exists():
                raise RepoError(f"{repo} not found under --repos-dir {self.repos_dir} (expected {path})")
            return path.resolve()
        path = self.cache_dir / "repos" / f"{repo}.git"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            log.info("repo.clone", repo=repo)
            _git("clone", "--bare", "--quiet", self.clone_url.format(repo=repo), str(path), timeout=3600)
        return path

    def ensure_commit(self, repo: str, commit: str) -> Path:
        path = self.git_dir(repo)
        try:
            _git("-C", str(path), "cat-file", "-e", f"{commit}^{{commit}}")
        except RepoError:
            if self.repos_dir is not None:
                raise RepoError(f"commit {commit[:12]} not in {path}") from None
            _git("-C", str(path), "fetch", "--quiet", "origin", commit)
        return path

    def show(self, repo: str, commit: str, file: str) -> str | None:
        """A file's text at a commit, or None when it does not exist there."""
        path = self.ensure_commit(repo, commit)
        done = subprocess.run(["git", "-C", str(path), "show", f"{commit}:{file}"], capture_output=True)
        return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None

    def nearest_tag(self, repo: str, commit: str) -> str | None:
        done = subprocess.run(
            ["git", "-C", str(self.git_dir(repo)), "describe", "--tags", "--abbrev=0", commit], capture_output=True, text=True
        )
        return done.stdout.strip() or None if done.returncode == 0 else None

    def checkout(self, repo: str, commit: str, dest: Path) -> None:
        """The tree at `commit` in `dest` (with a throwaway .git; callers exclude it).

        A shared clone + checkout rather than `git archive`: archive drops `export-ignore` paths,
        which some projects put on their tests.
        """
        path = self.ensure_commit(repo, commit)
        _git("clone", "--quiet", "--shared", "--no-checkout", str(path), str(dest))
        _git("-C", str(dest), "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit)
