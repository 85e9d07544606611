"""The embedded worker pool: `app.workers` solve threads and one notice thread, each running one job at a time.

Queue bookkeeping (claim, spend reservation, outcome) happens here; the work itself is `run_job`,
which only sees plain data. Threads are daemons: stopping the server mid-job leaves the job
`running` in the store, and the next start puts it back in the queue.
"""

from __future__ import annotations

import threading

import structlog

from orchestrator.config import OrchSettings
from orchestrator.github_app.budget import budget_day
from orchestrator.github_app.executors import InlineExecutor, JobExecutor
from orchestrator.github_app.job import JobOutcome
from orchestrator.github_app.solver import Solver
from orchestrator.github_app.store import Job, JobKind, JobState, JobStore

log = structlog.get_logger(__name__)


class WorkerPool:
    def __init__(
        self,
        store: JobStore,
        settings: OrchSettings,
        solver: Solver | None = None,
        executor: JobExecutor | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        self._store = store
        self._settings = settings
        self._solver = solver
        self._executor = executor or InlineExecutor()
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        lanes = [(f"orch-app-solver-{i}", (JobKind.SOLVE,)) for i in range(max(1, self._settings.app.workers))]
        # Notices are one comment each; they must not wait behind hour-long solves.
        lanes.append(("orch-app-notices", (JobKind.NOTICE,)))
        for name, kinds in lanes:
            thread = threading.Thread(target=self._loop, args=(kinds,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """Called by the webhook after queueing, so a job starts without waiting for the next poll."""
        with self._wake:
            self._wake.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self, kinds: tuple[JobKind, ...]) -> None:
        while not self._stop.is_set():
            try:
                job = self._store.claim(kinds)
            except Exception:
                log.exception("claim_failed")
                job = None
            if job is None:
                with self._wake:
                    self._wake.wait(self._poll)
                continue
            self.execute(job)

    def execute(self, job: Job) -> JobOutcome:
        day = budget_day()
        spent = self._store.spent(job.installation_id, day, excluding_job=job.id)
        if job.kind is JobKind.SOLVE:
            # Held until the real spend is known, so parallel jobs of one installation see it.
            self._store.reserve_spend(job.id, job.installation_id, day, self._settings.app.issue_cost_usd)
        log.info("job_started", job_id=job.id, kind=job.kind.value, repo=job.repo, issue=job.issue, attempt=job.attempts)
        try:
            outcome = self._executor(job, self._settings, spent, self._solver)
        except Exception as exc:  # e.g. GitHub unreachable before the job could say anything
            log.exception("job_errored", job_id=job.id)
            outcome = JobOutcome(state=JobState.FAILED, reason=f"{type(exc).__name__}: {exc}")
        if job.kind is JobKind.SOLVE:
            self._store.settle_spend(job.id, outcome.cost_usd)
        self._store.finish(job.id, outcome.state, outcome.model_dump(mode="json"))
        log.info("job_finished", job_id=job.id, state=outcome.state.value, reason=outcome.reason)
        return outcome
