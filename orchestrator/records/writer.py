"""Writes a run directory. Appends are line-atomic so a killed run leaves a readable record."""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestrator.records.model import (
    PATCH,
    PLAN,
    PREDICTION,
    REQUEST,
    SUMMARY,
    TRAJECTORY,
    RunSummary,
    TrajectoryEvent,
)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_run_id(hint: str | None = None) -> str:
    """Sortable, unique and readable: 20260101-120000-<hint>-<4 hex>."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-zA-Z0-9_.]+", "-", hint or "run").strip("-").lower()[:40] or "run"
    return f"{stamp}-{slug}-{secrets.token_hex(2)}"


class RunRecorder:
    """Owns one run directory; every write goes through here."""

    def __init__(self, run_dir: Path) -> None:
        self.root = run_dir
        self.root.mkdir(parents=True, exist_ok=True)
        self._seq = self._last_seq()
        self._end_torn_line()

    def path(self, name: str) -> Path:
        return self.root / name

    def _end_torn_line(self) -> None:
        """A process killed mid-write leaves a line without its newline; close it so the next
        event starts on a line of its own (the torn one is skipped by readers)."""
        traj = self.path(TRAJECTORY)
        if traj.exists() and traj.stat().st_size:
            with traj.open("rb+") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")

    def _last_seq(self) -> int:
        traj = self.path(TRAJECTORY)
        if not traj.exists():
            return 0
        last = 0
        for line in traj.read_text(encoding="utf-8").splitlines():
            try:
                last = max(last, int(json.loads(line).get("seq", 0)))
            except (ValueError, AttributeError):
                continue  # a line torn by a kill is skipped, not fatal
        return last

    def event(
        self,
        kind: str,
        *,
        node: str | None = None,
        role: str | None = None,
        subtask: str | None = None,
        **data: Any,
    ) -> TrajectoryEvent:
        self._seq += 1
        ev = TrajectoryEvent(
            seq=self._seq, ts=utc_now(), kind=kind, node=node, role=role, subtask=subtask, data=data
        )
        line = ev.model_dump_json(exclude_none=True) + "\n"
        # One write per line, flushed to the kernel: a killed process leaves at most one torn
        # last line. No fsync per event: it costs ~5 ms each and only guards against a host
        # crash, which the SQLite checkpoint (synced) already survives.
        with self.path(TRAJECTORY).open("a", encoding="utf-8") as fh:
            fh.write(line)
        return ev

    def write_json(self, name: str, data: Any) -> None:
        tmp = self.path(name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.path(name))

    def write_request(self, request: dict[str, Any]) -> None:
        self.write_json(REQUEST, request)

    def write_plan(self, plan: dict[str, Any]) -> None:
        self.write_json(PLAN, plan)

    def write_patch(self, diff: str) -> None:
        self.path(PATCH).write_text(diff, encoding="utf-8")

    def write_prediction(self, instance_id: str, model: str, patch: str) -> None:
        """SWE-bench prediction format, one line."""
        row = {"instance_id": instance_id, "model_name_or_path": model, "model_patch": patch}
        self.path(PREDICTION).write_text(json.dumps(row) + "\n", encoding="utf-8")

    def write_summary(self, summary: RunSummary) -> None:
        self.write_json(SUMMARY, summary.model_dump(mode="json"))

    def read_summary(self) -> RunSummary | None:
        p = self.path(SUMMARY)
        if not p.exists():
            return None
        return RunSummary.model_validate_json(p.read_text(encoding="utf-8"))
