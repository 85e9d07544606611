"""What a second commit must write into a shared graph, now and with definition-level units.

    .venv/bin/python benchmarks/indexing/definition_sharing.py [--mirror DIR] [--scratch DIR] \
        [--first INSTANCE] [--second INSTANCE]

The Neo4j backend shares a file's out-edges between commits only when the file's content is the
same (edge groups are keyed by file content, edge lines are absolute), so a second commit writes
every relationship of every changed file. (It writes no node per definition any more: nodes are
built from each content's `Blob` when read; the node counts below are what node-level keying
shared before that.) This resolves both views (as
the backend does, `view_graph` and `units.file_edges`) and counts, over the files whose content
changed, what each keying would share with the first commit:
- nodes equal as stored now (lines included), and equal but for their lines (what units of one
  definition, with lines kept per file version, would share);
- edges equal with absolute lines, equal with lines relative to their source definition, and
  edges in per-definition groups (a definition's out-edges, relative lines) equal as a whole,
  which is what groups keyed by their content would not write again.

Defaults: sympy, the benchmark's first and second commits (sympy__sympy-20590, -20639). The
repository comes from the `fetch` tool's bare mirror; a shared clone is made under --scratch.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.indexing.run import FIRST, SECOND, base_commit  # noqa: E402
from graph_index.indexer import list_view, parse_files  # noqa: E402
from graph_index.models import Edge, Node  # noqa: E402
from graph_index.neo4j_backend.indexing import view_graph  # noqa: E402
from graph_index.neo4j_backend.layout import ViewLayout  # noqa: E402
from graph_index.neo4j_backend.units import file_edges  # noqa: E402
from graph_index.viewgraph import ViewGraph  # noqa: E402


@dataclasses.dataclass
class View:
    layout: ViewLayout
    graph: ViewGraph
    facts: dict[str, tuple]

    def nodes(self, path: str) -> dict[str, Node]:
        """The definitions (and module) of one file, by id."""
        count = len(self.facts[self.layout.shas[path]][4])
        return {n.id: n for n in (self.graph._sym_node(path, i) for i in range(count))}


def resolve_view(repo: Path, commit: str) -> View:
    listing, read = list_view(repo, commit)
    facts: dict[str, tuple] = {}
    for parsed in parse_files(read(listing.files), len(listing.files)):
        if parsed is not None:
            sha, *rest = parsed
            facts[sha] = tuple(rest)
    layout = ViewLayout("bench", repo.name, {f.path: f.sha for f in listing.files if f.sha in facts})
    return View(layout, view_graph(repo.name, layout, facts), facts)


def relative(edges: Iterable[Edge], starts: dict[str, int], module_id: str) -> set[tuple]:
    """Edges with lines relative to their source definition (the module's stay absolute)."""
    return {(e.src, e.dst, str(e.kind), e.line - starts[e.src] if e.src in starts and e.src != module_id else e.line)
            for e in edges}


def without_lines(node: Node) -> dict:
    d = dataclasses.asdict(node)
    del d["start_line"], d["end_line"]
    return d


def compare(a: View, b: View) -> dict[str, int]:
    out = dict.fromkeys(("files", "nodes", "nodes_same", "nodes_same_but_lines", "edges", "edges_same",
                         "edges_same_relative", "edges_in_same_groups"), 0)
    for path, sha in sorted(b.layout.shas.items()):
        if a.layout.shas.get(path) in (None, sha):
            continue
        out["files"] += 1
        old, new = a.nodes(path), b.nodes(path)
        for node_id, node in new.items():
            out["nodes"] += 1
            was = old.get(node_id)
            if was is not None:
                out["nodes_same"] += was == node
                out["nodes_same_but_lines"] += without_lines(was) == without_lines(node)
        module_id = b.layout.tables.module_of[path]
        old_edges, new_edges = file_edges(a.graph, path), file_edges(b.graph, path)
        out["edges"] += len(new_edges)
        absolute = {(e.src, e.dst, str(e.kind), e.line) for e in old_edges}
        out["edges_same"] += sum((e.src, e.dst, str(e.kind), e.line) in absolute for e in new_edges)
        old_rel = relative(old_edges, {i: n.start_line for i, n in old.items()}, module_id)
        new_rel = relative(new_edges, {i: n.start_line for i, n in new.items()}, module_id)
        out["edges_same_relative"] += len(new_rel & old_rel)
        groups_old: dict[str, set[tuple]] = {}
        groups_new: dict[str, set[tuple]] = {}
        for groups, edges in ((groups_old, old_rel), (groups_new, new_rel)):
            for e in edges:
                groups.setdefault(e[0], set()).add(e)
        out["edges_in_same_groups"] += sum(len(g) for src, g in groups_new.items() if groups_old.get(src) == g)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror/sympy+sympy/repo"))
    ap.add_argument("--scratch", type=Path, default=Path("/work/scratch/bench-sharing"))
    ap.add_argument("--first", default=FIRST)
    ap.add_argument("--second", default=SECOND)
    args = ap.parse_args()
    repo = args.scratch / "repo"
    if not (repo / ".git").exists():
        repo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(args.mirror), str(repo)], check=True)
    c1, c2 = base_commit(args.first), base_commit(args.second)
    n = compare(resolve_view(repo, c1), resolve_view(repo, c2))

    def share(key: str, of: str) -> str:
        return f"{n[key]} ({n[key] / max(1, n[of]):.0%})"

    print(f"{args.first} @ {c1[:10]} -> {args.second} @ {c2[:10]}: {n['files']} files changed")
    print(f"nodes of the changed files: {n['nodes']}; equal as stored now {share('nodes_same', 'nodes')}, "
          f"equal but for their lines {share('nodes_same_but_lines', 'nodes')}")
    print(f"edges of the changed files: {n['edges']}; equal with absolute lines {share('edges_same', 'edges')}, "
          f"with lines relative to their source {share('edges_same_relative', 'edges')}, "
          f"in per-definition groups equal as a whole {share('edges_in_same_groups', 'edges')}")
    print(f"a second commit writes now: {n['nodes']} nodes, {n['edges']} relationships; with definition-level "
          f"units: {n['nodes'] - n['nodes_same_but_lines']} nodes, {n['edges'] - n['edges_in_same_groups']} relationships")


if __name__ == "__main__":
    main()
