"""A worker pool on this machine: each slot supervises one killable worker process."""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

import structlog

from orchestrator.batch.isolation import Interrupted, infra_result, run_isolated
from orchestrator.batch.models import InstanceResult, TaskSpec

log = structlog.get_logger(__name__)


class LocalExecutor:
    """Threads only wait on worker processes; the work, and every kill, happens in the processes."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="batch-slot")
        self._futures: dict[Future[InstanceResult], TaskSpec] = {}

    def submit(self, spec: TaskSpec) -> None:
        self._futures[self._pool.submit(run_isolated, spec, self._stop.is_set)] = spec

    def wait(self, timeout: float) -> list[InstanceResult]:
        if not self._futures:
            return []
        done, _ = wait_futures(list(self._futures), timeout=timeout, return_when=FIRST_COMPLETED)
        results = []
        for fut in done:
            spec = self._futures.pop(fut)
            try:
                results.append(fut.result())
            except Interrupted:
                continue
            except Exception as exc:
                # The worker could not even be started (no processes, no disk): the machine's fault.
                log.error("batch.worker_start_failed", instance_id=spec.instance_id, exc_info=True)
                results.append(infra_result(spec, exc))
        return results

    def in_flight(self) -> int:
        return len(self._futures)

    def shutdown(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._futures.clear()
