"""Routing decisions: pure functions from state to the name of the decision taken.

Edge names are the decisions, so the drawn graph reads like the workflow. Limits come in as
plain numbers so each rule is tested without any service.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.workflow.state import SolveState


@dataclass(frozen=True)
class Limits:
    review_rounds: int = 2
    subtask_retries: int = 2
    replans: int = 1
    candidates: int = 1


def route_by_role(state: SolveState) -> str:
    """Which agent handles the current subtask; "all_subtasks_done" when none is left."""
    if state.status is not None:
        return "stopped"
    sub = state.subtask()
    if sub is None:
        return "all_subtasks_done"
    if sub.role == "tester":
        return "tester_reproduces" if state.reproduction is None else "tester_validates"
    if sub.role == "coder":
        return "coder_edits"
    return "reviewer_reviews"


def after_reproduce(state: SolveState, limits: Limits) -> str:
    """A reproduction must fail on the unmodified code; otherwise the tester tries again."""
    repro = state.reproduction
    if (repro is None or not repro.failed_before) and state.attempts <= limits.subtask_retries:
        return "reproduction_retry"
    # Without a trusted reproduction the run proceeds, but its result can only be "unvalidated".
    return "next_subtask"


def after_validate(state: SolveState, limits: Limits) -> str:
    sub = state.subtask()
    passed = state.evidence is None or not state.evidence.runs or state.evidence.passed
    if passed and state.patch.strip():
        return "tests_pass" if sub is not None and sub.role == "coder" else "next_subtask"
    if sub is not None and sub.role == "tester" and not state.patch.strip():
        return "next_subtask"  # validating before any code exists proves nothing either way
    if state.attempts <= limits.subtask_retries:
        return "tests_fail_retry"
    if state.replans < limits.replans:
        return "replan"
    return "give_up"


def after_review(state: SolveState, limits: Limits) -> str:
    if state.review is None or state.review.approved:
        return "approved"
    if state.review_rounds <= limits.review_rounds:
        return "changes_requested"
    return "give_up"


def after_select(state: SolveState, limits: Limits) -> str:
    if state.status is None and len(state.candidates) < limits.candidates:
        return "another_candidate"
    return "emit"
