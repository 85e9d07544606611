"""The agents package's tool-using roles behind the workflow's `Roles` port."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from orchestrator.workflow.ports import AgentContext
from orchestrator.workflow.state import Evidence, Plan, Reproduction, Review, Subtask

if TYPE_CHECKING:
    from orchestrator.config import OrchSettings

log = structlog.get_logger(__name__)

# The workflow can always execute this plan; used when the planner ends without an accepted plan.
_DEFAULT_SUBTASKS = [
    Subtask(id="reproduce", role="tester", goal="Write a test that reproduces the issue.",
            acceptance="the test fails on the unmodified code"),
    Subtask(id="fix", role="coder", goal="Fix the issue.",
            acceptance="the reproduction test passes and regression tests still pass"),
]


class AgentRoles:
    def __init__(self, settings: OrchSettings) -> None:
        self.python = "python3"
        self.test_timeout = float(settings.harness.command_timeout)

    def plan(self, ctx: AgentContext, feedback: list[str]) -> Plan:
        import agents

        out = agents.Planner(model=ctx.model, graph=ctx.graph).run(
            agents.PlannerInput(issue=ctx.issue.text, localization=ctx.localization, feedback=feedback)
        )
        if out.plan is None:
            log.warning("planner_no_plan", status=out.status, error=out.last_error, rejected=out.rejected)
            why = out.last_error or (out.rejected[-1] if out.rejected else out.status)
            return Plan(summary=f"(default plan: the planner gave none — {why})", subtasks=list(_DEFAULT_SUBTASKS))
        subtasks = [Subtask(id=s.id, role=s.role, goal=s.goal, targets=list(s.targets), acceptance=s.acceptance)
                    for s in out.plan.subtasks]
        return Plan(summary=out.plan.summary, subtasks=subtasks)

    def _tester(self, ctx: AgentContext) -> Any:
        import agents

        return agents.Tester(model=ctx.model, graph=ctx.graph, sandbox=ctx.sandbox,
                             test_timeout=self.test_timeout, python=self.python)

    def reproduce(self, ctx: AgentContext, subtask: Subtask, feedback: list[str]) -> Reproduction | None:
        import agents

        out = self._tester(ctx).reproduce(
            agents.ReproduceInput(issue=ctx.issue.text, goal=subtask.goal, targets=subtask.targets, feedback=feedback)
        )
        r = out.reproduction
        if r is None:
            log.warning("tester_no_reproduction", status=out.status, error=out.last_error)
            return None
        return Reproduction(test_path=r.test_path, content=r.content, command=r.command,
                            failed_before=r.failed_before, output_before=r.output_before[-20000:])

    def regression_command(self, ctx: AgentContext, patch: str, reproduction: Reproduction | None) -> str | None:
        """pytest ids of existing tests that reach the changed symbols (graph TESTS/CALLS edges)."""

        exclude = [reproduction.test_path] if reproduction else []
        try:
            ids = self._tester(ctx).regression_tests(patch, exclude)
        except Exception as exc:  # selection is best effort; the reproduction still gates
            log.warning("regression_selection_failed", error=str(exc))
            return None
        if not ids:
            return None
        probe = ctx.sandbox.run(f"{self.python} -m pytest --version", timeout=60)
        if probe.exit_code != 0:
            log.info("regression_skipped", reason="pytest is not installed in the sandbox", tests=len(ids))
            return None
        from agents.testrun import pytest_command  # TODO(agents): export pytest_command

        return pytest_command(ids, self.python)

    def code(self, ctx: AgentContext, subtask: Subtask, feedback: list[str], reproduction: Reproduction | None = None) -> None:
        import agents

        repro = f"{reproduction.test_path} (run: {reproduction.command})" if reproduction else None
        agents.Coder(model=ctx.model, graph=ctx.graph, sandbox=ctx.sandbox).run(
            agents.CoderInput(issue=ctx.issue.text, goal=subtask.goal, targets=subtask.targets,
                              acceptance=subtask.acceptance, reproduction=repro, feedback=feedback)
        )

    def review(self, ctx: AgentContext, subtask: Subtask, patch: str, evidence: Evidence) -> Review:
        import agents

        reports = [agents.TestReport(name=r.name, command=r.command, exit_code=r.exit_code,
                                     results=agents.parse_pytest(r.output), output=r.output[-6000:])
                   for r in evidence.runs]
        out = agents.Reviewer(model=ctx.model, graph=ctx.graph, sandbox=ctx.sandbox).run(
            agents.ReviewInput(issue=ctx.issue.text, diff=patch, evidence=reports)
        )
        return Review(approved=out.approved, reasons=list(out.reasons))
