"""Planner: issue + localization + repo map -> a DAG of subtasks grounded in graph symbols."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from agents.client import ModelClient
from agents.loop import LoopLimits, LoopStatus, run_agent
from agents.prompting import render
from agents.protocols import GraphLike
from agents.roles.common import render_localization
from agents.toolkit import graph_tools
from agents.tools import Finish, Tool, ToolBox, ToolError

SubtaskRole = Literal["tester", "coder", "reviewer"]

PLANNER_LIMITS = LoopLimits(max_steps=8, max_consecutive_failures=3, context_tokens=16_000)


class Subtask(BaseModel):
    id: str = Field(min_length=1, max_length=40)
    role: SubtaskRole
    goal: str = Field(min_length=3)
    targets: list[str] = Field(default_factory=list, description="graph symbols or file paths")
    acceptance: str = Field(min_length=3, description="how the result is checked")
    depends_on: list[str] = Field(default_factory=list)


class Plan(BaseModel):
    summary: str = Field(description="one or two sentences: the cause and the intended fix")
    subtasks: list[Subtask] = Field(min_length=1)


class PlannerInput(BaseModel):
    issue: str
    localization: Any = None
    """`localize()`'s result (dict with files/functions, or an object with model_dump/to_dict)."""
    repo_map: str = ""
    feedback: list[str] = Field(default_factory=list)
    """Why an earlier plan failed (a re-plan)."""


class PlannerOutput(BaseModel):
    status: LoopStatus
    plan: Plan | None = None
    rejected: list[str] = Field(default_factory=list)
    """Why each rejected submission was sent back (e.g. symbols missing from the graph)."""
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    peak_prompt_tokens: int = 0
    last_error: str | None = None


def target_exists(graph: GraphLike, target: str) -> bool:
    t = target.strip().strip("`")
    return bool(t) and (graph.node(t) is not None or bool(graph.symbol(t)))


def validate_plan(plan: Plan, graph: GraphLike) -> tuple[Plan, list[str]]:
    """(the plan in dependency order, problems). Problems: missing symbols, bad ids, cycles."""
    problems: list[str] = []
    ids = [s.id for s in plan.subtasks]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        problems.append(f"duplicate subtask ids: {', '.join(dupes)}")
    if not any(s.role == "coder" for s in plan.subtasks):
        problems.append("the plan has no coder subtask")
    for s in plan.subtasks:
        unknown = [d for d in s.depends_on if d not in ids or d == s.id]
        if unknown:
            problems.append(f"subtask {s.id} depends on unknown or itself: {', '.join(unknown)}")
    misses = [(s.id, t) for s in plan.subtasks for t in s.targets if not target_exists(graph, t)]
    for _sid, t in misses:
        hint = ""
        try:
            hits = graph.search(t.split(":")[-1].split(".")[-1], 3)
            hint = f" (did you mean: {', '.join(h.node.id for h in hits)})" if hits else ""
        except Exception:  # a hint is a courtesy; the miss itself is what matters
            pass
        problems.append(f"subtask {s.id}: target {t!r} does not exist in the graph{hint}")
    ordered = _topological(plan.subtasks)
    if ordered is None:
        problems.append("depends_on has a cycle; the plan must be a DAG")
        ordered = plan.subtasks
    return plan.model_copy(update={"subtasks": ordered}), problems


def _topological(subtasks: list[Subtask]) -> list[Subtask] | None:
    """Dependency order, keeping the model's order among independent subtasks; None on a cycle."""
    by_id = {s.id: s for s in subtasks}
    done: list[str] = []
    pending = list(subtasks)
    while pending:
        ready = [s for s in pending if all(d in done or d not in by_id for d in s.depends_on)]
        if not ready:
            return None
        done.append(ready[0].id)
        pending.remove(ready[0])
    return [by_id[i] for i in done]


@dataclass
class Planner:
    model: ModelClient
    graph: GraphLike
    limits: LoopLimits = PLANNER_LIMITS
    repo_map_tokens: int = 1500
    rejected: list[str] = field(default_factory=list, init=False)

    def run(self, inp: PlannerInput) -> PlannerOutput:
        self.rejected = []
        repo_map = inp.repo_map or self._repo_map(inp.issue)

        def submit_plan(plan: Plan) -> Finish:
            ordered, problems = validate_plan(plan, self.graph)
            if problems:
                self.rejected.append("; ".join(problems))
                raise ToolError("plan rejected:\n- " + "\n- ".join(problems) + "\nFix these and submit again.")
            return Finish(ordered, "plan accepted")

        tools = ToolBox([t for t in graph_tools(self.graph) if t.name in {"search_code", "find_symbol", "file_skeleton"}]
                        + [Tool("submit_plan", "Submit the plan (checked against the graph).", Plan, submit_plan)])
        result = run_agent(
            self.model.for_role("planner"), tools, role="planner",
            system=render("planner_system.j2"),
            task=render("planner_task.j2", issue=inp.issue, localization=render_localization(inp.localization),
                        repo_map=repo_map or "(not available)", feedback=inp.feedback),
            limits=self.limits,
        )
        return PlannerOutput(status=result.status, plan=result.value, rejected=list(self.rejected),
                             steps=result.steps, input_tokens=result.input_tokens, output_tokens=result.output_tokens,
                             peak_prompt_tokens=result.peak_prompt_tokens, last_error=result.last_error)

    def _repo_map(self, issue: str) -> str:
        try:
            rm = self.graph.repo_map(self.repo_map_tokens, issue[:2000])
        except Exception:
            return ""
        return getattr(rm, "text", str(rm))
