"""Batch runs over SWE-bench-style datasets: local worker pool or Ray, resumable, nothing lost.

Exports resolve lazily: a worker process imports only what its task needs (the runner pulls in
the whole configuration, and with it every package's settings), so it starts quickly.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SelectionError": "dataset", "load_dataset": "dataset", "order_by_repo": "dataset",
    "parse_slice": "dataset", "select": "dataset",
    "InfraError": "isolation", "run_isolated": "isolation",
    "InstanceResult": "models", "InstanceStatus": "models", "TaskSpec": "models",
    "load_summary": "report", "render": "report", "summarize": "report",
    "BatchOutcome": "runner", "BatchRequest": "runner", "batch_dir": "runner", "run_batch": "runner",
    "BatchStore": "store", "ManifestMismatchError": "store", "RunLockedError": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return __all__
