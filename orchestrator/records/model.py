"""What a run directory holds, as typed records. File names are a contract with `orch runs`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TRAJECTORY = "trajectory.jsonl"
PLAN = "plan.json"
PATCH = "patch.diff"
PREDICTION = "prediction.jsonl"
SUMMARY = "summary.json"
REQUEST = "request.json"
CHECKPOINTS = "checkpoints.sqlite"
# The settings that define the run and its checkpoint thread, reused on resume.
SETTINGS = "settings.json"

# Status written while a run is under way; a summary still saying this after the process is
# gone means the run was killed and can be resumed.
RUNNING = "running"
# How readers show a run whose summary says running but whose process is gone.
INTERRUPTED = "interrupted"


class TrajectoryEvent(BaseModel):
    """One line of trajectory.jsonl: a model call, a tool call, a test run or a routing decision."""

    model_config = ConfigDict(extra="allow")

    seq: int
    ts: str
    kind: str
    """model_call | tool_call | test_run | route | node | run | agent"""
    node: str | None = None
    role: str | None = None
    subtask: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class RunSummary(BaseModel):
    """summary.json: how the run ended, what it cost, and the final test evidence."""

    model_config = ConfigDict(extra="ignore")

    run_id: str
    status: str = RUNNING
    message: str = ""
    instance_id: str | None = None
    issue_title: str | None = None
    issue_url: str | None = None
    repo: str | None = None
    commit: str | None = None
    model: str | None = None
    sandbox: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float = 0.0
    cost_usd: float = 0.0
    tokens: int = 0
    model_calls: int = 0
    tests: dict[str, str] = Field(default_factory=dict)
    """Final test evidence: test id or command -> passed/failed."""
    nodes_completed: list[str] = Field(default_factory=list)
    resumable: bool = False
    """True when `orch solve --resume RUN_ID` can continue this run."""
    pid: int | None = None
    """The process running it while status is "running"; gone means the run was interrupted."""
