"""Shared indexing across a batch: one repository's Lite instances in one batch vs as many
independent indexes (psf/requests: 6; pytest-dev/pytest: 17).

    .venv/bin/python benchmarks/batch/shared_index.py [--repo psf/requests] [--repeats 3] [--mirror DIR]

Both arms run through the real batch runner (worker processes, repository grouping, oldest
first) with a task that performs only the solve's indexing step (benchmarks/batch/tasks.py):
- batch: every instance indexes its base commit into the repository's one shared index, so an
  instance parses only the files whose content the earlier ones had not seen;
- independent: every instance indexes into an empty index of its own (what separate `orch
  solve` runs on fresh machines would do).
Prints per instance and in total: wall time, CPU time (the worker's and its children's: git,
the parse pool; unaffected by other work on the machine, unlike wall time) and files parsed; the
ratios batch / independent (target <= 0.3); and the floor of any index that reuses whole files
by content, from git alone: the share of files and of bytes that are contents new to the batch.
The instances' commits are months or years apart, so much changed in between (requests
2012-2016: 60% of the bytes; pytest 2019-2023: 73%, as the files that change are the large ones).
Below file level, the chunk cache extracts only Python pieces (top-level chunks, class members)
new to the batch: their share of the bytes is printed too (requests: 0.51, pytest: 0.34).
With every definition and class member a piece of its own (the finest cut of whole definitions),
new pieces are still 0.48 (requests) and 0.27 (pytest) of the bytes, before any store write.
Timed, extracting only those new definitions, each alone, costs 0.47-0.49 (requests) and
0.39-0.40 (pytest) of the CPU of extracting every commit's files whole (small parses cost more
per byte). Extraction is about 56% (pytest) and 68-80% (requests) of the independent indexes' CPU;
if everything else (listing, hashing, writing) scaled with the new definitions' bytes alone, the
CPU ratio would still be at least ~0.33 (pytest) and ~0.50 (requests): no reuse of whole
definitions reaches 0.3 on either.
Below pieces, the lines each commit adds to the batch's previous one bound even an incremental
parse of edited lines alone (requests: 0.31, pytest: 0.10): for requests, 0.3 is below what any
reuse can reach. Reaching pytest's line floor would need reuse inside definitions: tree-sitter's
incremental parse needs the previous version's tree in memory, and trees cannot be saved, so a
batch worker meeting a file would have to parse its previous version first (a full parse).
Arms alternate `--repeats` times; medians of the totals are compared.
The repository comes from the `fetch` tool's bare mirror; a clone is made under --scratch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
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


SOURCE_EXTS = (".py", ".js", ".jsx", ".mjs", ".ts", ".tsx", ".java", ".go")


def content_floor(repo: Path, commits: list[str]) -> tuple[float, float]:
    """(files, bytes) of contents new to the batch over those of every commit's full index: the
    least any index reusing whole files by content must parse, whatever it costs per file."""
    seen: set[str] = set()
    new_files = all_files = new_bytes = all_bytes = 0
    for commit in commits:
        listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "-l", commit], capture_output=True,
                                 text=True, check=True).stdout
        blobs = {}
        for line in listing.splitlines():
            meta, path = line.split("\t", 1)
            parts = meta.split()
            if parts[1] == "blob" and path.endswith(SOURCE_EXTS):
                blobs[parts[2]] = int(parts[3])
        new = {sha: size for sha, size in blobs.items() if sha not in seen}
        seen.update(blobs)
        new_files, all_files = new_files + len(new), all_files + len(blobs)
        new_bytes, all_bytes = new_bytes + sum(new.values()), all_bytes + sum(blobs.values())
    return new_files / all_files, new_bytes / all_bytes


def piece_floor(repo: Path, commits: list[str], finest: bool = False) -> float:
    """Bytes of Python pieces (`graph_index.parsing.chunks`: top-level chunks, class members) new
    to the batch over those of every commit's full index: the least the chunk cache must extract.
    `finest`: with every definition and class member a piece of its own (no grouping, every
    class cut), the least any reuse of whole definitions could extract."""
    from graph_index.parsing.chunks import MIN_CHUNKS, chunk_key, pieces

    seen_blobs: set[str] = set()
    seen: set[str] = set()
    new_bytes = all_bytes = 0
    for commit in commits:
        for sha, data in python_blobs(repo, commit):
            all_bytes += len(data)
            if sha in seen_blobs:
                continue
            seen_blobs.add(sha)
            found = pieces(data, class_split=0, grouped=False) if finest else pieces(data)
            if len(found) < MIN_CHUNKS:
                new_bytes += len(data)
                continue
            for lo, hi, kind in found:
                key = chunk_key(data[lo:hi], kind)
                if key not in seen:
                    seen.add(key)
                    new_bytes += hi - lo
    return new_bytes / all_bytes


def extraction_floor(repo: Path, commits: list[str]) -> tuple[float, float]:
    """(CPU seconds, in this process) of extracting every commit's Python files whole, as the
    independent indexes do, and of extracting only the definitions new to the batch (the finest
    cut of `piece_floor`), each alone as the chunk cache would: the least extraction alone costs
    any reuse of whole definitions with this extractor, before hashing, merging or writing."""
    from graph_index.parsing import python
    from graph_index.parsing.chunks import MIN_CHUNKS, extract_piece, pieces

    whole = new = 0.0
    seen_blobs: set[str] = set()
    seen: set[tuple[bytes, int]] = set()
    for commit in commits:
        blobs = python_blobs(repo, commit)
        started = time.process_time()
        for _, data in blobs:
            python.extract_rows(data)
        whole += time.process_time() - started
        started = time.process_time()
        for sha, data in blobs:
            if sha in seen_blobs:
                continue
            seen_blobs.add(sha)
            found = pieces(data, class_split=0, grouped=False)
            if len(found) < MIN_CHUNKS:
                python.extract_rows(data)
                continue
            for lo, hi, kind in found:
                if (data[lo:hi], kind) not in seen:
                    seen.add((data[lo:hi], kind))
                    extract_piece(data[lo:hi], kind)
        new += time.process_time() - started
    return whole, new


def line_floor(repo: Path, commits: list[str]) -> float:
    """Lines of Python files that each commit adds to the one before it in the batch (the first
    commit: all its lines), over the lines of every commit's full index: the least any reuse must
    redo even below the piece level (an incremental parse of only the edited lines)."""
    new = total = 0
    for i, commit in enumerate(commits):
        lines = sum(data.count(b"\n") for _, data in python_blobs(repo, commit))
        total += lines
        if i == 0:
            new += lines
            continue
        numstat = subprocess.run(["git", "-C", str(repo), "diff", "--numstat", commits[i - 1], commit, "--", "*.py"],
                                 capture_output=True, text=True, check=True).stdout
        new += sum(int(row.split()[0]) for row in numstat.splitlines() if row.split()[0] != "-")
    return new / total


def python_blobs(repo: Path, commit: str) -> list[tuple[str, bytes]]:
    """(sha, content) of each distinct Python file content of `commit`."""
    from graph_index.sources import read_commit_blobs

    listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", commit], capture_output=True,
                             text=True, check=True).stdout
    shas = {line.split()[2] for line in listing.splitlines() if line.endswith(".py") and " blob " in line}
    return list(read_commit_blobs(repo, sorted(shas))) if shas else []


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
    ap.add_argument("--repeats", type=int, default=1, help="run both arms this often, alternating; medians compared")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    configure_logging("warning")
    mirror = args.mirror or Path(f"/work/.mirror/{args.repo.replace('/', '+')}/repo")
    repos_dir = args.scratch / "repos"
    clone(mirror, repos_dir, args.repo)
    rows = [r for r in map(json.loads, DATA.open()) if r["repo"] == args.repo]
    print(f"{len(rows)} {args.repo} Lite instances; {args.workers} worker(s); load average {os.getloadavg()[0]:.1f}")

    runs: list[tuple[list[dict], list[dict]]] = []
    for _ in range(args.repeats):
        shared = arm("batch", rows, args.scratch, repos_dir, args.workers)
        independent = arm("independent", [{**r, "fresh_index": True} for r in rows], args.scratch, repos_dir, args.workers)
        runs.append((shared, independent))
    shared, independent = runs[-1]

    print(f"\n{'instance':<26} {'batch s':>8} {'cpu s':>6} {'parsed':>7} {'reused':>7}   {'indep. s':>8} {'cpu s':>6} {'parsed':>7}")
    for sh, ind in zip(shared, independent, strict=True):
        print(f"{sh['instance_id']:<26} {sh['index_s']:>8.2f} {sh['index_cpu_s']:>6.2f} {sh['files_parsed']:>7} "
              f"{sh['files_reused']:>7}   {ind['index_s']:>8.2f} {ind['index_cpu_s']:>6.2f} {ind['files_parsed']:>7}")

    def total(arm_runs: list[list[dict]], key: str) -> float:
        return statistics.median(sum(d[key] for d in one) for one in arm_runs)

    wall_s, wall_i = total([r[0] for r in runs], "index_s"), total([r[1] for r in runs], "index_s")
    cpu_s, cpu_i = total([r[0] for r in runs], "index_cpu_s"), total([r[1] for r in runs], "index_cpu_s")
    parsed_s = sum(d["files_parsed"] for d in shared)
    parsed_i = sum(d["files_parsed"] for d in independent)
    figures = {
        "instances": len(rows), "repo": args.repo, "repeats": args.repeats,
        "batch_index_s": round(wall_s, 3), "independent_index_s": round(wall_i, 3),
        "ratio_wall": round(wall_s / wall_i, 3),
        "batch_cpu_s": round(cpu_s, 3), "independent_cpu_s": round(cpu_i, 3), "ratio_cpu": round(cpu_s / cpu_i, 3),
        "files_parsed_batch": parsed_s, "files_parsed_independent": parsed_i,
        "ratio_files_parsed": round(parsed_s / parsed_i, 3),
        "index_files_batch": len(list((args.scratch / "index-batch").glob("*.sqlite"))),
        "load_after": round(os.getloadavg()[0], 2),
    }
    floor_files, floor_bytes = content_floor(repos_dir / args.repo, [r["base_commit"] for r in order_by_repo(rows)])
    commits = [r["base_commit"] for r in order_by_repo(rows)]
    floor_pieces = piece_floor(repos_dir / args.repo, commits)
    floor_definitions = piece_floor(repos_dir / args.repo, commits, finest=True)
    floor_lines = line_floor(repos_dir / args.repo, commits)
    cpu_whole, cpu_new = extraction_floor(repos_dir / args.repo, commits)
    figures.update(floor_files=round(floor_files, 3), floor_bytes=round(floor_bytes, 3),
                   floor_python_pieces=round(floor_pieces, 3),
                   floor_python_definitions=round(floor_definitions, 3), floor_python_lines=round(floor_lines, 3),
                   floor_extraction_cpu=round(cpu_new / cpu_whole, 3))
    # Extraction's share of an independent index's CPU pays at least its own floor; the rest
    # (listing, hashing, writing) at best scales with the new definitions' bytes.
    share = min(1.0, cpu_whole / cpu_i)
    figures["floor_cpu_ratio"] = round(share * cpu_new / cpu_whole + (1 - share) * floor_definitions, 3)
    print(f"\nindexing, one batch: {wall_s:.2f} s wall, {cpu_s:.2f} s CPU; {len(rows)} independent full indexes: "
          f"{wall_i:.2f} s wall, {cpu_i:.2f} s CPU (medians of {args.repeats})")
    print(f"ratio (target <= 0.3): wall {figures['ratio_wall']:.3f}, CPU {figures['ratio_cpu']:.3f}; files parsed "
          f"{parsed_s} vs {parsed_i} ({figures['ratio_files_parsed']:.2f}); one index file: "
          f"{figures['index_files_batch'] == 1}; load average after {figures['load_after']}")
    print(f"floor for any index reusing whole files by content: {floor_files:.2f} of the files, {floor_bytes:.2f} of "
          f"the bytes are contents new to the batch (files that change are the larger ones)")
    print(f"floor for the chunk cache: {floor_pieces:.2f} of the Python bytes are pieces (top-level chunks, "
          f"class members) new to the batch")
    print(f"floor for any reuse of whole definitions: {floor_definitions:.2f} of the Python bytes are definitions "
          f"(each top-level one and each class member alone) new to the batch")
    print(f"extraction alone, with this extractor: {cpu_whole:.2f} s CPU for every commit's Python files whole, "
          f"{cpu_new:.2f} s for only the definitions new to the batch, each alone: {cpu_new / cpu_whole:.2f}; as "
          f"extraction is {share:.0%} of the independent indexes' CPU and the rest scales at best with the new "
          f"definitions' bytes, no reuse of whole definitions gets the CPU ratio below {figures['floor_cpu_ratio']:.2f}")
    print(f"floor below pieces: {floor_lines:.2f} of the Python lines are lines each commit adds to the batch's "
          f"previous one (what an incremental parse of edited lines alone would still redo)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
