"""`--evaluate`: grade a batch's predictions with the harness (issue 5's public API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestrator.batch.store import BatchStore
from orchestrator.config import OrchSettings


class EvaluationUnavailable(RuntimeError):
    """The harness's grading API is missing on this install; predictions are still complete."""


def evaluate_batch(run_dir: Path, dataset: Path, settings: OrchSettings, *, workers: int = 1,
                   repos_dir: Path | None = None) -> dict[str, Any]:
    """Grade run_dir/predictions.jsonl; the harness's summary lands in run_dir/evaluation/summary.json."""
    import harness

    grade = getattr(harness, "evaluate_predictions", None)
    if grade is None:
        raise EvaluationUnavailable(
            "the harness has no grading API yet (harness.evaluate_predictions, issue 5); "
            f"grade later with `orch eval --predictions {run_dir / 'predictions.jsonl'}`"
        )
    predictions = run_dir / "predictions.jsonl"
    ids = sorted(BatchStore(run_dir).predicted_ids())
    if not ids:
        raise EvaluationUnavailable(f"no predictions to grade in {predictions}")
    # Only this batch's instances; the harness resumes in evaluation/ like the batch does.
    return grade(dataset=dataset, predictions=predictions, out_dir=run_dir / "evaluation",
                 settings=settings.harness, workers=workers, repos_dir=repos_dir, instance_ids=ids)
