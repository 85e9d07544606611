"""Coder: edits the repository in the sandbox through graph, file and command tools."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from agents.client import ModelClient
from agents.loop import LoopLimits, LoopStatus, run_agent
from agents.prompting import render
from agents.protocols import GraphLike, SandboxLike
from agents.toolkit import file_tools, graph_tools, sandbox_tools
from agents.tools import Finish, Tool, ToolBox, ToolError

CODER_LIMITS = LoopLimits(max_steps=30, max_consecutive_failures=3, context_tokens=32_000)


class CoderInput(BaseModel):
    issue: str
    goal: str
    targets: list[str] = Field(default_factory=list)
    acceptance: str = ""
    reproduction: str | None = None
    """The reproduction test's path and command, when the tester wrote one."""
    feedback: list[str] = Field(default_factory=list)
    """Reviewer reasons or failing test output from an earlier round."""


class CoderOutput(BaseModel):
    status: LoopStatus
    summary: str = ""
    diff: str = ""
    """The sandbox's diff when the coder stopped (whatever its status)."""
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    peak_prompt_tokens: int = 0
    last_error: str | None = None


class FinishArgs(BaseModel):
    summary: str = Field(min_length=3, description="what you changed and why")


@dataclass
class Coder:
    model: ModelClient
    graph: GraphLike
    sandbox: SandboxLike
    limits: LoopLimits = CODER_LIMITS

    def tools(self) -> ToolBox:
        def finish(a: FinishArgs) -> Finish:
            if not self.sandbox.diff().strip():
                raise ToolError("there are no changes in the repository yet; make the fix before finishing")
            return Finish(a.summary, "done")

        return ToolBox([*graph_tools(self.graph), *file_tools(self.sandbox), *sandbox_tools(self.sandbox),
                        Tool("finish", "Declare the subtask done, with a summary.", FinishArgs, finish)])

    def run(self, inp: CoderInput) -> CoderOutput:
        result = run_agent(
            self.model.for_role("coder"), self.tools(), role="coder", system=render("coder_system.j2"),
            task=render("coder_task.j2", issue=inp.issue, goal=inp.goal, targets=inp.targets,
                        acceptance=inp.acceptance, reproduction=inp.reproduction, feedback=inp.feedback),
            limits=self.limits,
        )
        return CoderOutput(status=result.status, summary=result.value or "", diff=self.sandbox.diff(),
                           steps=result.steps, input_tokens=result.input_tokens, output_tokens=result.output_tokens,
                           peak_prompt_tokens=result.peak_prompt_tokens, last_error=result.last_error)
