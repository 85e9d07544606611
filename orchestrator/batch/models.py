"""The plain data a batch passes around: what to run (TaskSpec) and what came of it (InstanceResult)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class InstanceStatus(StrEnum):
    """How one instance's solve ended, as the batch records it."""

    PATCHED = "patched"
    """The solver finished and produced a non-empty patch."""
    NO_PATCH = "no_patch"
    """The solver finished without a patch (gave up, nothing accepted)."""
    FAILED = "failed"
    """The solver ran to its end and reported failure (e.g. patch never applied)."""
    BUDGET_EXHAUSTED = "budget_exhausted"
    """The instance hit a cap of its own (spend, tokens, steps, time) or the batch's remaining budget."""
    TIMEOUT = "timeout"
    """The instance ran past its wall-clock cap and was killed."""
    CRASHED = "crashed"
    """The solver raised or its process died: a bug or a poisoned instance, not the machine."""
    INFRA_ERROR = "infra_error"
    """The machine failed the instance (Docker down, image build, clone): retryable with --retry-infra."""

    @property
    def is_terminal(self) -> bool:
        # Infrastructure failures say nothing about the instance, so they never count as finished.
        return self is not InstanceStatus.INFRA_ERROR


class TaskSpec(BaseModel):
    """Everything one worker needs to solve one instance; plain data so it crosses process and node boundaries."""

    model_config = ConfigDict(extra="forbid")

    batch_run_id: str
    instance: dict[str, Any]
    """The dataset row (SWE-bench fields: instance_id, repo, base_commit, problem_statement, ...)."""
    model_name: str
    """Chat model as provider:model; also the predictions' model_name_or_path."""
    instance_dir: str
    """This instance's run record directory (the solve's run_dir)."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """Effective OrchSettings as JSON, so a worker on another node sees the same configuration."""
    cost_cap_usd: float | None = None
    """Spend cap for this instance: the per-instance cap, lowered to what the batch has left."""
    timeout_s: float = 3600.0
    """Hard wall-clock cap; the worker process is killed when it passes."""
    task: str = "orchestrator.batch.task:solve_instance"
    """Import path of the task function (`module:function`) the worker calls."""
    attempt: int = 1
    """1 for the first try of this instance in this run, higher for resumes and infra retries."""
    resume: bool = False
    """True when an earlier attempt left a run record the solver may resume from."""
    repos_dir: str | None = None
    """Local clones as `<repos_dir>/<owner>/<name>` for machines that cannot clone from GitHub."""

    @property
    def instance_id(self) -> str:
        return str(self.instance["instance_id"])

    @property
    def repo(self) -> str:
        return str(self.instance.get("repo", ""))


class InstanceResult(BaseModel):
    """One attempt's outcome; appended to results.jsonl, the batch's journal."""

    model_config = ConfigDict(extra="ignore")

    instance_id: str
    repo: str = ""
    status: InstanceStatus
    patch: str = ""
    cost_usd: float = 0.0
    duration_s: float = 0.0
    attempt: int = 1
    run_dir: str | None = None
    error: str | None = None
    """One line saying what went wrong, for crashes, timeouts and infra errors."""
    detail: dict[str, Any] = Field(default_factory=dict)
    """Solver-specific extras (solve status, tests, worker exit code) kept for the report."""
    node: str | None = None
    """Host that ran the attempt (differs per node on Ray)."""
