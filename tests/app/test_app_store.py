"""The durable queue: one decision per delivery, one solve per issue, restarts, the spend ledger."""

from __future__ import annotations

from pathlib import Path

from app_harness import labeled

from orchestrator.config.model import AppSettings
from orchestrator.github_app import JobState, JobStore, decide
from orchestrator.github_app.events import Trigger
from orchestrator.github_app.store import Admission, JobKind


def _trigger(delivery: str, number: int = 7) -> Trigger:
    payload = labeled("https://github.com/octo/demo.git", "m", number=number)
    trigger = decide("issues", delivery, payload, AppSettings()).trigger
    assert trigger is not None
    return trigger


def test_each_delivery_is_decided_once(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "q.sqlite")
    assert store.admit("d1", "issues", _trigger("d1"), "labelled").admission is Admission.QUEUED
    assert store.admit("d1", "issues", _trigger("d1"), "labelled").admission is Admission.DUPLICATE
    assert store.admit("d2", "issues", None, "not the trigger label").admission is Admission.IGNORED
    assert store.admit("d2", "issues", None, "not the trigger label").admission is Admission.DUPLICATE
    assert [j.kind for j in store.jobs()] == [JobKind.SOLVE]
    assert store.delivery_count() == 2


def test_one_solve_per_issue_at_a_time(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "q.sqlite")
    first = store.admit("d1", "issues", _trigger("d1"), "labelled")
    busy = store.admit("d2", "issues", _trigger("d2"), "labelled")
    other_issue = store.admit("d3", "issues", _trigger("d3", number=8), "labelled")
    assert busy.admission is Admission.BUSY and busy.active_job_id == first.job_id
    assert other_issue.admission is Admission.QUEUED
    notice = store.get(busy.job_id or 0)
    assert notice is not None and notice.kind is JobKind.NOTICE and "already working" in notice.note

    solve = store.claim((JobKind.SOLVE,))
    assert solve is not None and solve.id == first.job_id and solve.state is JobState.RUNNING
    store.finish(solve.id, JobState.DONE, {"reason": "ok"})
    # Once the first solve has finished, the issue can be solved again.
    assert store.admit("d4", "issues", _trigger("d4"), "labelled").admission is Admission.QUEUED


def test_a_restart_requeues_running_jobs_and_counts_attempts(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    store = JobStore(path)
    store.admit("d1", "issues", _trigger("d1"), "labelled")
    claimed = store.claim()
    assert claimed is not None and claimed.attempts == 1

    reopened = JobStore(path)  # a new process
    assert reopened.requeue_interrupted() == [claimed.id]
    again = reopened.claim()
    assert again is not None and again.id == claimed.id and again.attempts == 2
    assert again.trigger == claimed.trigger
    assert reopened.claim() is None


def test_spend_ledger_holds_reservations_until_settled(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "q.sqlite")
    store.reserve_spend(1, installation_id=9, day="2026-01-01", usd=2.0)
    store.reserve_spend(2, installation_id=9, day="2026-01-01", usd=2.0)
    store.reserve_spend(3, installation_id=5, day="2026-01-01", usd=2.0)
    assert store.spent(9, "2026-01-01") == 4.0
    assert store.spent(9, "2026-01-01", excluding_job=1) == 2.0
    store.settle_spend(1, 0.25)
    assert store.spent(9, "2026-01-01") == 2.25
    assert store.spent(9, "2026-01-02") == 0.0
