"""The workflow's one typed state object and the records it is made of.

Everything here is plain data that survives a checkpoint: live resources (the sandbox, the graph,
the model client) are rebuilt from it on resume, never stored in it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agents import Usage

Role = Literal["tester", "coder", "reviewer"]


class _Rec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueInfo(_Rec):
    title: str = ""
    text: str = ""
    """Title, body and comments as agents read them."""
    url: str | None = None
    source: str = "text"
    instance_id: str | None = None


class RepoInfo(_Rec):
    path: str
    commit: str
    source: str


class Subtask(_Rec):
    id: str
    role: Role
    goal: str
    targets: list[str] = Field(default_factory=list)
    """Graph symbols or files the subtask is about."""
    acceptance: str = ""
    """How the workflow checks it, e.g. "reproduction test fails before and passes after"."""


class Plan(_Rec):
    summary: str = ""
    subtasks: list[Subtask] = Field(default_factory=list)


class Reproduction(_Rec):
    """The tester's reproduction test: written by a model, judged by execution."""

    test_path: str
    content: str
    command: str
    failed_before: bool
    output_before: str = ""
    regression_command: str | None = None
    """Existing tests that reach the code under change, chosen by the tester."""


class TestRun(_Rec):
    """One command run as evidence."""

    __test__ = False  # not a pytest test class
    name: str
    """reproduction | regression | differential"""
    command: str
    passed: bool
    exit_code: int
    output: str = ""
    duration_s: float = 0.0


class Evidence(_Rec):
    runs: list[TestRun] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.runs) and all(r.passed for r in self.runs)

    def as_tests(self) -> dict[str, str]:
        return {r.name: "passed" if r.passed else "failed" for r in self.runs}


class Review(_Rec):
    approved: bool
    reasons: list[str] = Field(default_factory=list)


class Candidate(_Rec):
    index: int
    patch: str
    evidence: Evidence = Field(default_factory=Evidence)
    review: Review | None = None
    reproduction: Reproduction | None = None
    """The attempt's own reproduction test (attempts are independent, tester included)."""


Spend = Usage
"""Model spend so far (the budget's own record); restored into the budget on resume so caps
span the whole run."""


class SolveState(BaseModel):
    """One run of the workflow. Nodes return partial updates of these fields."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    issue: IssueInfo | None = None
    repo: RepoInfo | None = None
    index_stats: dict[str, Any] = Field(default_factory=dict)
    localization: dict[str, Any] = Field(default_factory=dict)
    plan: Plan | None = None
    cursor: int = 0
    """Index of the current subtask in plan.subtasks."""
    reproduction: Reproduction | None = None
    patch: str = ""
    """The current candidate's code change (reproduction test excluded)."""
    evidence: Evidence | None = None
    review: Review | None = None
    feedback: list[str] = Field(default_factory=list)
    """Reasons the coder must address next (reviewer comments, failing test output)."""
    attempts: int = 0
    """Coder attempts on the current subtask."""
    review_rounds: int = 0
    replans: int = 0
    candidate_index: int = 0
    candidates: list[Candidate] = Field(default_factory=list)
    selected: int | None = None
    spend: Spend = Field(default_factory=Spend)
    status: str | None = None
    """Set when the run ends: a SolveStatus value."""
    message: str = ""
    completed: list[str] = Field(default_factory=list)
    """Nodes completed so far, in order (what a resume must not repeat)."""

    def subtask(self) -> Subtask | None:
        if self.plan is None or self.cursor >= len(self.plan.subtasks):
            return None
        return self.plan.subtasks[self.cursor]


# Types the checkpointer may deserialize (LangGraph refuses unregistered classes).
CHECKPOINT_TYPES = [
    (cls.__module__, cls.__name__)
    for cls in (
        IssueInfo, RepoInfo, Subtask, Plan, Reproduction, TestRun, Evidence, Review, Candidate, Usage, SolveState,
    )
] + [(__name__, "Spend")]
"""The last entry reads checkpoints written when `Spend` was a class of its own."""
