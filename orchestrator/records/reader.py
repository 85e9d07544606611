"""Reads run directories back for `orch runs` and for callers inspecting a finished run."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.records.model import (
    INTERRUPTED,
    PATCH,
    PLAN,
    REQUEST,
    RUNNING,
    SUMMARY,
    TRAJECTORY,
    RunSummary,
    TrajectoryEvent,
)


@dataclass
class RunView:
    run_dir: Path
    summary: RunSummary
    plan: dict[str, Any] | None = None
    patch: str = ""
    request: dict[str, Any] | None = None
    events: list[TrajectoryEvent] = field(default_factory=list)


def _read_events(path: Path) -> list[TrajectoryEvent]:
    events: list[TrajectoryEvent] = []
    if not path.exists():
        return events
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(TrajectoryEvent.model_validate_json(line))
        except ValueError:
            continue  # a torn last line from a killed run
    return events


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _summary(run_dir: Path) -> RunSummary:
    p = run_dir / SUMMARY
    if p.exists():
        try:
            s = RunSummary.model_validate_json(p.read_text(encoding="utf-8"))
        except ValueError:
            pass
        else:
            if s.status == RUNNING and not _alive(s.pid):
                # Killed (or the machine went down) mid-run: the checkpoint is still there.
                s = s.model_copy(update={"status": INTERRUPTED, "resumable": True,
                                         "message": s.message or "the process stopped mid-run"})
            return s
    return RunSummary(run_id=run_dir.name, status="unknown", message="summary.json missing or unreadable")


def list_runs(runs_dir: Path) -> list[RunSummary]:
    """Every run under runs_dir, newest first."""
    if not runs_dir.is_dir():
        return []
    dirs = [d for d in runs_dir.iterdir() if d.is_dir() and (d / SUMMARY).exists()]
    dirs.sort(key=lambda d: d.name, reverse=True)
    return [_summary(d) for d in dirs]


def load_run(runs_dir: Path, run_id: str) -> RunView:
    run_dir = runs_dir / run_id
    if not (run_dir / SUMMARY).exists():
        raise FileNotFoundError(f"no run {run_id!r} under {runs_dir}")
    plan = json.loads((run_dir / PLAN).read_text()) if (run_dir / PLAN).exists() else None
    request = json.loads((run_dir / REQUEST).read_text()) if (run_dir / REQUEST).exists() else None
    patch = (run_dir / PATCH).read_text() if (run_dir / PATCH).exists() else ""
    return RunView(
        run_dir=run_dir,
        summary=_summary(run_dir),
        plan=plan,
        patch=patch,
        request=request,
        events=_read_events(run_dir / TRAJECTORY),
    )
