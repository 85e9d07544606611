"""Batch runs over SWE-bench-style datasets: local worker pool or Ray, resumable, nothing lost."""

from orchestrator.batch.dataset import (
    SelectionError,
    load_dataset,
    order_by_repo,
    parse_slice,
    select,
)
from orchestrator.batch.isolation import InfraError, run_isolated
from orchestrator.batch.models import InstanceResult, InstanceStatus, TaskSpec
from orchestrator.batch.report import load_summary, render, summarize
from orchestrator.batch.runner import BatchOutcome, BatchRequest, batch_dir, run_batch
from orchestrator.batch.store import BatchStore, ManifestMismatchError, RunLockedError

__all__ = [
    "BatchOutcome",
    "BatchRequest",
    "BatchStore",
    "InfraError",
    "InstanceResult",
    "InstanceStatus",
    "ManifestMismatchError",
    "RunLockedError",
    "SelectionError",
    "TaskSpec",
    "batch_dir",
    "load_dataset",
    "load_summary",
    "order_by_repo",
    "parse_slice",
    "render",
    "run_batch",
    "run_isolated",
    "select",
    "summarize",
]
