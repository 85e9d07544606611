"""Localization benchmark over SWE-bench Lite rows of the fetchable repositories.

    .venv/bin/python benchmarks/localization/run.py --split tune      # tune on these only
    .venv/bin/python benchmarks/localization/run.py --split report    # report, never tune
    .venv/bin/python benchmarks/localization/run.py --split all --repos psf/requests

For each instance: materialize the repository at `base_commit` (one scratch tree per repository,
switched in place), index it through the code graph (incremental: unchanged files are reused),
run `localize` on the problem statement, and score against the gold patch. A plain-BM25 baseline
over non-test files runs in the same loop on the same tree. `--view ast` ranks over a RepoView
built with Python's `ast` instead of the graph (a reference for debugging the graph adapter).
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from astview import ViewCache, build_view  # noqa: E402
from baseline import bm25_baseline  # noqa: E402
from checkouts import SCRATCH_ROOT, checkout, mirror_of  # noqa: E402
from dataset import FETCHABLE, TUNE_TEST_REPOS, load_instances  # noqa: E402
from metrics import Tally  # noqa: E402

from graph_index.localize.access import ViewAccess  # noqa: E402
from graph_index.localize.locate import localize_with  # noqa: E402
from graph_index.localize.text import plain_tokenize, tokenize  # noqa: E402
from orchestrator.logs import configure_logging  # noqa: E402

_DUP = re.compile(r"#\d+$")


def _norm(ids: list[str], alias: dict[str, str] | None = None) -> list[str]:
    """Graph ids carry `#2` for a repeated definition; gold ids never do. `alias` renames nested
    functions to the gold data's convention (see `_gold_style`)."""
    out: dict[str, None] = {}
    for i in ids:
        out.setdefault(_DUP.sub("", (alias or {}).get(i, i)), None)
    return list(out)


def _gold_style(graph, ids: list[str]) -> dict[str, str]:
    """Gold function ids have at most one dot: a function nested in another is named by its
    innermost enclosing class and its own name (`requests/models.py:Response.generate` for the
    graph's `Response.iter_content.generate`), or by its own name alone when no class encloses
    it (`sympy/simplify/fu.py:_f` for the graph's `_TR56._f`). Only nested functions are
    renamed; the graph says which parts of a qualified name are classes."""
    from graph_index.models import NodeKind

    out = {}
    for sid in ids:
        path, _, qual = sid.partition(":")
        if "." not in qual:
            continue
        node = graph.node(sid)
        parent = graph.node(node.parent) if node is not None and node.parent else None
        if parent is None or parent.kind not in (NodeKind.FUNCTION, NodeKind.TEST):
            continue
        while parent is not None and parent.kind != NodeKind.CLASS:
            parent = graph.node(parent.parent) if parent.parent else None
        out[sid] = f"{path}:{parent.name}.{node.name}" if parent is not None else f"{path}:{node.name}"
    return out


def _graph_localizer(index_dir: Path):
    from graph_index import GraphSettings, GraphStoreError, open_graph
    from graph_index.localize import localize
    from graph_index.localize.history import HistorySource

    settings = GraphSettings(index_dir=index_dir)
    graphs: dict[str, object] = {}

    def run(repo: str, root: Path, text: str, top_k: int, commit: str):
        g = graphs.get(repo)
        if g is None:
            try:
                g = open_graph(settings, root)
            except GraphStoreError:  # an index from an older schema: scratch data, rebuild it
                g = open_graph(settings, root, rebuild=True)
            graphs[repo] = g
        t0 = time.perf_counter()
        g.index(root)  # type: ignore[attr-defined]
        t_index = time.perf_counter() - t0
        # Indexing and the baseline leave a garbage-collection debt in this long-lived process
        # (tables of earlier commits stay cached); a full collection landing inside the timed
        # call measured the benchmark, not localization (spikes of 1-2 s on sympy, never seen
        # in a fresh process). Pay it untimed.
        gc.collect()
        t1 = time.perf_counter()
        # The scratch tree has no history of its own: read it from the mirror at the base commit.
        loc = localize(g, text, top_k=top_k, history=HistorySource(mirror_of(repo), commit))  # type: ignore[arg-type]
        t_loc = time.perf_counter() - t1
        return loc, t_index, t_loc, _gold_style(g, [f.id for f in loc.functions])

    def close() -> None:
        for g in graphs.values():
            g.close()  # type: ignore[attr-defined]

    return run, close


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["tune", "report", "all"], default="tune")
    ap.add_argument("--repos", default="", help="Comma-separated owner/name filter.")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--view", choices=["graph", "ast"], default="graph")
    ap.add_argument("--scratch", type=Path, default=SCRATCH_ROOT, help="Work trees (engineers sharing a machine use their own).")
    ap.add_argument("--index-dir", type=Path, default=None, help="Embedded indexes (default: <scratch>/index).")
    ap.add_argument("--limit", type=int, default=0, help="Stop after N instances (smoke runs).")
    ap.add_argument("--out", type=Path, default=None, help="Write per-instance rankings as JSONL.")
    ap.add_argument("-v", "--verbose", action="store_true", help="One line per instance.")
    args = ap.parse_args(argv)
    args.index_dir = args.index_dir or args.scratch / "index"
    configure_logging("warning")

    repos = {r.strip() for r in args.repos.split(",") if r.strip()} or None
    instances = load_instances(args.split, repos)
    # Grouped by repository and ordered by commit date would be ideal; by commit is stable.
    instances.sort(key=lambda i: (i.repo, i.instance_id))
    if args.limit:
        instances = instances[: args.limit]
    if not instances:
        print("no instances selected (dev rows need their repositories fetched)")
        return 1

    graph_run, graph_close = (None, None)
    if args.view == "graph":
        graph_run, graph_close = _graph_localizer(args.index_dir)
    # Tallies per group: the tuning rows, the report rows, and all Lite test rows of the nine
    # fetchable repositories (the 140 the targets are stated on).
    groups = ("tune", "report", "test")
    orch = {g: Tally() for g in groups}
    base = {g: Tally() for g in groups}
    latencies: list[float] = []
    by_repo: dict[str, list[float]] = {}
    index_times: list[float] = []
    out = args.out.open("w") if args.out else None
    cache = ViewCache()
    plain_count, orch_count = cache.counter(plain_tokenize), cache.counter(tokenize)
    started = time.time()
    try:
        for inst in instances:
            root = checkout(inst.repo, inst.base_commit, args.scratch)
            alias: dict[str, str] = {}
            if args.view == "ast":
                view = build_view(root, cache)
                access = ViewAccess(view, orch_count)
                access.lexical_files("", 1), access.lexical_functions("", 1)  # build indexes untimed
                t0 = time.perf_counter()
                loc = localize_with(access, inst.problem_statement, top_k=args.top)
                latencies.append(time.perf_counter() - t0)
            else:
                assert graph_run
                loc, t_index, t_loc, alias = graph_run(inst.repo, root, inst.problem_statement, args.top, inst.base_commit)
                index_times.append(t_index)
                latencies.append(t_loc)
                view = build_view(root, cache, fast=True)
            by_repo.setdefault(inst.repo, []).append(latencies[-1])
            files = [f.path for f in loc.files]
            funcs = _norm([f.id for f in loc.functions], alias)
            b_files, b_funcs = bm25_baseline(view, inst.problem_statement, args.top, plain_count)
            member = ["tune" if inst.split_file == "dev" or inst.repo in TUNE_TEST_REPOS else "report"]
            if inst.split_file == "test" and inst.repo in FETCHABLE:
                member.append("test")
            for g in member:
                orch[g].add(files, inst.gold_files, funcs, inst.gold_functions, inst.no_function_gold)
                base[g].add(b_files, inst.gold_files, b_funcs, inst.gold_functions)
            rank = files.index(inst.gold_files[0]) + 1 if inst.gold_files[0] in files else 0
            if args.verbose:
                print(f"{inst.instance_id:40s} gold@{rank or '-':>2} {latencies[-1]*1000:7.0f} ms  {inst.gold_files[0]}", flush=True)
            if out:
                out.write(json.dumps({
                    "instance_id": inst.instance_id, "gold_files": inst.gold_files,
                    "gold_functions": inst.gold_functions, "files": loc.to_json_dict()["files"],
                    "functions": funcs, "baseline_files": b_files,
                }) + "\n")
    finally:
        if out:
            out.close()
        if graph_close:
            graph_close()

    def show(name: str, t: Tally) -> None:
        r = t.row()
        print(f"{name:10s} " + "  ".join(f"{k} {v:5.1f}" for k, v in r.items()))

    print(f"\nsplit={args.split} view={args.view} instances={len(instances)}; Acc@k = every gold item in the top k")
    for g in groups:
        if orch[g].n_files:
            label = {"tune": "tuning rows", "report": "report rows", "test": "Lite test rows, 9 fetchable repos"}[g]
            # Rows without function gold are out of the function figures; say how many and why.
            gaps = ", ".join(f"{n} {why}" for why, n in sorted(orch[g].without_funcs.items()))
            print(f"-- {label}: {orch[g].n_files} instances, function gold for {orch[g].n_funcs}"
                  + (f" (none for {gaps})" if gaps else ""))
            show("orch", orch[g])
            show("bm25", base[g])
    lat = sorted(latencies)
    print(f"localize latency: median {statistics.median(lat)*1000:.0f} ms, p90 {lat[int(0.9*(len(lat)-1))]*1000:.0f} ms, max {lat[-1]*1000:.0f} ms")
    for repo, lats in sorted(by_repo.items()):
        print(f"  {repo:32s} n={len(lats):3d} median {statistics.median(lats)*1000:6.0f} ms  max {max(lats)*1000:6.0f} ms")
    if index_times:
        print(f"index (incremental, per instance): median {statistics.median(index_times):.2f} s, max {max(index_times):.2f} s")
    print(f"wall {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
