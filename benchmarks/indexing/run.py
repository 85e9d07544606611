"""Indexing benchmark: sympy at the base commit of sympy__sympy-20590.

    .venv/bin/python benchmarks/indexing/run.py [--mirror DIR] [--scratch DIR] [--workers N]

Prints, from one run on one machine (Python files are extracted by the native extractor unless
ORCH_NATIVE_EXTRACTOR=0; the baseline is always the tree-sitter wheel's parse):
- full index time as a ratio to a bare tree-sitter parse of the same files with the same number of
  processes (target <= 2x), and the same ratio in CPU seconds;
- peak RSS of this process and of its parse workers (target <= 1 GiB);
- re-index of the working tree after one file changes (target <= 0.5 s);
- index of a second commit (base of sympy__sympy-20639) after the first: files parsed/reused;
- query latencies (search, symbol, callers, callees, file_skeleton) p50/p95.

The repository comes from a bare mirror (the `fetch` tool's `github:sympy/sympy`); a shared
clone is made under --scratch, never inside the project.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import tree_sitter as ts

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from graph_index import GraphSettings, open_graph  # noqa: E402
from graph_index.indexer import default_workers  # noqa: E402
from graph_index.parsing.native import ENV_SWITCH  # noqa: E402
from graph_index.parsing.python import native_extractor  # noqa: E402
from graph_index.sources import list_commit, read_commit_blobs  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "swebench_lite" / "test.jsonl"
FIRST, SECOND = "sympy__sympy-20590", "sympy__sympy-20639"


def base_commit(instance_id: str) -> str:
    for line in DATA.open():
        row = json.loads(line)
        if row["instance_id"] == instance_id:
            return row["base_commit"]
    raise SystemExit(f"{instance_id} not in {DATA}")


def checkout(mirror: Path, dest: Path, commit: str) -> Path:
    if not (dest / ".git").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(mirror), str(dest)], check=True)
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", "-f", commit], check=True)
    subprocess.run(["git", "-C", str(dest), "clean", "-q", "-fdx"], check=True)
    return dest


def _parse_one(data: bytes) -> int:
    from graph_index.parsing.python import LANGUAGE

    return ts.Parser(LANGUAGE).parse(data).root_node.descendant_count


def bare_parse(repo: Path, commit: str, workers: int) -> tuple[float, float, float, int]:
    """tree-sitter parse of every file the index parses (content read beforehand, not timed):
    (wall seconds with `workers` processes, CPU seconds over those processes, wall seconds in
    one process, files). The parallel run mirrors the index's pool (fork, largest files first,
    chunks of 4), so the ratio compares like with like; the one-process figure is for reference."""
    from graph_index.parsing.python import LANGUAGE

    listing = list_commit(repo, commit)
    py = [f.sha for f in listing.files if f.language == "python"]
    datas = [data for _, data in read_commit_blobs(repo, dict.fromkeys(py))]
    datas.sort(key=len, reverse=True)
    parser = ts.Parser(LANGUAGE)
    started, cpu = time.perf_counter(), time.process_time()
    for data in datas:
        parser.parse(data)
    serial = time.perf_counter() - started
    if workers <= 1:
        return serial, time.process_time() - cpu, serial, len(datas)
    cpu0 = cpu_seconds()
    started = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        nodes = sum(pool.map(_parse_one, datas, chunksize=4))
    wall = time.perf_counter() - started
    assert nodes > 0
    return wall, cpu_seconds() - cpu0, serial, len(datas)


def cpu_seconds() -> float:
    """CPU time of this process and of its reaped children (the parse pool, git)."""
    return sum(cpu_split())


def cpu_split() -> tuple[float, float]:
    """(this process, its reaped children) CPU seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def rss_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror/sympy+sympy/repo"))
    ap.add_argument("--scratch", type=Path, default=Path("/work/scratch/bench-indexing"))
    ap.add_argument("--workers", type=int, default=None, help="parse processes, for the index and the bare parse alike (default: min(2, cores))")
    args = ap.parse_args()

    c1, c2 = base_commit(FIRST), base_commit(SECOND)
    repo = checkout(args.mirror, args.scratch / "sympy", c1)
    index_path = args.scratch / "sympy.sqlite"
    settings = GraphSettings(index_dir=args.scratch)

    workers = args.workers if args.workers is not None else default_workers()
    # Built (first run) or loaded before anything is timed; the forked parse workers inherit it.
    native = native_extractor()
    print(f"python extractor: {'native (C)' if native is not None else 'pure Python'} [{ENV_SWITCH}=0 forces Python]")
    bare, bare_cpu, serial, n_files = bare_parse(repo, c1, workers)
    print(
        f"bare tree-sitter parse: {n_files} files in {bare:.2f}s with {workers} processes "
        f"({bare_cpu:.2f}s CPU); {serial:.2f}s in one process"
    )

    g = open_graph(settings, repo, index_path=index_path, rebuild=True)
    g.workers = workers  # type: ignore[attr-defined]
    own0, kids0 = cpu_split()
    full = g.index(repo, c1)
    own1, kids1 = cpu_split()
    index_cpu = own1 + kids1 - own0 - kids0
    ratio = full.seconds / bare
    own, kids = rss_mib()
    print(
        f"full index ({FIRST} @ {c1[:10]}): {full.seconds:.2f}s = {ratio:.2f}x bare parse with as many processes "
        f"[target <= 2x] | {full.files_parsed} parsed, {full.nodes} nodes, {full.edges} edges, "
        f"{full.files_with_errors} files with syntax errors"
    )
    print(
        f"  CPU: {index_cpu:.2f}s over all processes = {index_cpu / bare_cpu:.2f}x the bare parse's CPU "
        f"(parse workers and git {kids1 - kids0:.2f}s, indexer process {own1 - own0:.2f}s)"
    )
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"  load average during the run: {' '.join(load)} on {os.cpu_count()} cores")
    print(f"peak RSS: {own:.0f} MiB (indexer), {kids:.0f} MiB (largest worker / child) [target <= 1024]")
    print(f"index file: {index_path.stat().st_size / 2**20:.1f} MiB")

    # Working tree: same content as the commit, so nothing is parsed; then one file changes.
    wt = g.index(repo)
    target = repo / "sympy" / "core" / "basic.py"
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\n\ndef _bench_added(x):\n    return Basic(x)\n")
        one = g.index(repo)
        assert one.files_parsed == 1, one
    finally:
        target.write_bytes(original)
    print(
        f"working tree index (no change): {wt.seconds:.3f}s; after one file changed: {one.seconds:.3f}s "
        f"({one.files_parsed} parsed) [target <= 0.5s]"
    )

    cpu2 = cpu_seconds()
    second = g.index(repo, c2)
    print(
        f"second commit ({SECOND} @ {c2[:10]}): {second.seconds:.2f}s ({cpu_seconds() - cpu2:.2f}s CPU with the "
        f"parse workers and git), {second.files_parsed} parsed, {second.files_reused} reused "
        f"({second.seconds / full.seconds:.2%} of the first)"
    )

    # The same two commits as a batch indexes them (graph.piece_cache on): the first index also
    # keeps each Python piece's extraction, so the second re-extracts only edited definitions.
    pieces = open_graph(settings.model_copy(update={"piece_cache": "on"}), repo,
                        index_path=args.scratch / "sympy-pieces.sqlite", rebuild=True)
    pieces.workers = workers  # type: ignore[attr-defined]
    first_p = pieces.index(repo, c1)
    cpu2 = cpu_seconds()
    second_p = pieces.index(repo, c2)
    print(
        f"with the piece cache (batches): full index {first_p.seconds:.2f}s = {first_p.seconds / bare:.2f}x bare "
        f"parse; second commit {second_p.seconds:.2f}s ({cpu_seconds() - cpu2:.2f}s CPU), "
        f"{second_p.seconds / first_p.seconds:.2%} of its first"
    )
    pieces.close()

    # Query latencies on the first commit's view.
    g = open_graph(settings, repo, c1, index_path=index_path)
    queries = {
        "search": lambda: g.search("matrix determinant simplification of symbolic expressions", 10),
        "symbol": lambda: g.symbol("Basic.atoms"),
        "callers": lambda: g.callers("sympy/core/basic.py:Basic.atoms"),
        "callees": lambda: g.callees("sympy/core/basic.py:Basic.subs"),
        "neighbors(1)": lambda: g.neighbors("sympy/core/symbol.py:Symbol", depth=1),
        "file_skeleton": lambda: g.file_skeleton("sympy/core/basic.py"),
    }
    for name, fn in queries.items():
        times = []
        for _ in range(15):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        print(f"  {name:<14} p50 {statistics.median(times):7.1f} ms   p95 {pct(times, 0.95):7.1f} ms")
    t = time.perf_counter()
    edges = g.view.all_edges()  # type: ignore[attr-defined]  # embedded: resolve the whole view
    calls = [e for e in edges if e.kind == "CALLS"]
    resolved = sum(1 for e in calls if e.resolved)
    print(
        f"  resolution: {resolved}/{len(calls)} CALLS edges ({resolved / max(len(calls), 1):.1%}) resolve inside "
        f"the repository; whole view resolved in {time.perf_counter() - t:.2f}s"
    )
    t = time.perf_counter()
    rm = g.repo_map(1024, query="matrix determinant")
    print(f"  repo_map(1024, query) {time.perf_counter() - t:.2f}s, {len(rm.entries)} symbols")
    own, kids = rss_mib()
    print(f"peak RSS at the end: {own:.0f} MiB (indexer), {kids:.0f} MiB (children)")


if __name__ == "__main__":
    main()
