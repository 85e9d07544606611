"""Shared indexing across a batch: the 6 psf/requests Lite instances in one batch vs 6 independent indexes.

    .venv/bin/python benchmarks/batch/shared_index.py [--mirror DIR] [--scratch DIR] [--repo psf/requests]

Both arms run through the real batch runner (worker processes, repository grouping, oldest
first) with a task that performs only the solve's indexing step (benchmarks/batch/tasks.py):
- batch: every instance indexes its base commit into the repository's one shared index, so an
  instance parses only the files whose content the earlier ones had not seen;
- independent: every instance indexes into an empty index of its own (what 6 separate `orch
  solve` runs on fresh machines would do).
Prints the indexing time of each instance and the ratio batch / independent (target <= 0.3).
The repository comes from the `fetch` tool's bare mirror; a clone is made under --scratch.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from orchestrator.batch import BatchRequest, BatchStore, order_by_repo, run_batch  # noqa: E402
from orchestrator.config import load_settings  # noqa: E402
from orchestrator.logs import configure_logging  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "swebench_lite" / "test.jsonl"
TASK = "benchmarks.batch.tasks:index_instance"


def clone(mirror: Path, repos_dir: Path, repo: str) -> Path:
    dest = repos_dir / repo
    if not (dest / ".git").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(mirror), str(dest)], check=True)
    return dest


def arm(name: str, rows: list[dict], scratch: Path, repos_dir: Path, workers: int) -> list[dict]:
    runs = scratch / "runs"
    shutil.rmtree(runs / name, ignore_errors=True)
    index_dir = scratch / f"index-{name}"
    shutil.rmtree(index_dir, ignore_errors=True)
    settings = load_settings(env={}, overrides={
        "run.runs_dir": str(runs), "graph.index_dir": str(index_dir), "batch.workers": workers,
        "batch.instance_timeout": 1800, "run.log_level": "warning",
    }).settings
    outcome = run_batch(BatchRequest(run_id=name, rows=order_by_repo(rows), model="none", task=TASK,
                                     repos_dir=str(repos_dir)), settings)
    results = BatchStore(outcome.run_dir).results()
    bad = [r for r in results if r.status.value != "no_patch"]
    if bad:
        raise SystemExit(f"{name}: {[(r.instance_id, r.status.value, r.error) for r in bad]}")
    order = {r["instance_id"]: i for i, r in enumerate(order_by_repo(rows))}
    return sorted(({"instance_id": r.instance_id, **r.detail} for r in results), key=lambda d: order[d["instance_id"]])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default="psf/requests")
    ap.add_argument("--mirror", type=Path, default=None, help="bare mirror (default /work/.mirror/<owner>+<name>/repo)")
    ap.add_argument("--scratch", type=Path, default=Path("/work/scratch/batch/shared-index"))
    ap.add_argument("-j", "--workers", type=int, default=1, help="batch workers (1 keeps timings clean)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    configure_logging("warning")
    mirror = args.mirror or Path(f"/work/.mirror/{args.repo.replace('/', '+')}/repo")
    repos_dir = args.scratch / "repos"
    clone(mirror, repos_dir, args.repo)
    rows = [r for r in map(json.loads, DATA.open()) if r["repo"] == args.repo]
    print(f"{len(rows)} {args.repo} Lite instances; {args.workers} worker(s)")

    shared = arm("batch", rows, args.scratch, repos_dir, args.workers)
    independent = arm("independent", [{**r, "fresh_index": True} for r in rows], args.scratch, repos_dir, args.workers)

    print(f"\n{'instance':<24} {'batch s':>8} {'parsed':>7} {'reused':>7}   {'indep. s':>8} {'parsed':>7}")
    for s, i in zip(shared, independent, strict=True):
        print(f"{s['instance_id']:<24} {s['index_s']:>8.2f} {s['files_parsed']:>7} {s['files_reused']:>7}   "
              f"{i['index_s']:>8.2f} {i['files_parsed']:>7}")
    total_s = sum(d["index_s"] for d in shared)
    total_i = sum(d["index_s"] for d in independent)
    cpu_s = sum(d["index_cpu_s"] for d in shared)
    cpu_i = sum(d["index_cpu_s"] for d in independent)
    parsed_s = sum(d["files_parsed"] for d in shared)
    parsed_i = sum(d["files_parsed"] for d in independent)
    figures = {
        "instances": len(rows), "repo": args.repo,
        "batch_index_s": round(total_s, 3), "independent_index_s": round(total_i, 3),
        "ratio_wall": round(total_s / total_i, 3),
        # Parsing runs in the indexer's child processes, so this is only the store-side CPU.
        "store_cpu_batch_s": round(cpu_s, 3), "store_cpu_independent_s": round(cpu_i, 3),
        "files_parsed_batch": parsed_s, "files_parsed_independent": parsed_i,
        "index_files_batch": len(list((args.scratch / "index-batch").glob("*.sqlite"))),
    }
    print(f"\nindexing time, one batch: {total_s:.2f} s; {len(rows)} independent full indexes: {total_i:.2f} s")
    print(f"ratio (target <= 0.3): {figures['ratio_wall']:.3f}; files parsed {parsed_s} vs {parsed_i} "
          f"({parsed_s / parsed_i:.2f}); one index file: {figures['index_files_batch'] == 1}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
