"""The public entry point of the solve workflow: one request in, one result out.

The batch runner (issue 8) and the GitHub App (issue 9) call `solve`; `orch solve` is a thin
layer over it. Everything a run needs is in `SolveRequest` plus the effective settings; everything
a caller needs afterwards is in `SolveResult` and in the run directory it names.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from orchestrator.config import OrchSettings


class SolveStatus(StrEnum):
    """How a run ended. Callers branch on this, never on log text."""

    RESOLVED = "resolved"
    """Validated: a patch whose reproduction test failed before and passes after, approved by the reviewer."""
    UNVALIDATED = "unvalidated"
    """A patch was produced but the execution evidence does not confirm it."""
    FAILED = "failed"
    """The workflow finished without a usable patch (e.g. no patch applied, review never passed)."""
    BUDGET_EXHAUSTED = "budget_exhausted"
    """A cost/token/step/time cap stopped the run before the next model call; resumable."""
    ERROR_INFRA = "error_infra"
    """Sandbox, clone, graph or other infrastructure failure; not a verdict on the issue."""
    ERROR_INPUT = "error_input"
    """The issue or repository could not be read (bad URL, missing issue, unknown instance id)."""


SandboxKind = Literal["auto", "docker", "local"]


class Budgets(BaseModel):
    """Per-run caps; None keeps the configured value (`budget.*`)."""

    model_config = ConfigDict(extra="forbid")

    cost_usd: float | None = None
    tokens: int | None = None
    steps: int | None = None
    wall_seconds: int | None = None


class SolveRequest(BaseModel):
    """One issue against one repository. Give either `issue` (URL or file) or `issue_text`,
    or `dataset` + `instance_id`."""

    model_config = ConfigDict(extra="forbid")

    issue: str | None = None
    """A GitHub issue URL or a local Markdown/text file path."""
    issue_text: str | None = None
    """The issue body itself (callers that already hold it, e.g. the GitHub App)."""
    issue_title: str | None = None
    issue_url: str | None = None
    """Where the issue lives, for the record; not fetched when issue_text is given."""
    dataset: Path | None = None
    """A SWE-bench-style JSONL file; with instance_id selects one row."""
    repo: str | None = None
    """Local repository path or clone URL. For a dataset row without it: `https://github.com/<repo>`."""
    commit: str | None = None
    """Commit to solve at; default: the dataset's base_commit, else the repository's HEAD."""
    instance_id: str | None = None
    model: str | None = None
    """`provider:model`; None keeps `model.name`."""
    budgets: Budgets = Field(default_factory=Budgets)
    run_id: str | None = None
    """None generates one; an existing run id with resume=True continues that run."""
    resume: bool = False
    runs_dir: Path | None = None
    """None keeps `run.runs_dir`."""
    sandbox: SandboxKind | None = None
    """None keeps `harness.sandbox`."""


class SolveResult(BaseModel):
    """What a run produced. The full record is in `run_dir`."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    status: SolveStatus
    run_dir: Path
    instance_id: str | None = None
    patch: str = ""
    """Unified diff against the base commit; empty when no patch was selected."""
    cost_usd: float = 0.0
    tokens: int = 0
    model_calls: int = 0
    duration_s: float = 0.0
    message: str = ""
    """One human-readable line on why the run ended this way."""
    tests: dict[str, str] = Field(default_factory=dict)
    """Final test evidence: test id -> passed/failed/error."""


def solve(request: SolveRequest, settings: OrchSettings) -> SolveResult:
    """Run the whole workflow for one issue; never raises for expected failures (see status)."""
    from orchestrator.workflow.runner import run_solve

    return run_solve(request, settings)
