"""Grading like SWE-bench: pure functions from test-status maps to a verdict.

No I/O here. The contract constants (statuses, resolution levels, report keys) live together at
the top so the official harness's meaning of "resolved" is visible in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class TestStatus(StrEnum):
    __test__ = False  # not a pytest test class despite the name

    FAILED = "FAILED"
    PASSED = "PASSED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"
    XFAIL = "XFAIL"


class ResolvedStatus(StrEnum):
    FULL = "RESOLVED_FULL"
    PARTIAL = "RESOLVED_PARTIAL"
    NO = "RESOLVED_NO"


FAIL_TO_PASS = "FAIL_TO_PASS"
PASS_TO_PASS = "PASS_TO_PASS"
FAIL_TO_FAIL = "FAIL_TO_FAIL"
PASS_TO_FAIL = "PASS_TO_FAIL"


def test_passed(case: str, status: Mapping[str, str]) -> bool:
    return case in status and status[case] in (TestStatus.PASSED.value, TestStatus.XFAIL.value)


def test_failed(case: str, status: Mapping[str, str]) -> bool:
    # A test that never appears in the log did not pass: missing counts as failed.
    return case not in status or status[case] in (TestStatus.FAILED.value, TestStatus.ERROR.value)


test_passed.__test__ = False  # type: ignore[attr-defined]
test_failed.__test__ = False  # type: ignore[attr-defined]


def tests_report(status: Mapping[str, str], fail_to_pass: Iterable[str], pass_to_pass: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """The official `tests_status` block: success/failure per category.

    A SKIPPED test is neither: as in the official harness, it counts for nothing either way.
    """
    report: dict[str, dict[str, list[str]]] = {
        k: {"success": [], "failure": []} for k in (FAIL_TO_PASS, PASS_TO_PASS, FAIL_TO_FAIL, PASS_TO_FAIL)
    }
    for case in fail_to_pass:
        if test_passed(case, status):
            report[FAIL_TO_PASS]["success"].append(case)
        elif test_failed(case, status):
            report[FAIL_TO_PASS]["failure"].append(case)
    for case in pass_to_pass:
        if test_passed(case, status):
            report[PASS_TO_PASS]["success"].append(case)
        elif test_failed(case, status):
            report[PASS_TO_PASS]["failure"].append(case)
    return report


def _rate(block: Mapping[str, list[str]]) -> float:
    total = len(block["success"]) + len(block["failure"])
    return 1.0 if total == 0 else len(block["success"]) / total


def resolution(report: Mapping[str, Mapping[str, list[str]]]) -> ResolvedStatus:
    f2p, p2p = _rate(report[FAIL_TO_PASS]), _rate(report[PASS_TO_PASS])
    if f2p == 1 and p2p == 1:
        return ResolvedStatus.FULL
    if 0 < f2p < 1 and p2p == 1:
        return ResolvedStatus.PARTIAL
    return ResolvedStatus.NO


@dataclass(frozen=True)
class Verdict:
    resolution: ResolvedStatus
    tests_status: dict[str, dict[str, list[str]]]
    reason: str | None = None
    """Why the run was not trusted (None when grading went by the test statuses alone)."""

    @property
    def resolved(self) -> bool:
        return self.resolution is ResolvedStatus.FULL


def grade(
    status: Mapping[str, str],
    fail_to_pass: Iterable[str],
    pass_to_pass: Iterable[str],
    *,
    exit_code: int | None,
    timed_out: bool = False,
    suite_ran: bool = True,
) -> Verdict:
    """Verdict for one evaluation run. Beyond the official rules:

    - a suite that never ran (no end marker, empty status map) resolves nothing, even when the
      instance lists no tests at all;
    - a timed-out run resolves nothing: its statuses describe a suite that did not finish;
    - the runner's exit code must agree with the log: exit 0 while a listed test shows a failure,
      or a failing exit code while the log shows no failure at all, means the log was forged or
      garbled (a patch cannot pass by printing PASSED lines).
    """
    f2p, p2p = list(fail_to_pass), list(pass_to_pass)
    report = tests_report(status, f2p, p2p)
    if timed_out:
        return Verdict(ResolvedStatus.NO, report, "tests timed out")
    if not suite_ran or not status:
        return Verdict(ResolvedStatus.NO, report, "test suite did not run (no test results in the log)")
    failing = {TestStatus.FAILED.value, TestStatus.ERROR.value}
    any_failed = any(v in failing for v in status.values())
    if exit_code is not None:
        if exit_code == 0 and any(status.get(t) in failing for t in f2p + p2p):
            return Verdict(ResolvedStatus.NO, report, "log inconsistent with exit code 0 (listed test shows failure)")
        if exit_code != 0 and not any_failed:
            return Verdict(
                ResolvedStatus.NO, report, f"test command exited {exit_code} but the log shows no failing test"
            )
    return Verdict(resolution(report), report)


def instance_report(
    instance_id: str,
    *,
    patch: str | None,
    applied: bool,
    verdict: Verdict | None,
) -> dict[str, Any]:
    """One instance's entry in `report.json`, with the official field names."""
    entry: dict[str, Any] = {
        "patch_is_None": patch is None,
        "patch_exists": bool(patch and patch.strip()),
        "patch_successfully_applied": applied,
        "resolved": bool(verdict and verdict.resolved),
    }
    if verdict is not None:
        entry["tests_status"] = verdict.tests_status
    return {instance_id: entry}
