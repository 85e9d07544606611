"""Run a batch: pick what is left to do, feed the executor, journal every result as it arrives.

This process is the only writer of the run's files; workers return results over pipes (or Ray),
so concurrent instances can never interleave a line.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from orchestrator.batch.executors import Executor, make_executor
from orchestrator.batch.models import InstanceStatus, TaskSpec
from orchestrator.batch.scheduler import Scheduler, budget_exhausted, instance_cap
from orchestrator.batch.sizing import default_workers
from orchestrator.batch.store import BatchStore
from orchestrator.config import OrchSettings
from orchestrator.logs import bind_context

log = structlog.get_logger(__name__)

DEFAULT_TASK = "orchestrator.batch.task:solve_instance"


@dataclass
class BatchRequest:
    run_id: str
    rows: list[dict[str, Any]]
    """Selected dataset rows, already in start order (see dataset.order_by_repo)."""
    model: str
    dataset: str = ""
    retry_infra: bool = False
    """Run only instances whose last attempt was an infrastructure failure."""
    task: str = DEFAULT_TASK
    repos_dir: str | None = None
    """Local clones as `<repos_dir>/<owner>/<name>`, for machines that cannot clone from GitHub."""
    selection: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchOutcome:
    run_dir: Path
    workers: int
    executor: str
    counts: dict[str, int]
    """Statuses of the attempts made by this invocation."""
    skipped: int
    """Instances finished (or left to --retry-infra) by an earlier invocation."""
    not_started: int
    """Instances left pending, because the total cost cap was reached."""
    spent_usd: float
    wall_s: float
    budget_stopped: bool = False


def batch_dir(settings: OrchSettings, run_id: str) -> Path:
    return Path(settings.run.runs_dir).expanduser() / run_id


def plan_work(store: BatchStore, rows: list[dict[str, Any]], retry_infra: bool) -> tuple[list[dict[str, Any]], int]:
    """Rows this invocation must run and how many it skips.

    Finished instances are skipped; interrupted ones (no result yet) are resumed; infra failures
    are left alone unless `retry_infra`, which runs only them.
    """
    latest = store.latest_results()
    predicted = store.predicted_ids()
    todo = []
    for row in rows:
        iid = row["instance_id"]
        last = latest.get(iid)
        if retry_infra:
            wanted = last is not None and last.status is InstanceStatus.INFRA_ERROR and iid not in predicted
        else:
            wanted = last is None and iid not in predicted
        if wanted:
            todo.append(row)
    return todo, len(rows) - len(todo)


def run_batch(request: BatchRequest, settings: OrchSettings, executor: Executor | None = None) -> BatchOutcome:
    """Solve the request's instances; safe to call again with the same run_id to resume."""
    started = time.monotonic()
    store = BatchStore(batch_dir(settings, request.run_id))
    store.acquire()
    try:
        with bind_context(run_id=request.run_id):
            return _run(request, settings, store, executor, started)
    finally:
        store.release()


def _run(request: BatchRequest, settings: OrchSettings, store: BatchStore, executor: Executor | None,
         started: float) -> BatchOutcome:
    cfg = settings.batch
    store.write_manifest({
        "run_id": request.run_id, "dataset": request.dataset, "model": request.model, "task": request.task,
        "selection": request.selection, "instance_ids": [r["instance_id"] for r in request.rows],
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    predicted = store.repair(request.model)
    previous = store.results()
    attempts = Counter(r.instance_id for r in previous)
    spent = sum(r.cost_usd for r in previous)
    todo, skipped = plan_work(store, request.rows, request.retry_infra)
    # Repositories with a finished instance from an earlier invocation are already warm.
    warm = {r.repo for r in previous if r.status.is_terminal}
    scheduler = Scheduler(pending=list(todo), warm_repos=warm, warmup=cfg.repo_warmup)

    own_executor = executor is None
    if executor is None:
        # Ray sizes itself from the cluster's CPUs when no -j is given; the pool from this machine.
        workers = cfg.workers or (0 if cfg.executor == "ray" else default_workers(settings.harness.cpus, settings.harness.memory))
        executor = make_executor(cfg.executor, workers, ray_address=cfg.ray_address, cpus_per_task=settings.harness.cpus)
    if settings.graph.piece_cache == "auto":
        # Instances of one repository share its index: pieces of a definition seen at one commit
        # spare its extraction at the next.
        settings = settings.model_copy(update={"graph": settings.graph.model_copy(update={"piece_cache": "on"})})
    settings_json = settings.model_dump(mode="json")
    log.info("batch.start", total=len(request.rows), todo=len(todo), skipped=skipped,
             workers=executor.workers, executor=cfg.executor, spent_usd=round(spent, 4))

    counts: Counter[str] = Counter()
    running: dict[str, str] = {}
    budget_stopped = False
    done = 0
    try:
        while True:
            while executor.in_flight() < executor.workers and scheduler.pending:
                if budget_exhausted(cfg.cost_usd, spent):
                    budget_stopped = True
                    break
                row = scheduler.next_ready()
                if row is None:
                    break
                iid = row["instance_id"]
                instance_dir = store.instance_dir(iid)
                spec = TaskSpec(
                    batch_run_id=request.run_id, instance=row, model_name=request.model,
                    instance_dir=str(instance_dir.resolve()), settings=settings_json,
                    cost_cap_usd=instance_cap(settings.budget.cost_usd, cfg.cost_usd, spent),
                    timeout_s=float(cfg.instance_timeout), task=request.task,
                    attempt=attempts[iid] + 1, resume=instance_dir.exists(), repos_dir=request.repos_dir,
                )
                log.debug("batch.instance_start", instance_id=iid, attempt=spec.attempt, resume=spec.resume)
                executor.submit(spec)
                running[iid] = spec.repo
            if executor.in_flight() == 0:
                break
            for result in executor.wait(timeout=1.0):
                store.record(result, request.model, predicted)
                attempts[result.instance_id] += 1
                spent += result.cost_usd
                counts[result.status.value] += 1
                done += 1
                # The repository as scheduled, whatever the task function put in its result.
                scheduler.finished(running.pop(result.instance_id, result.repo), warmed=result.status.is_terminal)
                log.info("batch.instance_done", instance_id=result.instance_id, status=result.status.value,
                         cost_usd=round(result.cost_usd, 4), duration_s=round(result.duration_s, 2),
                         done=done, todo=len(todo), error=result.error)
    finally:
        if own_executor:
            executor.shutdown()
    outcome = BatchOutcome(
        run_dir=store.root, workers=executor.workers, executor=cfg.executor, counts=dict(counts),
        skipped=skipped, not_started=len(scheduler.pending), spent_usd=spent,
        wall_s=time.monotonic() - started, budget_stopped=budget_stopped,
    )
    if budget_stopped:
        log.warning("batch.budget_reached", spent_usd=round(spent, 4), cap_usd=cfg.cost_usd,
                    not_started=outcome.not_started)
    log.info("batch.end", counts=outcome.counts, wall_s=round(outcome.wall_s, 2), spent_usd=round(spent, 4))
    return outcome
