"""Run records: one directory per run with its trajectory, plan, patch, prediction and summary."""

from orchestrator.records.model import RunSummary, TrajectoryEvent
from orchestrator.records.reader import RunView, list_runs, load_run
from orchestrator.records.writer import RunRecorder, new_run_id

__all__ = ["RunRecorder", "RunSummary", "RunView", "TrajectoryEvent", "list_runs", "load_run", "new_run_id"]
