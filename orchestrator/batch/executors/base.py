"""The interface the batch runner drives: submit specs, collect results as they finish."""

from __future__ import annotations

from typing import Protocol

from orchestrator.batch.models import InstanceResult, TaskSpec


class Executor(Protocol):
    workers: int
    """How many instances may run at once."""

    def submit(self, spec: TaskSpec) -> None:
        """Start `spec` now; the caller never submits more than `workers` at a time."""

    def wait(self, timeout: float) -> list[InstanceResult]:
        """Results finished since the last call; waits up to `timeout` s for the first one."""

    def in_flight(self) -> int:
        """Submitted and not yet returned by `wait`."""

    def shutdown(self) -> None:
        """Stop: kill what still runs (those instances stay unfinished) and release resources."""
