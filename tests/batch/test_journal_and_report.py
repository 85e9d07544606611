"""The append-only files and the report computed from them."""

from __future__ import annotations

import json
import multiprocessing as mp
from pathlib import Path

from orchestrator.batch import InstanceResult, InstanceStatus, summarize
from orchestrator.batch.journal import append_record, read_records, repair_tail
from orchestrator.batch.report import percentile


def _writer(path: str, tag: int, n: int) -> None:
    for i in range(n):
        append_record(Path(path), {"tag": tag, "i": i, "pad": "x" * 5000})


def test_concurrent_processes_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), t, 60)) for t in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    lines = path.read_text().splitlines()
    assert len(lines) == 240
    seen = {(r["tag"], r["i"]) for r in map(json.loads, lines)}
    assert len(seen) == 240


def test_torn_tail_is_skipped_then_cut(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    append_record(path, {"a": 1})
    with path.open("ab") as fh:
        fh.write(b'{"a": 2, "trunc')
    assert list(read_records(path)) == [{"a": 1}]
    assert repair_tail(path) > 0
    append_record(path, {"a": 3})
    assert [r["a"] for r in read_records(path)] == [1, 3]
    assert path.read_bytes().count(b"\n") == 2


def _r(iid: str, repo: str, status: str, cost: float, t: float, patch: str = "") -> InstanceResult:
    return InstanceResult(instance_id=iid, repo=repo, status=InstanceStatus(status), cost_usd=cost, duration_s=t, patch=patch)


def test_summary_counts_statuses_spend_and_repos() -> None:
    attempts = [
        _r("a-1", "a", "infra_error", 0.0, 1.0),
        _r("a-1", "a", "patched", 1.0, 10.0, "diff"),
        _r("a-2", "a", "crashed", 0.5, 20.0),
        _r("b-1", "b", "patched", 2.0, 30.0, "diff"),
    ]
    latest = {r.instance_id: r for r in attempts}
    s = summarize(latest, attempts, ["a-1", "a-2", "b-1", "c-1"], {"resolved_ids": ["a-1"]})
    assert s["status_counts"] == {"crashed": 1, "patched": 2, "pending": 1}
    assert s["resolved"] == 1 and s["resolved_rate"] == 0.25
    assert s["cost_usd"]["total"] == 3.5 and s["cost_usd"]["p50"] == 1.0 and s["cost_usd"]["p95"] == 2.0
    assert s["time_s"]["mean"] == (11.0 + 20.0 + 30.0) / 3
    assert s["per_repo"]["a"] == {"instances": 2, "finished": 2, "patched": 1, "resolved": 1, "cost_usd": 1.5,
                                  "time_s": 31.0, "resolved_rate": 0.5}
    unevaluated = summarize(latest, attempts)
    assert unevaluated["resolved_rate"] is None and unevaluated["per_repo"]["b"]["resolved"] is None


def test_percentile_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95 and percentile([], 50) is None
