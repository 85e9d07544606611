"""What a view writes: for every unit its nodes (rows for `Code`) and anchors, and for every
unit its out-edges as one group keyed by their content. Pure: reads a `ViewGraph`, returns rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph_index.dependencies import TrackingResolver, answers_digest
from graph_index.models import Edge, EdgeKind, Node, NodeKind, is_unresolved
from graph_index.neo4j_backend import fts
from graph_index.neo4j_backend.layout import ViewLayout, group_key
from graph_index.neo4j_backend.nodes import NODE_FIELDS
from graph_index.resolve import symbol_kind
from graph_index.viewgraph import ViewGraph


def file_edges(vg: ViewGraph, path: str) -> list[Edge]:
    """Out-edges of every node of one file (file, module, definitions): the union of
    `vg._out_edges` over them, computed in one pass over the file's refs instead of one pass per
    definition (which is quadratic in big files)."""
    table = vg.tables.table(path)
    assert table is not None
    module_id = vg.tables.module_of[path]
    symbols = table.symbols
    ids = [module_id] + [f"{path}:{s.qualname}" for s in symbols[1:]]
    out = [Edge(path, module_id, EdgeKind.DEFINES)]
    for i in range(1, len(symbols)):
        s = symbols[i]
        out.append(Edge(ids[max(s.parent, 0)], ids[i], EdgeKind.DEFINES, s.start_line))
    out += vg.resolver.file_edges(table, module_id)
    for i in range(1, len(symbols)):
        if symbol_kind(table.language, path, symbols, i) == NodeKind.TEST:
            out += vg._tests_from(ids[i], path, i)
    best: dict[tuple, Edge] = {}
    for e in out:
        key = (e.src, e.dst, e.kind)
        if key not in best or e.line < best[key].line:
            best[key] = e
    return list(best.values())


def sym_columns(sym_row: tuple) -> tuple[str, str, str, str]:
    """Searchable columns of a symbol row, tokenized: name, qualified name, docstring, body terms."""
    _kind, name, qualname, _parent, _start, _end, _sig, doc, _chash, terms = sym_row
    return fts.column_text(name), fts.column_text(qualname), fts.column_text(doc), fts.column_text(terms)


def blob_tokens(syms: list[tuple]) -> int:
    """Tokens over all searchable columns of a file content's symbols (FTS5's document lengths)."""
    return sum(len(c.split()) for s in syms for c in sym_columns(s))


@dataclass
class Plan:
    unit_nodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unit_anchors: dict[str, list[list]] = field(default_factory=dict)
    unit_group: dict[str, int] = field(default_factory=dict)
    groups: dict[int, list[tuple]] = field(default_factory=dict)
    unit_reads: dict[str, tuple[list[tuple], str]] = field(default_factory=dict)
    """unit -> (reads its resolution made, digest of their answers), for units resolved here."""
    n_docs: int = 0
    n_tokens: int = 0

    def anchors(self, units: list[str], groups: dict[int, list[tuple]]) -> list[list]:
        """[key, id, name, kind] of the nodes of `units` and of every endpoint of `groups`
        (endpoints outside `units` exist already, or are unresolved `?name` targets)."""
        seen: dict[str, list] = {}
        for unit in units:
            for row in self.unit_anchors[unit]:
                seen[row[0]] = row
        for edges in groups.values():
            for src, dst, _kind, _line in edges:
                for key in (src, dst):
                    if key not in seen:
                        node_id = key.split("|", 1)[1]
                        seen[key] = [key, node_id, node_id[1:], "unresolved"] if is_unresolved(node_id) else \
                            [key, node_id, "", ""]
        return list(seen.values())

    def view_groups_sorted_str(self) -> list[str]:
        return [str(g) for g in sorted(set(self.unit_group.values()))]


def _row(node: Node, unit: str, repo: str, idx: int, sha: str, sym: tuple | None) -> dict[str, Any]:
    # Not `node.to_dict()`: dataclasses.asdict deep-copies and was a quarter of sympy's materialization.
    props: dict[str, Any] = {f: getattr(node, f) for f in NODE_FIELDS}
    props["kind"] = node.kind.value
    props.update(unit=unit, repo=repo, idx=idx, sha=sha)
    if sym is not None:
        props["sname"], props["squal"] = sym[1], sym[2]
        cols = sym_columns(sym)
        props["t_name"], props["t_qual"], props["t_doc"], props["t_body"] = cols
        props["ntok"] = sum(len(c.split()) for c in cols)
    return {"uid": f"{unit}|{node.id}", "label": str(node.kind).capitalize(), "props": props}


def edge_rows(layout: ViewLayout, edges: list[Edge]) -> list[tuple]:
    """A group's relationship rows: (src anchor, dst anchor, kind, line), sorted."""
    anchor = layout.anchor
    return sorted({(anchor(e.src), anchor(e.dst), str(e.kind), e.line) for e in edges})


def materialize(
    layout: ViewLayout, vg: ViewGraph, facts: dict[str, tuple], write_units: set[str] | None = None,
    blob_ntok: dict[str, int] | None = None, reused: dict[str, int] | None = None,
) -> Plan:
    """Rows for the units in `write_units` (None: all) and every unit's edge group. Files whose
    unit is in `reused` (unit -> group key, from an earlier view whose reads give the same answers
    here) are not resolved: their group exists already. With a `TrackingResolver`, the reads of
    every file resolved here are kept in `plan.unit_reads`."""
    plan = Plan()
    repo = layout.repo
    anchor = layout.anchor
    reused = reused or {}
    resolver = vg.resolver
    file_rows: dict[str, list[tuple] | None] = {}
    for p in sorted(layout.shas):
        unit = layout.unit_of_path[p]
        if unit in reused:
            file_rows[p] = None
        elif isinstance(resolver, TrackingResolver):
            edges, reads = resolver.record(lambda p=p: file_edges(vg, p))
            keys = list(reads)
            plan.unit_reads[unit] = (keys, answers_digest([reads[k] for k in keys]))
            file_rows[p] = edge_rows(layout, edges)
        else:
            file_rows[p] = edge_rows(layout, file_edges(vg, p))

    def add(unit: str, make_nodes, rows: list[tuple] | None = None) -> None:
        nodes: list[tuple[Node, int, str, tuple | None]] | None = None
        if unit in reused:
            plan.unit_group[unit] = reused[unit]
        else:
            if rows is None:
                nodes = make_nodes()
                rows = edge_rows(layout, [e for node, *_ in nodes for e in vg._out_edges(node.id)])
            g = group_key(unit, rows)
            plan.unit_group[unit] = g
            plan.groups[g] = rows
        if write_units is None or unit in write_units:
            nodes = nodes if nodes is not None else make_nodes()
            plan.unit_nodes[unit] = [_row(n, unit, repo, idx, sha, sym) for n, idx, sha, sym in nodes]
            plan.unit_anchors[unit] = [[anchor(n.id), n.id, n.name, str(n.kind)] for n, *_ in nodes]

    add(layout.repo_unit, lambda: [(vg._make_node(("repo",)), -1, "", None)])
    for d in sorted(layout.dirs):
        add(layout.dir_unit(d), lambda d=d: [(vg._make_node(("dir", d)), -1, "", None)])
    seen_shas: set[str] = set()
    for path in sorted(layout.shas):
        sha = layout.shas[path]
        syms = facts[sha][4]
        if sha not in seen_shas:
            seen_shas.add(sha)
            plan.n_docs += len(syms)
            plan.n_tokens += blob_ntok[sha] if blob_ntok and sha in blob_ntok else blob_tokens(syms)

        def file_nodes(path: str = path, sha: str = sha, syms: list = syms) -> list:
            return [(vg._make_node(("file", path)), -1, sha, None),
                    *[(vg._sym_node(path, i), i, sha, syms[i]) for i in range(len(syms))]]

        add(layout.unit_of_path[path], file_nodes, file_rows[path])
    return plan
