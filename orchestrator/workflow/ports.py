"""What the workflow needs from the layers below, as small protocols.

The workflow is written against these; `adapters.py` fits the real packages (agents, graph_index,
harness) to them. Keeping the seam here means a change in a lower package's API touches one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from orchestrator.workflow.state import Evidence, IssueInfo, Plan, Reproduction, Review, Subtask


class CommandResult(Protocol):
    exit_code: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool

    @property
    def output(self) -> str: ...


class PatchResult(Protocol):
    applied: bool
    reason: str | None


class Sandbox(Protocol):
    """harness.Sandbox, the subset the workflow uses."""

    workdir: str
    isolated: bool

    def run(self, cmd: str, timeout: float | None = None) -> CommandResult: ...
    def read_file(self, path: str) -> str: ...
    def write_file(self, path: str, content: str) -> None: ...
    def apply_patch(self, diff: str) -> PatchResult: ...
    def diff(self) -> str: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


class SandboxOpener(Protocol):
    def __call__(self, repo_path: Path, commit: str) -> Sandbox: ...


class GraphPort(Protocol):
    """A code graph opened on the repository at the run's commit."""

    def localize(self, issue_text: str, top_k: int) -> dict[str, Any]:
        """`{"files": [{"path", "score", "evidence"}], "functions": [{"id", "score", "evidence"}]}`"""
        ...

    def stats(self) -> dict[str, Any]: ...

    @property
    def graph(self) -> Any:
        """The underlying CodeGraph, handed to agents as-is."""
        ...


class GraphOpener(Protocol):
    def __call__(self, repo_path: Path, commit: str) -> GraphPort: ...


@dataclass
class AgentContext:
    """What one role call gets: the live sandbox and graph, and the model client for its role."""

    sandbox: Sandbox
    graph: Any
    model: Any
    issue: IssueInfo
    localization: dict[str, Any]


class Roles(Protocol):
    """The four agents as the workflow calls them. Each may raise the agents' BudgetExceeded."""

    def plan(self, ctx: AgentContext, feedback: list[str]) -> Plan: ...

    def reproduce(self, ctx: AgentContext, subtask: Subtask, feedback: list[str]) -> Reproduction | None:
        """Write a reproduction test in the sandbox and run it on the unmodified code."""
        ...

    def code(
        self, ctx: AgentContext, subtask: Subtask, feedback: list[str], reproduction: Reproduction | None = None
    ) -> None:
        """Edit the repository in the sandbox; the workflow reads the result with sandbox.diff()."""
        ...

    def regression_command(self, ctx: AgentContext, patch: str, reproduction: Reproduction | None) -> str | None:
        """A command running existing tests that reach the change, or None."""
        ...

    def review(self, ctx: AgentContext, subtask: Subtask, patch: str, evidence: Evidence) -> Review: ...
