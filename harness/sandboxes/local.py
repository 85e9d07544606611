"""Local backend: a git worktree and subprocesses on the host. UNISOLATED.

For machines without Docker. Commands run with the caller's privileges, file system and network;
only time, memory (RLIMIT_AS) and core dumps are limited. Every sandbox logs a warning saying so,
and `isolated` is False so callers can refuse it for untrusted work.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import structlog

from harness.sandbox import DEFAULT_MAX_OUTPUT, CommandResult, SandboxError, truncate_middle
from harness.sandboxes._git import GitWorkspace

log = structlog.get_logger(__name__)

#: The host environment a command may see. Everything else (tokens, API keys) stays out.
_PASS_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TERM", "TMPDIR", "SSL_CERT_FILE", "PIP_CERT")


_PREFIX = "orch-local-"
_OWNER_FILE = ".orch-owner.json"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, or None when it is gone. With the pid,
    it names a process uniquely: a recycled pid has a later start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22, counted after the parenthesised command name, which may itself hold spaces.
    return stat.rsplit(")", 1)[1].split()[19]


def reap_local_orphans(tmp_root: str | Path | None = None) -> list[str]:
    """Remove worktrees of local sandboxes whose owning process was killed before `close()`.

    Returns the directories removed. Directories of live owners, of other hosts sharing the temp
    directory, and ones without an owner record (an older orch, or not ours) are left alone.
    """
    root = Path(tmp_root or tempfile.gettempdir())
    host = socket.gethostname()
    removed = []
    for d in root.glob(f"{_PREFIX}*"):
        try:
            owner = json.loads((d / _OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if owner.get("host") != host or _start_time(int(owner.get("pid", 0))) == owner.get("started"):
            continue
        shutil.rmtree(d, ignore_errors=True)
        # The repository still lists the vanished worktree until it is pruned.
        subprocess.run(["git", "-C", str(owner.get("repo", "")), "worktree", "prune"], capture_output=True)
        removed.append(str(d))
    if removed:
        log.info("sandbox.reaped_local_orphans", count=len(removed))
    return removed


def _memory_bytes(spec: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    spec = spec.strip().lower().rstrip("b")
    if spec and spec[-1] in units:
        return int(float(spec[:-1]) * units[spec[-1]])
    return int(spec)


class LocalSandbox(GitWorkspace):
    """A detached worktree of `repo` (bare or not) at `commit`, in a temporary directory."""

    isolated = False

    def __init__(
        self,
        repo: str | Path,
        commit: str = "HEAD",
        *,
        memory: str | None = "4g",
        command_timeout: float = 600.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.repo = Path(repo).resolve()
        reap_local_orphans()
        self._tmp = Path(tempfile.mkdtemp(prefix=_PREFIX))
        pid = os.getpid()
        owner = {"host": socket.gethostname(), "pid": pid, "started": _start_time(pid), "repo": str(self.repo)}
        (self._tmp / _OWNER_FILE).write_text(json.dumps(owner))
        self.workdir = str(self._tmp / "testbed")
        self._memory = _memory_bytes(memory) if memory else None
        self._timeout = command_timeout
        self._env = {k: os.environ[k] for k in _PASS_ENV if k in os.environ} | dict(env or {})
        self._closed = False
        self.log = log.bind(repo=str(self.repo), commit=commit)
        self.log.warning("sandbox.unisolated", reason="local backend: no network or file system isolation")
        added = subprocess.run(
            ["git", "-C", str(self.repo), "worktree", "add", "--detach", "-f", self.workdir, commit],
            capture_output=True,
            text=True,
        )
        if added.returncode != 0:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise SandboxError(f"git worktree add failed: {added.stderr.strip()}")
        self._base = self._git("rev-parse HEAD").stdout.strip()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        subprocess.run(["git", "-C", str(self.repo), "worktree", "remove", "--force", self.workdir], capture_output=True)
        shutil.rmtree(self._tmp, ignore_errors=True)
        subprocess.run(["git", "-C", str(self.repo), "worktree", "prune"], capture_output=True)

    def __enter__(self) -> LocalSandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _limits(self) -> None:  # runs in the child between fork and exec
        if self._memory:
            resource.setrlimit(resource.RLIMIT_AS, (self._memory, self._memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def run(self, cmd: str, timeout: float | None = None, *, max_output: int = DEFAULT_MAX_OUTPUT) -> CommandResult:
        if self._closed:
            raise SandboxError("sandbox is closed")
        timeout = self._timeout if timeout is None else timeout
        start = time.monotonic()
        # A new session makes the command a process group leader, so the timeout can kill the tree.
        proc = subprocess.Popen(
            ["bash", "-c", cmd],
            cwd=self.workdir,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=self._limits,
        )
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        code = proc.returncode
        exit_code = 128 - code if code < 0 else code  # report signals like a shell: 137 for KILL
        so, t1 = truncate_middle(out.decode("utf-8", errors="replace"), max_output)
        se, t2 = truncate_middle(err.decode("utf-8", errors="replace"), max_output)
        return CommandResult(
            137 if timed_out else exit_code, so, se, time.monotonic() - start, timed_out=timed_out, truncated=t1 or t2
        )

    def _scratch_dir(self) -> str:
        return str(self._tmp)

    def read_file(self, path: str) -> str:
        return Path(self._resolve(path)).read_text(errors="replace")

    def write_file(self, path: str, content: str) -> None:
        self._write_abs(self._resolve(path), content)

    def _write_abs(self, path: str, content: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(content)
