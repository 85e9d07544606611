"""The `Sandbox` protocol every backend meets, and the value types it returns.

Backends live one per file in `harness/sandboxes/` (docker, local). Agents and the evaluator only
ever talk to this protocol, so a run can move between an isolated container and a plain worktree
without code changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, runtime_checkable

#: Default cap on captured output per stream. Agents feed output to models, so unbounded logs
#: (a test suite in a loop) must not blow a context window or the host's memory.
DEFAULT_MAX_OUTPUT = 256 * 1024


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the command in it): an infrastructure error."""


class EngineUnavailable(SandboxError):
    """The container engine does not answer (daemon down, socket missing, permission denied)."""


@dataclass(frozen=True)
class CommandResult:
    """What one command in a sandbox did."""

    exit_code: int
    """Exit status; -9 style negative values never appear, a killed command reports 137."""
    stdout: str
    stderr: str
    duration: float
    """Wall-clock seconds."""
    timed_out: bool = False
    """True when the timeout killed the command's whole process tree."""
    oom_killed: bool = False
    """True when the kernel killed a process for exceeding the sandbox's memory limit."""
    truncated: bool = False
    """True when stdout or stderr lost their middle to the output cap."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def output(self) -> str:
        """stdout then stderr, for logs and models."""
        if self.stderr:
            return f"{self.stdout}{'' if self.stdout.endswith(chr(10)) or not self.stdout else chr(10)}{self.stderr}"
        return self.stdout


@dataclass(frozen=True)
class PatchResult:
    """Outcome of `Sandbox.apply_patch`."""

    applied: bool
    method: str | None = None
    """Which strategy applied it: `git apply`, `git apply --3way` or `patch --fuzz`."""
    reason: str | None = None
    """Why it was refused or failed; None when applied."""
    refused: bool = False
    """True when the patch was rejected before any attempt (unsafe paths, binary garbage)."""
    attempts: list[str] = field(default_factory=list)
    """One line per strategy tried, with its error, for the log."""


def truncate_middle(text: str, limit: int) -> tuple[str, bool]:
    """Keep the head and the tail: the command line echo and the final summary matter most."""
    if limit <= 0 or len(text) <= limit:
        return text, False
    head = limit // 2
    tail = limit - head
    dropped = len(text) - head - tail
    return f"{text[:head]}\n[... {dropped} characters truncated ...]\n{text[-tail:]}", True


@runtime_checkable
class Sandbox(Protocol):
    """A workspace holding a repository at a base commit, and a place to run commands in it.

    Paths given to `read_file`/`write_file` are relative to the workspace root (the repository);
    absolute paths are allowed only inside it.
    """

    workdir: str
    """The repository root as commands see it (e.g. `/testbed` in a container)."""
    isolated: bool
    """False for backends that run on the host (no network or file system isolation)."""

    def run(self, cmd: str, timeout: float | None = None, *, max_output: int = DEFAULT_MAX_OUTPUT) -> CommandResult:
        """Run `cmd` with bash in the workspace; kill its whole process tree after `timeout` s."""
        ...

    def read_file(self, path: str) -> str: ...

    def write_file(self, path: str, content: str) -> None: ...

    def apply_patch(self, diff: str) -> PatchResult:
        """Apply a unified diff, trying stricter strategies first; never leaves a half-applied patch."""
        ...

    def diff(self) -> str:
        """Every change in the workspace against the base commit, new files included."""
        ...

    def reset(self) -> None:
        """Back to the base commit: tracked changes reverted, untracked files removed."""
        ...

    def close(self) -> None:
        """Release everything (container, worktree, processes). Safe to call twice."""
        ...

    def __enter__(self) -> Sandbox: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
