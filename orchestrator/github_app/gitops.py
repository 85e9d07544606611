"""Host-side git for a job: clone, commit the patch on a branch, push.

The installation token reaches git only through the environment of these git processes, as an
HTTP header (`GIT_CONFIG_*`). It is never written into a URL, `.git/config` or the work tree, so
nothing the solver or its sandbox can read holds it; in this process it stays a SecretStr until
the moment the header is built.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

from pydantic import SecretStr

BOT_NAME = "orch[bot]"
BOT_EMAIL = "orch[bot]@users.noreply.github.com"
# Variables a host git needs to reach a server through this machine's proxy and CA setup.
_PASSTHROUGH = ("PATH", "HOME", "LANG", "SSL_CERT_FILE", "GIT_SSL_CAINFO", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")
_DIFF_PATH = re.compile(r"^(?:\+\+\+|---) (?:[ab]/)?(.+?)\t?$|^diff --git a/(.+?) b/(.+)$")


class GitError(Exception):
    """A git step failed; the message holds git's stderr tail (which never contains the token)."""


class UnsafePatch(Exception):
    """The patch touches a path outside the repository or inside `.git`."""


def auth_env(token: SecretStr | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in _PASSTHROUGH}
    env["GIT_TERMINAL_PROMPT"] = "0"
    # Clone URLs come from webhook payloads: never let one select ext::, file:// or ssh transports.
    env["GIT_ALLOW_PROTOCOL"] = "https:http"
    if token:
        basic = base64.b64encode(f"x-access-token:{token.get_secret_value()}".encode()).decode()
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="http.extraHeader",
            GIT_CONFIG_VALUE_0=f"Authorization: Basic {basic}",
        )
    return env


def _git(args: list[str], cwd: Path | None, token: SecretStr | None = None, stdin: str | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=auth_env(token), input=stdin, capture_output=True, text=True, timeout=900
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise GitError(f"git {args[0]} failed: {' / '.join(tail)}")
    return proc.stdout


def clone(url: str, dest: Path, branch: str, token: SecretStr) -> str:
    """A fresh shallow clone of `branch` at `dest`; returns the checked-out commit."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _git(["clone", "--quiet", "--depth", "50", "--branch", branch, "--", url, str(dest)], None, token)
    return _git(["rev-parse", "HEAD"], dest).strip()


def check_patch_paths(patch: str) -> list[str]:
    """Paths the patch touches; raises UnsafePatch for absolute, `..` or `.git` paths."""
    paths: list[str] = []
    for line in patch.splitlines():
        match = _DIFF_PATH.match(line)
        if not match:
            continue
        for raw in filter(None, match.groups()):
            if raw == "/dev/null":
                continue
            parts = PurePosixPath(raw).parts
            if raw.startswith("/") or ".." in parts or ".git" in parts:
                raise UnsafePatch(f"patch touches {raw!r}, outside the repository's work tree")
            paths.append(raw)
    return sorted(set(paths))


def commit_patch(repo_dir: Path, patch: str, branch: str, message: str) -> str:
    """Apply the patch on a new branch and commit it as the bot; returns the commit."""
    check_patch_paths(patch)
    _git(["checkout", "--quiet", "-B", branch], repo_dir)
    _git(["apply", "--index", "--whitespace=nowarn", "-"], repo_dir, stdin=patch if patch.endswith("\n") else patch + "\n")
    _git(["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "commit", "--quiet", "-m", message], repo_dir)
    return _git(["rev-parse", "HEAD"], repo_dir).strip()


def push(repo_dir: Path, url: str, branch: str, token: SecretStr) -> None:
    # The branch is orch's own (one per job), so a resumed job may overwrite its earlier push.
    _git(["push", "--quiet", "--force", url, f"HEAD:refs/heads/{branch}"], repo_dir, token)
