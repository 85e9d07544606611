"""SIGKILL the real `orch batch` process mid-run, re-run it: no prediction lost, none doubled."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TASK, rows_for

from orchestrator.batch.standin import standin_patch

pytestmark = pytest.mark.slow
_PR_SET_CHILD_SUBREAPER = 36


def _orch_batch(tmp_path: Path, dataset: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    # Output goes to files, not pipes: reading a pipe to its end would wait for any process that
    # inherited it, which is exactly what must not outlive the batch.
    out = (tmp_path / "batch.out").open("a")
    err = (tmp_path / "batch.err").open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "--set", f"run.runs_dir={tmp_path / 'runs'}", "batch",
         "--dataset", str(dataset), "--run-id", "killed", "--model", "scripted:test", "-j", "2",
         "--task", TASK, *extra],
        env=env, stdout=out, stderr=err, text=True,
    )


@contextlib.contextmanager
def _adopting_orphans() -> Iterator[None]:
    """Make this process adopt orphans (not PID 1, whose reaper on some machines kills them),
    so a worker that outlives the batch is seen alive; reap them afterwards."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield
    finally:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass


def _in_task(run_dir: Path) -> set[int]:
    return {int(p.read_text()) for p in run_dir.glob("instances/*/standin.pid") if p.read_text().strip()}


def _task_age(run_dir: Path, pid: int) -> float:
    for p in run_dir.glob("instances/*/standin.pid"):
        if p.read_text().strip() == str(pid):
            return time.time() - p.stat().st_mtime
    return float("inf")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _kill_when(proc: subprocess.Popen, predictions: Path, at_least: int) -> set[int]:
    """SIGKILL the batch once `at_least` predictions exist; returns the workers alive at that moment."""
    deadline = time.monotonic() + 90
    workers: set[int] = set()
    # Wait for a worker that is inside its task (the stand-in wrote its pid) with time left.
    while len(_lines(predictions)) < at_least or not workers:
        assert proc.poll() is None, "batch ended before it could be killed"
        assert time.monotonic() < deadline, "batch made no progress"
        time.sleep(0.05)
        workers = {w for w in _in_task(predictions.parent) if _alive(w) and _task_age(predictions.parent, w) < 1.0}
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return workers


def test_sigkill_mid_run_then_rerun_loses_and_duplicates_nothing(tmp_path: Path, write_dataset) -> None:
    rows = rows_for({"acme/a": [{"sleep": 3.0}] * 4, "acme/b": [{"sleep": 3.0}] * 4})
    dataset = write_dataset(rows)
    predictions = tmp_path / "runs" / "killed" / "predictions.jsonl"

    with _adopting_orphans():
        workers = _kill_when(_orch_batch(tmp_path, dataset), predictions, at_least=2)
        time.sleep(0.5)
        survivors = [w for w in workers if _alive(w)]
    first_lines = _lines(predictions)
    # Worker processes die with the batch (no orphaned solver keeps a container busy). Each entered
    # its task under a second before the kill and had two more seconds of sleep ahead of it.
    assert workers and not survivors

    workers = _kill_when(_orch_batch(tmp_path, dataset), predictions, at_least=len(first_lines) + 2)
    second_lines = _lines(predictions)
    # Lines already written are never rewritten.
    assert second_lines[: len(first_lines)] == first_lines

    final = _orch_batch(tmp_path, dataset)
    assert final.wait(120) == 0, (tmp_path / "batch.err").read_text()[-2000:]
    out = (tmp_path / "batch.out").read_text()
    lines = _lines(predictions)
    assert lines[: len(second_lines)] == second_lines
    records = [json.loads(line) for line in lines]
    ids = [r["instance_id"] for r in records]
    assert len(ids) == len(set(ids)) == len(rows), ids
    assert set(ids) == {r["instance_id"] for r in rows}
    assert all(r["model_patch"] == standin_patch(r["instance_id"]) for r in records)
    assert "skipped" in out


def test_sigterm_stops_workers_and_the_rerun_finishes(tmp_path: Path, write_dataset) -> None:
    rows = rows_for({"acme/a": [{"sleep": 3.0}] * 3, "acme/b": [{"sleep": 3.0}] * 3})
    dataset = write_dataset(rows)
    predictions = tmp_path / "runs" / "killed" / "predictions.jsonl"
    proc = _orch_batch(tmp_path, dataset)
    deadline = time.monotonic() + 90
    workers: set[int] = set()
    while not workers:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
        workers = {w for w in _in_task(predictions.parent) if _alive(w)}
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 130
    assert not [w for w in workers if _alive(w)]
    before = _lines(predictions)
    # An interrupted instance is not a finished one: no prediction, no result for it.
    assert len(before) < len(rows)
    final = _orch_batch(tmp_path, dataset)
    assert final.wait(120) == 0, (tmp_path / "batch.err").read_text()[-2000:]
    ids = [json.loads(line)["instance_id"] for line in _lines(predictions)]
    assert sorted(ids) == sorted(r["instance_id"] for r in rows)
