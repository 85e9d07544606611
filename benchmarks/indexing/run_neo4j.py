"""Indexing benchmark, Neo4j backend: sympy at the base commit of sympy__sympy-20590 indexed into
Neo4j and into the embedded store in the same run, then three later commits, then query
latencies for both backends.

    NEO4J_URI=bolt://127.0.0.1:7687 .venv/bin/python benchmarks/indexing/run_neo4j.py [--mirror DIR] [--scratch DIR] \
        [--repeats N] [--pieces auto|on|off]

Prints, from one run on one machine (with --repeats N, for each of N runs, each rebuilt first,
with the load average after it, then the medians):
- full index time into Neo4j as a ratio to the embedded store's (target <= 3x);
- a later commit into Neo4j: time and speed-up over the first (target >= 5x), with the embedded
  store's own speed-up on the same pair, for three commits indexed in this order:
  - `next`: the first's successor in history (the merge of the instance's own fix: 2 files);
  - `second`: the base of sympy__sympy-20639, the next sympy instance in batch order, on another
    branch (419 changed files holding 35% of the `.py` bytes): the worst case of the three;
  - `nearby`: the sympy Lite instance whose base differs from the first in the fewest files;
  each with its phase breakdown, how many files were resolved again (the others reuse an earlier
  resolution whose reads answer the same) and what share of the source the changed files hold
  (their edges must be written whatever is reused);
- p50/p95 of symbol lookup, callers, 2-hop neighbours and full-text search (a broad query, a
  narrow one and the first instance's issue text, as localization asks) on both backends
  (target: symbol and callers p50 <= 10 ms over loopback).

The Neo4j backend extracts Python files by pieces and keeps their extraction in a local cache
under --scratch (`graph.piece_cache`, auto: on; --pieces off times it without); the rebuild
empties that cache too, so the first index starts without it. The embedded store runs with its
default (off outside batch runs), as a single `orch index` would.

The Neo4j part of the database for this repository is deleted first (rebuild), and the embedded
store is timed after that and before Neo4j, so the server's clean-up after the deletion does
not share the CPU with the timed indexes. The server first indexes the first commit --warmup
times (default 3; 0 times a cold server) under another repository key (deleted at the end), so
the timed first index does not pay the JVM's JIT warm-up that the later ones escape: a shared
server runs for days, while on a server started just before, sympy's first index took 22.3,
15.0, 12.5, 10.9 and 10.4 s in turn (one warm-up left the timed one at 4.07x the embedded store,
then 2.90x and 2.60x; two left it at 2.84x, 3.03x and 3.12x in three runs, the later ones
2.5-3.0x). NEO4J_URI,
NEO4J_USER and NEO4J_PASSWORD name the server (defaults: bolt://127.0.0.1:7687, neo4j,
orch-test-password); start one with scripts/neo4j/neo4j-server.sh. That script's default JVM
compiles with C1 only, which starts a test server fast but makes its writes ~3x slower; for
figures, run the server as production would, with the full JIT:
ORCH_NEO4J_JAVA_OPTS='-XX:+UseSerialGC' ORCH_NEO4J_HEAP=1536m scripts/neo4j/neo4j-server.sh start.
The repository comes from
the `fetch` tool's bare mirror; a shared clone is made under --scratch, never in the project.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import structlog.testing  # noqa: E402

from benchmarks.indexing.run import DATA, FIRST, SECOND, base_commit, pct  # noqa: E402
from graph_index import GraphSettings, open_graph  # noqa: E402
from graph_index.config import Neo4jSettings  # noqa: E402

QUERIES_ROUNDS = 30


def clone(mirror: Path, dest: Path) -> Path:
    """A shared, checkout-free clone: indexing by commit reads git objects only."""
    if not (dest / ".git").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(mirror), str(dest)], check=True)
    return dest


def nearest_instance(mirror: Path, first: str) -> tuple[str, str, int]:
    """The sympy Lite instance whose base commit differs from `first` in the fewest .py files
    (what batch evaluation indexes next), with that count."""
    best: tuple[int, str, str] | None = None
    for line in DATA.open():
        row = json.loads(line)
        if row["repo"] != "sympy/sympy" or row["base_commit"] == first:
            continue
        out = subprocess.run(["git", "-C", str(mirror), "diff", "--name-only", first, row["base_commit"], "--", "*.py"],
                             capture_output=True, text=True, check=True).stdout.split()
        if best is None or len(out) < best[0]:
            best = (len(out), row["instance_id"], row["base_commit"])
    assert best is not None
    return best[1], best[2], best[0]


def next_commit(mirror: Path, first: str) -> str:
    """The oldest commit whose parents include `first`: what a clone that pulls once indexes
    next (for the benchmark's first commit, the merge of sympy__sympy-20590's own fix)."""
    children = []
    for line in subprocess.run(["git", "-C", str(mirror), "rev-list", "--all", "--parents"], capture_output=True,
                               text=True, check=True).stdout.splitlines():
        sha, *parents = line.split()
        if first in parents:
            children.append(sha)
    assert children, f"no commit follows {first}"
    dated = [(subprocess.run(["git", "-C", str(mirror), "show", "-s", "--format=%ct", c], capture_output=True,
                             text=True, check=True).stdout.strip(), c) for c in children]
    return min(dated)[1]


def changed_share(repo: Path, first: str, second: str) -> tuple[int, int, float]:
    """(.py files of `second` that differ from `first`, .py files of `second`, share of
    `second`'s .py bytes those changed files hold)."""
    def sizes(commit: str) -> dict[str, tuple[str, int]]:
        out = {}
        for line in subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "-l", commit], capture_output=True,
                                   text=True, check=True).stdout.splitlines():
            meta, path = line.split("\t", 1)
            _mode, kind, sha, size = meta.split()
            if kind == "blob" and path.endswith(".py"):
                out[path] = (sha, int(size))
        return out
    a, b = sizes(first), sizes(second)
    changed = [p for p in b if a.get(p, ("",))[0] != b[p][0]]
    return len(changed), len(b), sum(b[p][1] for p in changed) / max(1, sum(v[1] for v in b.values()))


@contextlib.contextmanager
def indexed_events(out: list[dict]):
    """Collect the `indexed` log events (phases, files resolved) of the indexes run inside."""
    with structlog.testing.capture_logs() as logs:
        yield
    out.extend(e for e in logs if e.get("event") == "indexed")


def describe(event: dict) -> str:
    phases = " ".join(f"{k} {v:.2f}" for k, v in event["phases"].items())
    return (f"resolved {event.get('files_resolved', '?')} files, reused {event.get('files_resolution_reused', '?')} "
            f"resolutions ({event.get('reads_checked', '?')} reads checked); wrote {event['units_written']} units, "
            f"{event['groups_written']} edge groups; phases (s): {phases}")


def latencies(fn, rounds: int = QUERIES_ROUNDS) -> tuple[float, float]:
    fn()  # warm caches (driver pool, page cache, lazily loaded tables)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), pct(times, 0.95)


LATER = ("next", "second", "nearby")
"""The commits indexed after the first, in this order (`main`): the first's successor in history,
the benchmark's second commit (the next sympy Lite instance in batch order, on another branch)
and the Lite instance nearest the first."""


def report(times: dict[str, list[float]], pairs: dict[str, str]) -> None:
    """The ratio and speed-ups of one run (the embedded store's own speed-ups alongside)."""
    neo_t = times["neo4j"]
    emb_t = times.get("embedded")
    if emb_t:
        print(f"full index into Neo4j = {neo_t[0] / emb_t[0]:.2f}x the embedded store [target <= 3x]")
    for i, name in enumerate(LATER, start=1):
        emb = f"; the embedded store {emb_t[0] / emb_t[i]:.1f}x" if emb_t else ""
        print(f"{name} commit ({pairs[name]}) into Neo4j: {neo_t[0] / neo_t[i]:.1f}x faster than the first{emb}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror/sympy+sympy/repo"))
    ap.add_argument("--scratch", type=Path, default=Path("/work/scratch/bench-neo4j"))
    ap.add_argument("--skip-embedded", action="store_true", help="only Neo4j (no ratio)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="time both backends this many times in turn (each Neo4j run rebuilt first); prints every run and the medians")
    ap.add_argument("--pieces", choices=("auto", "on", "off"), default="auto",
                    help="graph.piece_cache for the Neo4j backend (auto: on)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed first indexes before the timed ones (0: a cold server)")
    args = ap.parse_args()
    neo = Neo4jSettings(
        uri=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"),
        user=os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", "orch-test-password"),
    )
    c1, c2 = base_commit(FIRST), base_commit(SECOND)
    repo = clone(args.mirror, args.scratch / "sympy")
    emb_settings = GraphSettings(index_dir=args.scratch)
    # The Neo4j backend keeps its piece cache under index_dir (graph.piece_cache auto: on); a
    # rebuild empties it, so the timed first index starts without one.
    neo_settings = GraphSettings(backend="neo4j", neo4j=neo, index_dir=args.scratch, piece_cache=args.pieces)
    print(f"sympy {FIRST} @ {c1[:10]} then {SECOND} @ {c2[:10]}; Neo4j at {neo.uri}")

    near_id, c3, near_files = nearest_instance(args.mirror, c1)
    warm = clone(args.mirror, args.scratch / "sympy-warmup") if args.warmup else None
    for _ in range(args.warmup):
        g = open_graph(neo_settings, warm, rebuild=True)
        started = time.perf_counter()
        g.index(warm, c1)
        g.close()
        print(f"warm-up: the first commit into Neo4j under another repository key took {time.perf_counter() - started:.1f}s")
    c0 = next_commit(args.mirror, c1)
    later = {"next": c0, "second": c2, "nearby": c3}
    pairs = {}
    for name, commit in later.items():
        changed, total, share = changed_share(repo, c1, commit)
        what = {"next": "child of the first", "second": SECOND, "nearby": near_id}[name]
        pairs[name] = f"{what} @ {commit[:10]}: {changed} of {total} .py files differ, {share:.0%} of the .py bytes"
    runs: list[dict[str, list[float]]] = []
    events: list[dict] = []
    for rep in range(args.repeats):
        times: dict[str, list[float]] = {}
        rep_events: list[dict] = []
        open_graph(neo_settings, repo, rebuild=True).close()
        for name, settings in ([] if args.skip_embedded else [("embedded", emb_settings)]) + [("neo4j", neo_settings)]:
            g = open_graph(settings, repo, rebuild=name == "embedded")
            with indexed_events(rep_events) if name == "neo4j" else contextlib.nullcontext():
                stats = [g.index(repo, c) for c in (c1, *later.values())]
            g.close()
            times[name] = [s.seconds for s in stats]
            first = stats[0]
            print(f"{name:<9} first {first.seconds:7.2f}s ({first.files_parsed} parsed, {first.nodes} nodes, "
                  f"{first.edges} edges) | " + " | ".join(
                      f"{label} {s.seconds:6.2f}s ({s.files_parsed} parsed)" for label, s in zip(LATER, stats[1:], strict=True)))
        runs.append(times)
        events = rep_events
        report(times, pairs)
        if len(events) == 4:
            for label, event in zip(("first", *LATER), events, strict=True):
                print(f"  neo4j {label:<6} {describe(event)}")
        print(f"  (run {rep + 1} of {args.repeats}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})",
              flush=True)
    if len(runs) > 1:
        speedups = ", ".join(f"{name} commit {statistics.median(r['neo4j'][0] / r['neo4j'][i] for r in runs):.1f}x"
                             for i, name in enumerate(LATER, start=1))
        ratio = (f"full index into Neo4j = {statistics.median(r['neo4j'][0] / r['embedded'][0] for r in runs):.2f}x "
                 "the embedded store; " if not args.skip_embedded else "")
        print(f"median of {len(runs)} runs: {ratio}faster than the first: {speedups}")

    issue = next(json.loads(line)["problem_statement"] for line in DATA.open() if json.loads(line)["instance_id"] == FIRST)
    queries = {
        "symbol lookup": lambda g: g.symbol("Basic.atoms"),
        "callers": lambda g: g.callers("sympy/core/basic.py:Basic.atoms"),
        "neighbors(2)": lambda g: g.neighbors("sympy/core/symbol.py:Symbol.__new__", depth=2),
        "search": lambda g: g.search("matrix determinant simplification of symbolic expressions", 10),
        "search narrow": lambda g: g.search("Basic.atoms", 10),
        # What localization asks: the first instance's whole issue text (59 terms).
        "search issue": lambda g: g.search(issue, 50),
    }
    backends = [("embedded", emb_settings)] if not args.skip_embedded else []
    backends.append(("neo4j", neo_settings))
    print(f"query latencies on the first commit's view, {QUERIES_ROUNDS} rounds (ms):")
    for name, settings in backends:
        g = open_graph(settings, repo, c1)
        for label, fn in queries.items():
            p50, p95 = latencies(lambda fn=fn, g=g: fn(g))
            print(f"  {name:<9} {label:<14} p50 {p50:8.2f}   p95 {p95:8.2f}")
        g.close()
    if warm is not None:
        open_graph(neo_settings, warm, rebuild=True).close()


if __name__ == "__main__":
    main()
