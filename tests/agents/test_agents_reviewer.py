"""Reviewer: deterministic checks (weakened tests, unknown symbols, failing evidence) plus a
scripted model's verdict, on the real graph and a real local sandbox."""

from __future__ import annotations

from script_helpers import call, observations

from agents import Reviewer, ReviewInput, TestReport, TestResult
from agents.review_checks import unknown_symbols, weakened_tests

ISSUE = "page_count floors instead of rounding up."
OLD = "        return self.count // self.per_page"
GREEN = [TestReport(name="reproduction", command="pytest tests/test_issue_repro.py", exit_code=0,
                    results=[TestResult(test="tests/test_issue_repro.py::test_x", status="passed")])]
RED = [TestReport(name="regression", command="pytest tests", exit_code=1,
                  results=[TestResult(test="tests/test_links.py::LinksTests::test_first_page", status="failed")])]


def edit(sandbox, path: str, old: str, new: str) -> str:
    sandbox.write_file(path, sandbox.read_file(path).replace(old, new))
    return sandbox.diff()


def approve() -> dict:
    return call("submit_review", verdict="approve", reasons=[])


def test_good_patch_is_approved_and_the_model_sees_the_impact(scripted, pagekit_graph, sandbox) -> None:
    diff = edit(sandbox, "pagekit/paginator.py", OLD, "        return -(-self.count // self.per_page)")
    events: list = []
    model = scripted([call("callers", name="Paginator.page_count"), approve()], events=events)
    review = Reviewer(model, pagekit_graph, sandbox).run(ReviewInput(issue=ISSUE, diff=diff, evidence=GREEN))
    assert review.approved and review.verdict == "approve" and review.checks == []
    task = next(e for e in events if e.kind == "agent_start").detail["task"]
    assert "- pagekit/paginator.py:Paginator.page_count: " in task  # impact section names the changed symbol
    assert "reproduction: passed" in task


def test_changes_requested_carries_the_models_concrete_reasons(scripted, pagekit_graph, sandbox) -> None:
    diff = edit(sandbox, "pagekit/paginator.py", OLD, "        return self.count // self.per_page + 1")
    reason = "page_count returns 3 for 20 items with per_page=10: exact multiples gain an empty page"
    model = scripted([call("submit_review", verdict="changes_requested", reasons=[reason])])
    review = Reviewer(model, pagekit_graph, sandbox).run(ReviewInput(issue=ISSUE, diff=diff, evidence=GREEN))
    assert not review.approved and review.reasons == [reason] and review.model_verdict == "changes_requested"


def test_vague_or_invalid_verdicts_are_sent_back(scripted, pagekit_graph, sandbox) -> None:
    diff = edit(sandbox, "pagekit/paginator.py", OLD, "        return -(-self.count // self.per_page)")
    events: list = []
    model = scripted([
        call("submit_review", verdict="changes_requested", reasons=["bad"]),
        call("submit_review", verdict="lgtm"),
        call("submit_review", verdict="changes_requested", reasons=[]),
        approve(),
    ], events=events)
    review = Reviewer(model, pagekit_graph, sandbox).run(ReviewInput(issue=ISSUE, diff=diff, evidence=GREEN))
    obs = observations(events)
    assert "reasons must be concrete sentences" in obs[0][2]
    assert "invalid arguments for submit_review: verdict" in obs[1][2]
    # three failures in a row: the reviewer stops, and no verdict means no approval
    assert review.status == "too_many_failures" and not review.approved
    assert any("reached no verdict" in r for r in review.reasons)


def test_weakened_tests_override_an_approval(scripted, pagekit_graph, sandbox) -> None:
    edit(sandbox, "tests/test_paginator.py", "        self.assertEqual(pages.page_count, 2)\n", "")
    diff = edit(sandbox, "tests/test_links.py", "    def test_first_page", "    @unittest.skip('flaky')\n    def test_first_page")
    review = Reviewer(scripted([approve()]), pagekit_graph, sandbox).run(ReviewInput(issue=ISSUE, diff=diff, evidence=GREEN))
    assert not review.approved and review.model_verdict == "approve"
    assert "removes 1 assertion(s) from tests/test_paginator.py" in review.checks
    assert any(c.startswith("adds a skip/xfail in tests/test_links.py") for c in review.checks)


def test_hallucinated_helper_and_failing_evidence_are_caught(scripted, pagekit_graph, sandbox) -> None:
    diff = edit(sandbox, "pagekit/paginator.py", OLD,
                "        return ceil_div(self.count, self.per_page) + self._slack()")
    review = Reviewer(scripted([approve()]), pagekit_graph, sandbox).run(ReviewInput(issue=ISSUE, diff=diff, evidence=RED))
    assert not review.approved
    joined = "\n".join(review.checks)
    assert "calls ceil_div(), which is defined nowhere" in joined
    assert "calls self._slack(), a method that does not exist" in joined
    assert "regression tests fail: tests/test_links.py::LinksTests::test_first_page" in joined


def test_modified_reproduction_test_is_flagged(sandbox) -> None:
    sandbox.write_file("tests/test_issue_repro.py", "def test_x():\n    assert True\n")
    assert weakened_tests("", {"tests/test_issue_repro.py": "def test_x():\n    assert 1 + 1 == 3\n"}, sandbox.read_file) == [
        "the reproduction test tests/test_issue_repro.py was modified after it was confirmed to fail"]


def test_unknown_symbol_check_accepts_real_code(pagekit_graph, sandbox) -> None:
    diff = edit(sandbox, "pagekit/paginator.py", OLD,
                "        import math\n        total = max(len(self.items), 0)\n"
                "        return math.ceil(total / self.per_page) if self.validate(1) else Page(1, [], False, False)")
    assert unknown_symbols(diff, pagekit_graph, sandbox.read_file) == []


def test_star_imports_disable_the_unknown_symbol_guess(pagekit_graph, sandbox) -> None:
    edit(sandbox, "pagekit/paginator.py", "from typing import Generic", "from math import *\nfrom typing import Generic")
    diff = edit(sandbox, "pagekit/paginator.py", OLD, "        return ceil(self.count / self.per_page)")
    assert unknown_symbols(diff, pagekit_graph, sandbox.read_file) == []
