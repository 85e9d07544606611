"""The same per-instance task as Ray tasks, on any node of an existing Ray cluster (optional extra `ray`).

Each Ray task runs `run_isolated(spec)` on its node: the instance still gets its own killable
worker process and hard timeout there, exactly as in the local pool. Results come back to the
driver, which alone writes the predictions file. Ray retries are off: the batch decides what is
retried (`--retry-infra`), and a node or worker lost under a task is recorded as an infra error.

Run records are written on the node that ran the instance, under the same path: give the nodes a
shared file system at runs_dir, or collect them afterwards; predictions never depend on it.
"""

from __future__ import annotations

import time
from typing import Any

import structlog

from orchestrator.batch.isolation import TERM_GRACE_S, infra_result, run_isolated
from orchestrator.batch.models import InstanceResult, InstanceStatus, TaskSpec
from orchestrator.raycluster import connect, node_addresses

log = structlog.get_logger(__name__)


def _ray_task(spec_data: dict[str, Any]) -> dict[str, Any]:
    spec = TaskSpec.model_validate(spec_data)
    return run_isolated(spec).model_dump(mode="json")


class RayExecutor:
    def __init__(self, workers: int, *, address: str | None = None, cpus_per_task: float = 1.0,
                 init_kwargs: dict[str, Any] | None = None) -> None:
        # A throwaway cluster: tasks exchange only specs and results, a few KiB each.
        self._ray, self._owns_ray = connect(address, what="executor", object_store_memory=256 << 20,
                                            init_kwargs=init_kwargs)
        ray = self._ray
        cluster_cpus = float(ray.cluster_resources().get("CPU", 1.0))
        self.workers = max(1, workers or int(cluster_cpus / max(cpus_per_task, 0.01)))
        self._remote = ray.remote(_ray_task).options(num_cpus=cpus_per_task, max_retries=0)
        self._refs: dict[Any, tuple[TaskSpec, float]] = {}
        log.info("batch.ray_connected", cpus=cluster_cpus, workers=self.workers, nodes=node_addresses(ray))

    def submit(self, spec: TaskSpec) -> None:
        self._refs[self._remote.remote(spec.model_dump(mode="json"))] = (spec, time.monotonic())

    def wait(self, timeout: float) -> list[InstanceResult]:
        if not self._refs:
            return []
        ready, _ = self._ray.wait(list(self._refs), num_returns=1, timeout=timeout)
        if ready:
            # Collect everything else that is done too, without waiting.
            more, _ = self._ray.wait([r for r in self._refs if r not in ready], num_returns=len(self._refs) - len(ready), timeout=0)
            ready = list(ready) + list(more)
        results = [self._collect(ref) for ref in ready]
        results.extend(self._reap_overdue())
        return results

    def _collect(self, ref: Any) -> InstanceResult:
        spec, _ = self._refs.pop(ref)
        try:
            return InstanceResult.model_validate(self._ray.get(ref))
        except self._ray.exceptions.TaskCancelledError:
            return InstanceResult(instance_id=spec.instance_id, repo=spec.repo, attempt=spec.attempt,
                                  run_dir=spec.instance_dir, status=InstanceStatus.TIMEOUT,
                                  error=f"Ray task cancelled after {spec.timeout_s:g} s")
        except Exception as exc:
            # Worker or node lost, object lost, scheduling failure: Ray's (the machine's) fault.
            log.error("batch.ray_task_failed", instance_id=spec.instance_id, exc_info=True)
            return infra_result(spec, exc)

    def _reap_overdue(self) -> list[InstanceResult]:
        """The task enforces its own timeout; this catches a node that stopped answering."""
        now, out = time.monotonic(), []
        for ref, (spec, started) in list(self._refs.items()):
            if now - started > spec.timeout_s + 3 * TERM_GRACE_S + 30:
                self._ray.cancel(ref, force=True)
                spec_, _ = self._refs.pop(ref)
                out.append(InstanceResult(instance_id=spec_.instance_id, repo=spec_.repo, attempt=spec_.attempt,
                                          run_dir=spec_.instance_dir, status=InstanceStatus.TIMEOUT,
                                          error="Ray task overdue; cancelled"))
        return out

    def in_flight(self) -> int:
        return len(self._refs)

    def shutdown(self) -> None:
        for ref in list(self._refs):
            try:
                self._ray.cancel(ref, force=True)
            except Exception:  # cancelling a finished or lost task is fine to ignore at shutdown
                log.debug("batch.ray_cancel_failed", exc_info=True)
        self._refs.clear()
        if self._owns_ray:
            self._ray.shutdown()
