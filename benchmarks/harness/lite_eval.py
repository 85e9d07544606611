"""Gold / empty / no-op evaluation over SWE-bench Lite rows of chosen repositories.

    python benchmarks/harness/lite_eval.py --predictions gold --repos psf/requests pallets/flask \
        --repos-dir /path/to/repos --run-id lite-gold

Repositories come from `--repos-dir DIR/<owner>/<name>` (bare clones; never inside the project).
`--predictions noop` is a patch that applies but fixes nothing: with gold FULL and noop NO the
FAIL_TO_PASS tests are shown to discriminate. Writes the harness summary and a per-instance
markdown table (build status, timings, cause of every failure) next to it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness import evaluate_predictions, load_instances  # noqa: E402
from harness.config import HarnessSettings  # noqa: E402

DEFAULT_DATASET = ROOT.parent / "shared" / "data" / "swebench_lite" / "test.jsonl"
LITE_TUNING_REPOS = ["psf/requests", "pallets/flask", "pytest-dev/pytest", "mwaskom/seaborn", "pylint-dev/pylint"]
NOOP = "diff --git a/orch_noop.txt b/orch_noop.txt\nnew file mode 100644\n--- /dev/null\n+++ b/orch_noop.txt\n@@ -0,0 +1 @@\n+no fix\n"


def table(run_dir: Path, ids: list[str], rows: dict[str, object]) -> str:
    lines = [
        "| instance | version | build | build s | eval s | status | cause |",
        "|---|---|---|---|---|---|---|",
    ]
    for iid in ids:
        path = run_dir / iid / "result.json"
        if not path.exists():
            lines.append(f"| {iid} | | | | | missing | |")
            continue
        r = json.loads(path.read_text())
        built = "failed" if (r.get("cause") or "").startswith("build_failed") else ("ok" if r.get("image") else "-")
        cause = (r.get("cause") or "").replace("|", "/")[:160]
        inst = rows[iid]
        lines.append(
            f"| {iid} | {inst.version} | {built} | {r.get('build_seconds', 0)} | {r.get('eval_seconds', 0)} | {r['status']} | {cause} |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--predictions", default="gold", help="gold | empty | noop | FILE")
    ap.add_argument("--repos", nargs="+", default=LITE_TUNING_REPOS)
    ap.add_argument("--repos-dir", type=Path, required=True)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "harness" / "results")
    ap.add_argument("-j", "--workers", type=int, default=1)
    ap.add_argument("--eval-timeout", type=int, default=1800)
    ap.add_argument("--limit", type=int, help="Only the first N matching rows (dataset order).")
    args = ap.parse_args()

    instances = [i for i in load_instances(args.dataset) if i.repo in args.repos][: args.limit]
    ids = [i.instance_id for i in instances]
    run_dir = args.out / args.run_id
    preds = args.predictions
    if preds == "noop":
        preds_file = run_dir.parent / f"{args.run_id}.noop-predictions.jsonl"
        preds_file.parent.mkdir(parents=True, exist_ok=True)
        preds_file.write_text("".join(json.dumps({"instance_id": i, "model_name_or_path": "noop", "model_patch": NOOP}) + "\n" for i in ids))
        preds = str(preds_file)
    settings = HarnessSettings(eval_timeout=args.eval_timeout)
    start = time.monotonic()
    summary = evaluate_predictions(
        dataset=args.dataset, predictions=preds, out_dir=run_dir, settings=settings, workers=args.workers,
        repos_dir=args.repos_dir, instance_ids=ids,
        on_result=lambda r: print(f"{r.instance_id}: {r.status} {r.cause or ''}", flush=True),
    )
    wall = time.monotonic() - start
    md = table(run_dir, ids, {i.instance_id: i for i in instances})
    head = {k: v for k, v in summary.items() if k.endswith("_instances")}
    text = f"# {args.run_id}: predictions={args.predictions}, repos={' '.join(args.repos)}\n\n{json.dumps(head)}\n\nwall {wall:.0f}s\n\n{md}\n"
    (run_dir / "table.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
