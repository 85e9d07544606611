"""Tester: writes a reproduction test that must fail on the unmodified code; selects regression
tests through the graph (TESTS and CALLS edges) and runs them with per-test results."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from agents.client import ModelClient
from agents.diffs import changed_files, is_test_path
from agents.loop import LoopLimits, LoopStatus, run_agent
from agents.prompting import render
from agents.protocols import GraphLike, SandboxLike
from agents.roles.common import symbols_touched_by_diff
from agents.testrun import TestReport, did_not_run, pytest_command, pytest_id, run_tests
from agents.toolkit import file_tools, graph_tools, safe_path, sandbox_tools
from agents.tools import Finish, Tool, ToolBox, ToolError

TESTER_LIMITS = LoopLimits(max_steps=15, max_consecutive_failures=3, context_tokens=24_000)


class ReproduceInput(BaseModel):
    issue: str
    goal: str = "Write a test that reproduces the issue."
    targets: list[str] = Field(default_factory=list)
    feedback: list[str] = Field(default_factory=list)


class Reproduction(BaseModel):
    test_path: str
    content: str
    command: str
    failed_before: bool
    output_before: str = ""


class ReproduceOutput(BaseModel):
    status: LoopStatus
    reproduction: Reproduction | None = None
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    peak_prompt_tokens: int = 0
    last_error: str | None = None


class SubmitReproductionArgs(BaseModel):
    test_path: str = Field(description="the test file you created")
    command: str = Field(description="the command that runs just this test")


def select_regression_tests(graph: GraphLike, symbol_ids: Iterable[str], *, depth: int = 2,
                            exclude_paths: Iterable[str] = (), limit: int = 40) -> list[Any]:
    """Test nodes that reach the given symbols: TESTS edges to them or to their callers (up to `depth`)."""
    excluded = set(exclude_paths)
    reach: dict[str, None] = {}
    for sid in symbol_ids:
        reach[sid] = None
        # A changed method changes its class: tests that build the class exercise it even when
        # they reach the method through attribute access, which has no CALLS edge.
        node = graph.node(sid)
        parent = getattr(node, "parent", "") if node is not None else ""
        if parent and ":" in parent:
            reach[parent] = None
        try:
            for n in graph.callers(sid, depth).nodes:
                reach[n.id] = None
        except Exception:  # a symbol the graph does not know has no callers to follow
            continue
    tests: dict[str, Any] = {}
    for rid in reach:
        node = graph.node(rid)
        candidates = [node] if node is not None else []
        with contextlib.suppress(Exception):
            candidates += graph.neighbors(rid, 1, ["TESTS"]).nodes
        for n in candidates:
            if str(getattr(n.kind, "value", n.kind)) == "test" and n.path not in excluded:
                tests[n.id] = n
    return sorted(tests.values(), key=lambda n: n.id)[:limit]


@dataclass
class Tester:
    __test__ = False  # not a pytest test class, despite the name
    model: ModelClient
    graph: GraphLike
    sandbox: SandboxLike
    limits: LoopLimits = TESTER_LIMITS
    test_timeout: float = 300
    python: str = "python"
    """Interpreter that runs pytest for regression tests inside the sandbox."""

    def reproduce(self, inp: ReproduceInput) -> ReproduceOutput:
        def submit(a: SubmitReproductionArgs) -> Finish:
            return Finish(self._check_reproduction(a), "reproduction confirmed: it fails on the unmodified code")

        file_kit = [t for t in file_tools(self.sandbox)]
        tools = ToolBox([*graph_tools(self.graph), *file_kit,
                         *[t for t in sandbox_tools(self.sandbox) if t.name == "run_command"],
                         Tool("submit_reproduction", "Submit the reproduction test (it is re-run and must fail).",
                              SubmitReproductionArgs, submit)])
        result = run_agent(self.model.for_role("tester"), tools, role="tester", system=render("tester_system.j2"),
                           task=render("tester_task.j2", issue=inp.issue, goal=inp.goal, targets=inp.targets,
                                       feedback=inp.feedback), limits=self.limits)
        return ReproduceOutput(status=result.status, reproduction=result.value, steps=result.steps,
                               input_tokens=result.input_tokens, output_tokens=result.output_tokens,
                               peak_prompt_tokens=result.peak_prompt_tokens, last_error=result.last_error)

    def _check_reproduction(self, a: SubmitReproductionArgs) -> Reproduction:
        path = safe_path(a.test_path)
        if not is_test_path(path):
            raise ToolError(f"{path} does not look like a test file (use tests/test_*.py or *_test.py)")
        try:
            content = self.sandbox.read_file(path)
        except Exception as exc:
            raise ToolError(f"{path} does not exist; create it first") from exc
        source_changes = [p for p in changed_files(self.sandbox.diff()) if not is_test_path(p)]
        if source_changes:
            # The test must fail on the *unmodified* code; a changed source file voids that.
            raise ToolError(f"non-test files were changed ({', '.join(source_changes)}); revert them: "
                            "the reproduction must run against the unmodified code")
        if path not in a.command and path.rsplit("/", 1)[-1] not in a.command:
            raise ToolError(f"the command must run {path} (e.g. python -m pytest -rA -q {path})")
        report = run_tests(self.sandbox, a.command, "reproduction", self.test_timeout)
        if report.timed_out:
            raise ToolError("the test command timed out; make the test fast and deterministic")
        if report.exit_code == 0:
            raise ToolError("the test PASSES on the unmodified code, so it does not reproduce the issue. "
                            f"Output tail:\n{report.output[-1500:]}")
        marker = did_not_run(report.output)
        if marker or (report.exit_code in (2, 3, 4, 5) and not report.failing()):
            raise ToolError(f"the test did not run ({marker or f'exit code {report.exit_code}'}); fix the test itself. "
                            f"Output tail:\n{report.output[-1500:]}")
        return Reproduction(test_path=path, content=content, command=a.command, failed_before=True,
                            output_before=report.output)

    def regression_tests(self, diff: str, exclude_paths: Iterable[str] = ()) -> list[str]:
        """Pytest ids of existing tests that reach what `diff` changes (via TESTS and CALLS edges)."""
        touched = symbols_touched_by_diff(self.graph, diff)
        excluded = set(exclude_paths) | {p for p in changed_files(diff) if is_test_path(p)}
        nodes = select_regression_tests(self.graph, [n.id for n in touched], exclude_paths=excluded)
        return [pytest_id(n) for n in nodes if n.path.endswith(".py")]

    def validate(self, reproduction: Reproduction | None, diff: str) -> list[TestReport]:
        """Run the reproduction test and the selected regression tests on the current code."""
        reports = []
        if reproduction is not None:
            reports.append(run_tests(self.sandbox, reproduction.command, "reproduction", self.test_timeout))
        exclude = [reproduction.test_path] if reproduction else []
        ids = self.regression_tests(diff, exclude)
        if ids:
            reports.append(run_tests(self.sandbox, pytest_command(ids, self.python), "regression", self.test_timeout))
        return reports
