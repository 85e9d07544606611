"""Running tests in a sandbox and reading per-test results from pytest output. Parsing is pure."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from agents.protocols import SandboxLike

TestStatus = Literal["passed", "failed", "error", "skipped"]

_SUMMARY = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s+(\S+)")
_VERBOSE = re.compile(r"^(\S+::\S+)\s+(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")
_MAP: dict[str, TestStatus] = {"PASSED": "passed", "XPASS": "passed", "FAILED": "failed", "ERROR": "error",
                               "SKIPPED": "skipped", "XFAIL": "skipped"}

# Output that means the test never ran, so a non-zero exit proves nothing about the issue.
NOT_RUN_MARKERS = ("ERROR collecting", "ImportError while importing test module", "no tests ran",
                   "file or directory not found", "found no collectors", "usage: ")


class TestResult(BaseModel):
    __test__ = False  # not a pytest test class
    test: str
    status: TestStatus


class TestReport(BaseModel):
    __test__ = False  # not a pytest test class
    name: str = Field(description="reproduction | regression | ...")
    command: str
    exit_code: int
    timed_out: bool = False
    results: list[TestResult] = Field(default_factory=list)
    output: str = ""
    """The output's tail, for the coder and the reviewer."""

    @property
    def passed(self) -> bool:
        """The command succeeded and no test failed. A run with no parsed tests counts only by exit code."""
        return (self.exit_code == 0 and not self.timed_out
                and all(r.status in ("passed", "skipped") for r in self.results))

    def failing(self) -> list[str]:
        return [r.test for r in self.results if r.status in ("failed", "error")]


def parse_pytest(output: str) -> list[TestResult]:
    seen: dict[str, TestStatus] = {}
    for line in output.splitlines():
        line = line.strip()
        if m := _SUMMARY.match(line):
            seen[m.group(2)] = _MAP[m.group(1)]
        elif m := _VERBOSE.match(line):
            seen.setdefault(m.group(1), _MAP[m.group(2)])
    return [TestResult(test=t, status=s) for t, s in seen.items()]


def pytest_id(node: Any) -> str:
    """A graph test node -> pytest node id (`path::Class::test`)."""
    return f"{node.path}::{node.qualname.replace('.', '::')}"


def pytest_command(test_ids: Sequence[str], python: str = "python") -> str:
    return f"{python} -m pytest -rA -q -p no:cacheprovider " + " ".join(shlex.quote(t) for t in test_ids)


def run_tests(sandbox: SandboxLike, command: str, name: str, timeout: float = 600, tail: int = 6000) -> TestReport:
    res = sandbox.run(command, timeout=timeout)
    output = (res.stdout or "") + (("\n" + res.stderr) if res.stderr else "")
    return TestReport(name=name, command=command, exit_code=res.exit_code, timed_out=res.timed_out,
                      results=parse_pytest(output), output=output[-tail:])


def did_not_run(output: str) -> str | None:
    """Which marker shows the tests never ran, if any."""
    return next((m for m in NOT_RUN_MARKERS if m in output), None)
