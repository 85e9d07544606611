"""Where batch tasks run. Every executor runs the same `run_isolated(spec)` per instance."""

from orchestrator.batch.executors.base import Executor
from orchestrator.batch.executors.local import LocalExecutor

__all__ = ["Executor", "LocalExecutor", "make_executor"]


def make_executor(kind: str, workers: int, *, ray_address: str | None = None, cpus_per_task: float = 1.0) -> Executor:
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        from orchestrator.batch.executors.ray import RayExecutor

        return RayExecutor(workers, address=ray_address, cpus_per_task=cpus_per_task)
    raise ValueError(f"unknown executor {kind!r} (local, ray)")
