"""`orch batch report`: what a batch run achieved, from its journal and grading report alone."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrator.batch.models import InstanceResult
from orchestrator.batch.store import BatchStore


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _stats(values: Sequence[float]) -> dict[str, float | None]:
    return {
        "mean": sum(values) / len(values) if values else None,
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "total": sum(values),
    }


def summarize(
    latest: dict[str, InstanceResult],
    attempts: Sequence[InstanceResult],
    selected: Sequence[str] = (),
    evaluation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Pure summary of a run: statuses of each instance's last attempt, spend over all attempts.

    `evaluation` is the harness's summary (resolved_ids, ...); without it the resolved rate is None.
    """
    ids = list(dict.fromkeys([*selected, *latest]))
    resolved = set(evaluation.get("resolved_ids", [])) if evaluation else None
    status_counts = Counter(r.status.value for r in latest.values())
    pending = [i for i in ids if i not in latest]
    if pending:
        status_counts["pending"] = len(pending)
    cost_by_id: dict[str, float] = defaultdict(float)
    time_by_id: dict[str, float] = defaultdict(float)
    for a in attempts:
        cost_by_id[a.instance_id] += a.cost_usd
        time_by_id[a.instance_id] += a.duration_s
    finished = [i for i in ids if i in latest]
    repos: dict[str, dict[str, Any]] = {}
    for iid in ids:
        r = latest.get(iid)
        repo = r.repo if r else "?"
        row = repos.setdefault(repo, {"instances": 0, "finished": 0, "patched": 0, "resolved": 0 if resolved is not None else None,
                                      "cost_usd": 0.0, "time_s": 0.0})
        row["instances"] += 1
        if r is None:
            continue
        row["finished"] += int(r.status.is_terminal)
        row["patched"] += int(bool(r.patch.strip()))
        row["cost_usd"] += cost_by_id[iid]
        row["time_s"] += time_by_id[iid]
        if resolved is not None and iid in resolved:
            row["resolved"] += 1
    for row in repos.values():
        if resolved is not None:
            row["resolved_rate"] = row["resolved"] / row["instances"] if row["instances"] else None
    return {
        "instances": len(ids),
        "finished": sum(1 for r in latest.values() if r.status.is_terminal),
        "patched": sum(1 for r in latest.values() if r.patch.strip()),
        "evaluated": evaluation is not None,
        "resolved": len(resolved & set(ids)) if resolved is not None else None,
        "resolved_rate": (len(resolved & set(ids)) / len(ids) if ids else None) if resolved is not None else None,
        "status_counts": dict(sorted(status_counts.items())),
        "attempts": len(attempts),
        "cost_usd": _stats([cost_by_id[i] for i in finished]),
        "time_s": _stats([time_by_id[i] for i in finished]),
        "per_repo": dict(sorted(repos.items())),
    }


def load_summary(run_dir: Path) -> dict[str, Any]:
    store = BatchStore(run_dir)
    if not store.manifest_path.is_file() and not store.results_path.is_file():
        raise FileNotFoundError(f"no batch run at {run_dir}")
    manifest = store.read_manifest()
    evaluation_file = store.evaluation_dir / "summary.json"
    evaluation = json.loads(evaluation_file.read_text(encoding="utf-8")) if evaluation_file.is_file() else None
    summary = summarize(store.latest_results(), store.results(), manifest.get("instance_ids", []), evaluation)
    return {"run_id": run_dir.name, "model": manifest.get("model"), "dataset": manifest.get("dataset"),
            "predictions": str(store.predictions_path), **summary}


def render(summary: dict[str, Any]) -> str:
    """The human-readable report."""

    def money(v: float | None) -> str:
        return "-" if v is None else f"${v:.4f}"

    def secs(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}s"

    lines = [f"batch {summary['run_id']}  model {summary.get('model')}  dataset {summary.get('dataset')}"]
    rate = summary["resolved_rate"]
    lines.append(
        f"instances {summary['instances']}  finished {summary['finished']}  patched {summary['patched']}  "
        + (f"resolved {summary['resolved']} ({rate:.1%})" if rate is not None else "resolved: not evaluated (run with --evaluate)")
    )
    lines.append("status: " + ", ".join(f"{k} {v}" for k, v in summary["status_counts"].items()))
    c, t = summary["cost_usd"], summary["time_s"]
    lines.append(f"cost per instance: mean {money(c['mean'])}  p50 {money(c['p50'])}  p95 {money(c['p95'])}  total {money(c['total'])}")
    lines.append(f"time per instance: mean {secs(t['mean'])}  p50 {secs(t['p50'])}  p95 {secs(t['p95'])}  total {secs(t['total'])}")
    lines.append("")
    header = f"{'repository':<28} {'inst':>5} {'done':>5} {'patch':>5} {'resolved':>9} {'cost':>10} {'time':>9}"
    lines.append(header)
    lines.append("-" * len(header))
    for repo, row in summary["per_repo"].items():
        res = "-" if row["resolved"] is None else str(row["resolved"])
        lines.append(f"{repo[:28]:<28} {row['instances']:>5} {row['finished']:>5} {row['patched']:>5} {res:>9} "
                     f"{money(row['cost_usd']):>10} {secs(row['time_s']):>9}")
    infra = summary["status_counts"].get("infra_error", 0)
    if infra:
        lines.append(f"\n{infra} instance(s) failed for infrastructure reasons: re-run with --retry-infra")
    lines.append(f"\npredictions: {summary['predictions']}")
    return "\n".join(lines)
