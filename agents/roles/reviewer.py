"""Reviewer: diff + test evidence + callers of changed symbols -> approve or changes_requested.

Deterministic checks (weakened tests, calls to symbols that exist nowhere, failing evidence)
run first and override a model's approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from agents.client import ModelClient
from agents.loop import LoopLimits, LoopStatus, run_agent
from agents.prompting import render
from agents.protocols import GraphLike, SandboxLike
from agents.review_checks import unknown_symbols, weakened_tests
from agents.roles.common import symbols_touched_by_diff
from agents.testrun import TestReport
from agents.toolkit import file_tools, graph_tools
from agents.tools import Finish, Tool, ToolBox, ToolError

REVIEWER_LIMITS = LoopLimits(max_steps=6, max_consecutive_failures=3, context_tokens=16_000)
MAX_DIFF_CHARS = 20_000

Verdict = Literal["approve", "changes_requested"]


class ReviewInput(BaseModel):
    issue: str
    diff: str
    evidence: list[TestReport] = Field(default_factory=list)
    protected_tests: dict[str, str] = Field(default_factory=dict)
    """Test files that must be unchanged (path -> content), e.g. the confirmed reproduction test."""


class Review(BaseModel):
    approved: bool
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    checks: list[str] = Field(default_factory=list)
    """Findings of the deterministic checks (any finding means changes_requested)."""
    model_verdict: Verdict | None = None
    status: LoopStatus = "finished"
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    peak_prompt_tokens: int = 0


class SubmitReviewArgs(BaseModel):
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list, description="concrete, actionable reasons (file, function, problem)")

    @field_validator("reasons")
    @classmethod
    def _concrete(cls, reasons: list[str]) -> list[str]:
        vague = [r for r in reasons if len(r.strip()) < 15]
        if vague:
            raise ValueError(f"reasons must be concrete sentences naming what is wrong and where; too vague: {vague}")
        return [r.strip() for r in reasons]


@dataclass
class Reviewer:
    model: ModelClient
    graph: GraphLike
    sandbox: SandboxLike
    limits: LoopLimits = REVIEWER_LIMITS

    def checks(self, inp: ReviewInput) -> list[str]:
        findings = weakened_tests(inp.diff, inp.protected_tests, self.sandbox.read_file)
        findings += unknown_symbols(inp.diff, self.graph, self.sandbox.read_file)
        for run in inp.evidence:
            if not run.passed:
                failing = ", ".join(run.failing()[:5]) or f"exit code {run.exit_code}"
                findings.append(f"{run.name} tests fail: {failing}")
        if not inp.diff.strip():
            findings.append("the patch is empty")
        return findings

    def impact(self, diff: str) -> str:
        lines = []
        for node in symbols_touched_by_diff(self.graph, diff)[:10]:
            try:
                callers = [n.id for n in self.graph.callers(node.id, 1).nodes if n.id != node.id]
            except Exception:
                callers = []
            lines.append(f"- {node.id}: " + (", ".join(callers[:10]) if callers else "no callers in the graph"))
        return "\n".join(lines) or "(no existing symbols changed)"

    def run(self, inp: ReviewInput) -> Review:
        findings = self.checks(inp)

        def submit_review(a: SubmitReviewArgs) -> Finish:
            if a.verdict == "changes_requested" and not a.reasons:
                raise ToolError("changes_requested needs at least one concrete reason")
            return Finish(a, "review recorded")

        tools = ToolBox([*[t for t in graph_tools(self.graph) if t.name in {"find_symbol", "callers", "file_skeleton"}],
                         *[t for t in file_tools(self.sandbox) if t.name == "view_file"],
                         Tool("submit_review", "Submit the verdict with reasons.", SubmitReviewArgs, submit_review)])
        diff = inp.diff if len(inp.diff) <= MAX_DIFF_CHARS else inp.diff[:MAX_DIFF_CHARS] + "\n[... diff truncated ...]"
        result = run_agent(self.model.for_role("reviewer"), tools, role="reviewer",
                           system=render("reviewer_system.j2"),
                           task=render("reviewer_task.j2", issue=inp.issue, diff=diff, evidence=inp.evidence,
                                       impact=self.impact(inp.diff), findings=findings),
                           limits=self.limits)
        submitted: SubmitReviewArgs | None = result.value
        reasons = list(findings)
        if submitted is not None:
            reasons += [r for r in submitted.reasons if r not in reasons]
        else:
            reasons.append(f"the reviewer reached no verdict ({result.status}: {result.last_error or 'no detail'})")
        approved = submitted is not None and submitted.verdict == "approve" and not findings
        return Review(approved=approved, verdict="approve" if approved else "changes_requested",
                      reasons=[] if approved else reasons, checks=findings,
                      model_verdict=submitted.verdict if submitted else None, status=result.status,
                      steps=result.steps, input_tokens=result.input_tokens, output_tokens=result.output_tokens,
                      peak_prompt_tokens=result.peak_prompt_tokens)
