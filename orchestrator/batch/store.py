"""A batch run's directory: manifest, results journal, predictions file, per-instance run records.

Layout of `<runs_dir>/<run-id>/`:
  batch.json          what was asked (dataset, model, selection); checked on resume
  results.jsonl       one line per finished attempt (the journal; source of truth)
  predictions.jsonl   SWE-bench predictions, exactly one line per finished instance
  instances/<id>/     each instance's run record (the solve's run directory; worker/ holds the worker's logs)
  evaluation/         grading output when --evaluate was given
  batch.lock          held while a batch process works on this run-id

The result is journalled before its prediction line is written. A kill between the two leaves a
finished result without a prediction; `open_run` writes the missing line. So a prediction is
never lost, and since a prediction is only written for an instance that has none, never doubled.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from orchestrator.batch.journal import append_record, read_records, repair_tail
from orchestrator.batch.models import InstanceResult

log = structlog.get_logger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class RunLockedError(RuntimeError):
    """Another batch process is working on this run-id."""


class ManifestMismatchError(ValueError):
    """A resume asked for something incompatible with what the run was started with."""


@dataclass
class BatchStore:
    root: Path
    _lock_fd: int | None = field(default=None, repr=False)

    @property
    def manifest_path(self) -> Path:
        return self.root / "batch.json"

    @property
    def results_path(self) -> Path:
        return self.root / "results.jsonl"

    @property
    def predictions_path(self) -> Path:
        return self.root / "predictions.jsonl"

    @property
    def evaluation_dir(self) -> Path:
        return self.root / "evaluation"

    def instance_dir(self, instance_id: str) -> Path:
        return self.root / "instances" / _UNSAFE.sub("_", instance_id)

    # --- lifetime -------------------------------------------------------------------------
    def acquire(self) -> None:
        """Take the run's lock; fails at once when another live process holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "batch.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunLockedError(f"batch run {self.root.name!r} is being worked on by another process") from None
        # The lock dies with the process, so a SIGKILLed batch never leaves a stale lock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- manifest -------------------------------------------------------------------------
    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Record what the run was started with; on resume, refuse a different model."""
        if self.manifest_path.is_file():
            old = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if old.get("model") != manifest.get("model"):
                raise ManifestMismatchError(
                    f"run {self.root.name!r} was started with model {old.get('model')!r}, not "
                    f"{manifest.get('model')!r}; its predictions would mix models (use a new --run-id)"
                )
            manifest = {**old, **manifest, "created_at": old.get("created_at"), "resumed": old.get("resumed", 0) + 1}
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.manifest_path)

    def read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.is_file():
            return {}
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    # --- journal and predictions ----------------------------------------------------------
    def results(self) -> list[InstanceResult]:
        """Every recorded attempt, in the order they finished."""
        return [InstanceResult.model_validate(r) for r in read_records(self.results_path)]

    def latest_results(self) -> dict[str, InstanceResult]:
        """The last attempt per instance."""
        latest: dict[str, InstanceResult] = {}
        for result in self.results():
            latest[result.instance_id] = result
        return latest

    def predicted_ids(self) -> set[str]:
        return {str(r["instance_id"]) for r in read_records(self.predictions_path) if "instance_id" in r}

    def record(self, result: InstanceResult, model_name: str, predicted: set[str]) -> None:
        """Journal one attempt; a finished instance also gets its one prediction line."""
        append_record(self.results_path, result.model_dump(mode="json"))
        if result.status.is_terminal and result.instance_id not in predicted:
            append_record(self.predictions_path, prediction_line(result, model_name))
            predicted.add(result.instance_id)

    def repair(self, model_name: str) -> set[str]:
        """Cut torn tails and write predictions that a kill kept from being written; returns predicted ids."""
        repair_tail(self.results_path)
        repair_tail(self.predictions_path)
        predicted = self.predicted_ids()
        for result in self.latest_results().values():
            if result.status.is_terminal and result.instance_id not in predicted:
                log.info("batch.prediction_restored", instance_id=result.instance_id)
                append_record(self.predictions_path, prediction_line(result, model_name))
                predicted.add(result.instance_id)
        return predicted


def prediction_line(result: InstanceResult, model_name: str) -> dict[str, Any]:
    """The SWE-bench prediction fields; an instance that ended without a patch predicts the empty patch."""
    return {"instance_id": result.instance_id, "model_name_or_path": model_name, "model_patch": result.patch}
