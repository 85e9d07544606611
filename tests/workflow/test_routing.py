"""Routing is pure: state in, decision name out."""

from __future__ import annotations

import pytest

from orchestrator.workflow.routing import (
    Limits,
    after_review,
    after_select,
    after_validate,
    route_by_role,
)
from orchestrator.workflow.state import (
    Candidate,
    Evidence,
    Plan,
    Reproduction,
    Review,
    SolveState,
    Subtask,
    TestRun,
)

PLAN = Plan(subtasks=[Subtask(id="r", role="tester", goal="repro"), Subtask(id="f", role="coder", goal="fix"),
                      Subtask(id="v", role="reviewer", goal="review")])
REPRO = Reproduction(test_path="t.py", content="", command="c", failed_before=True)


def state(**kw: object) -> SolveState:
    return SolveState(run_id="r", plan=PLAN, **kw)


def ev(*passed: bool) -> Evidence:
    return Evidence(runs=[TestRun(name=f"t{i}", command="c", passed=p, exit_code=0 if p else 1) for i, p in enumerate(passed)])


@pytest.mark.parametrize(
    ("kw", "decision"),
    [
        ({"cursor": 0}, "tester_reproduces"),
        ({"cursor": 0, "reproduction": REPRO}, "tester_validates"),
        ({"cursor": 1}, "coder_edits"),
        ({"cursor": 2}, "reviewer_reviews"),
        ({"cursor": 3}, "all_subtasks_done"),
        ({"cursor": 1, "status": "error_input"}, "stopped"),
    ],
)
def test_route_by_role(kw: dict, decision: str) -> None:
    assert route_by_role(state(**kw)) == decision


def test_validate_pass_goes_to_review_only_for_coder_with_a_patch() -> None:
    lim = Limits()
    assert after_validate(state(cursor=1, patch="d", evidence=ev(True, True)), lim) == "tests_pass"
    assert after_validate(state(cursor=0, patch="d", evidence=ev(True)), lim) == "next_subtask"
    assert after_validate(state(cursor=0, patch="", evidence=ev(False)), lim) == "next_subtask"


def test_validate_failures_retry_then_replan_then_give_up() -> None:
    lim = Limits(subtask_retries=2, replans=1)
    failing = {"cursor": 1, "patch": "d", "evidence": ev(True, False)}
    assert after_validate(state(attempts=1, **failing), lim) == "tests_fail_retry"
    assert after_validate(state(attempts=2, **failing), lim) == "tests_fail_retry"
    assert after_validate(state(attempts=3, **failing), lim) == "replan"
    assert after_validate(state(attempts=3, replans=1, **failing), lim) == "give_up"
    # An empty patch is a failure even when no test failed.
    assert after_validate(state(cursor=1, attempts=1, patch="", evidence=Evidence()), lim) == "tests_fail_retry"


def test_review_rounds_are_bounded() -> None:
    lim = Limits(review_rounds=2)
    rejected = Review(approved=False, reasons=["x"])
    assert after_review(state(review=Review(approved=True)), lim) == "approved"
    assert after_review(state(review=rejected, review_rounds=1), lim) == "changes_requested"
    assert after_review(state(review=rejected, review_rounds=2), lim) == "changes_requested"
    assert after_review(state(review=rejected, review_rounds=3), lim) == "give_up"


def test_select_asks_for_more_candidates_until_enough() -> None:
    one = [Candidate(index=0, patch="d")]
    assert after_select(state(candidates=one), Limits(candidates=2)) == "another_candidate"
    assert after_select(state(candidates=one), Limits(candidates=1)) == "emit"
    assert after_select(state(candidates=[], status="error_infra"), Limits(candidates=3)) == "emit"
