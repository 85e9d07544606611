"""Where a claimed job runs: in the worker thread itself (default), or as a Ray task.

Both run the same `run_job` on the same plain inputs; the worker pool keeps the queue
bookkeeping either way, so a job's state never depends on where it ran.
"""

from __future__ import annotations

from typing import Any, Protocol

import structlog

from orchestrator.config import OrchSettings
from orchestrator.github_app.job import JobOutcome, run_job
from orchestrator.github_app.solver import Solver
from orchestrator.github_app.store import Job
from orchestrator.raycluster import connect, node_addresses

log = structlog.get_logger(__name__)


class JobExecutor(Protocol):
    def __call__(self, job: Job, settings: OrchSettings, installation_spent_usd: float, solver: Solver | None) -> JobOutcome: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs the job in the calling worker thread."""

    def __call__(self, job: Job, settings: OrchSettings, installation_spent_usd: float, solver: Solver | None) -> JobOutcome:
        return run_job(job, settings, installation_spent_usd, solver)

    def close(self) -> None:
        return None


def _ray_job(job: Job, settings: OrchSettings, installation_spent_usd: float) -> dict[str, Any]:
    # On the node the solver is loaded by name (app.solver); an in-process callable is not shipped.
    return run_job(job, settings, installation_spent_usd, None).model_dump(mode="json")


class RayExecutor:
    """Runs each job as a Ray task on an existing cluster (app.ray_address) or a local one.

    Ray's own retries are off: a job whose task is lost is failed by the pool and can be
    triggered again; a job interrupted by a server restart is requeued by the store as usual.
    Clones and run records are written under app.state_dir on the node that ran the job.
    """

    def __init__(self, address: str | None) -> None:
        # A private cluster needs little object store: jobs and outcomes are a few KiB.
        ray, self._owns_ray = connect(address, what="app.executor", object_store_memory=80 << 20)
        self._ray = ray
        self._remote = ray.remote(_ray_job).options(max_retries=0)
        log.info("app_ray_connected", cpus=ray.cluster_resources().get("CPU"), nodes=node_addresses(ray))

    def __call__(self, job: Job, settings: OrchSettings, installation_spent_usd: float, solver: Solver | None) -> JobOutcome:
        data = self._ray.get(self._remote.remote(job, settings, installation_spent_usd))
        return JobOutcome.model_validate(data)

    def close(self) -> None:
        if self._owns_ray:
            self._ray.shutdown()


def make_executor(settings: OrchSettings) -> JobExecutor:
    if settings.app.executor == "ray":
        return RayExecutor(settings.app.ray_address)
    return InlineExecutor()
