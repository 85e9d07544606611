"""What a view writes: for every unit its nodes (rows for `Code`) and anchors, and for every
unit its out-edges as one group keyed by their content. Pure: reads a `ViewGraph`, returns rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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


SEARCH_COLUMNS = ("t_name", "t_qual", "t_doc", "t_body")
"""`Blob` properties holding one searchable column of each of its symbols, tokenized, one line
per symbol (`COLUMN_SEPARATOR`): name, qualified name, docstring, body identifiers."""
COLUMN_SEPARATOR = "\n"
"""Between the symbols' stored columns (tokens never hold it). One string per column rather than
a list of strings: sympy's replayed `Blob` writes ~0.45-0.55 s of server CPU instead of
~0.55-1.1 s, and searches split it back at no measurable cost."""


def _sym_tokens(sym_row: tuple) -> tuple[list[str], list[str], list[str], list[str]]:
    _kind, name, qualname, _parent, _start, _end, _sig, doc, _chash, terms = sym_row
    tokenize = fts.tokenize
    return tokenize(name), tokenize(qualname), tokenize(doc), tokenize(terms)


def search_props(syms: list[tuple]) -> tuple[dict[str, Any], int]:
    """A file content's searchable columns as `Blob` properties, and their token count.

    Each column holds one stored text (`fts.stored_column`) per symbol, one line each; `ntoks` holds
    each symbol's token count (its document length) and `t_set`, for Lucene, the distinct tokens
    of the whole content, one space apart: Lucene finds candidate contents, the searching process
    counts phrase instances in their symbols' columns. One Lucene document per content instead of one
    per definition, and no columns on the `Code` nodes: see `schema.FULLTEXT_INDEX`."""
    if not syms:
        return {}, 0
    column = fts.stored_column
    names: list[str] = []
    quals: list[str] = []
    docs: list[str] = []
    bodies: list[str] = []
    ntoks: list[int] = []
    vocab: set[str] = set()
    for s in syms:
        a, b, c, d = _sym_tokens(s)
        names.append(column(a))
        quals.append(column(b))
        docs.append(column(c))
        bodies.append(column(d))
        ntoks.append(len(a) + len(b) + len(c) + len(d))
        vocab.update(a, b, c, d)
    join = COLUMN_SEPARATOR.join
    props: dict[str, Any] = dict(zip(SEARCH_COLUMNS, map(join, (names, quals, docs, bodies)), strict=True))
    props["ntoks"] = ntoks
    if vocab:
        props["t_set"] = " ".join(sorted(vocab))
    return props, sum(ntoks)


def blob_tokens(syms: list[tuple]) -> int:
    """Tokens over all searchable columns of a file content's symbols (FTS5's document lengths)."""
    return sum(sum(map(len, _sym_tokens(s))) for s in syms)


@dataclass
class Plan:
    unit_group: dict[str, int] = field(default_factory=dict)
    groups: dict[int, list[tuple]] = field(default_factory=dict)
    unit_reads: dict[str, tuple[list[tuple], str]] = field(default_factory=dict)
    """unit -> (reads its resolution made, digest of their answers), for units resolved here."""

    def view_groups_sorted_str(self) -> list[str]:
        return [str(g) for g in sorted(set(self.unit_group.values()))]


def endpoint_anchors(groups: dict[int, list[tuple]], known: set[str] | dict[str, str]) -> list[list]:
    """[key, id, name, kind] of the endpoints of `groups` not in `known` (they are nodes of units
    written earlier, or unresolved `?name` targets)."""
    seen: dict[str, list] = {}
    for edges in groups.values():
        for src, dst, _kind, _line in edges:
            for key in (src, dst):
                if key not in seen and key not in known:
                    node_id = key.split("|", 1)[1]
                    seen[key] = [key, node_id, node_id[1:], "unresolved"] if is_unresolved(node_id) else \
                        [key, node_id, "", ""]
    return list(seen.values())


def _row(node: Node, unit: str, repo: str, sha: str) -> dict[str, Any]:
    """The `Code` row of a repository, directory or file (definitions have none: their nodes are
    built from their content's `Blob`, see `nodesource`)."""
    # Not `node.to_dict()`: dataclasses.asdict deep-copies.
    props: dict[str, Any] = {f: getattr(node, f) for f in NODE_FIELDS}
    props["kind"] = node.kind.value
    props.update(uid=f"{unit}|{node.id}", unit=unit, repo=repo, sha=sha)
    return {"label": str(node.kind).capitalize(), "props": props}


def edge_rows(layout: ViewLayout, edges: list[Edge]) -> list[tuple]:
    """A group's relationship rows: (src anchor, dst anchor, kind, line), sorted."""
    anchor = layout.anchor
    return sorted({(anchor(e.src), anchor(e.dst), str(e.kind), e.line) for e in edges})


def unit_contents(layout: ViewLayout) -> dict[str, tuple[str, ...]]:
    """unit -> what it holds: ("repo",), ("dir", d) or ("file", path)."""
    out: dict[str, tuple[str, ...]] = {layout.repo_unit: ("repo",)}
    for d in layout.dirs:
        out[layout.dir_unit(d)] = ("dir", d)
    for path, unit in layout.unit_of_path.items():
        out[unit] = ("file", path)
    return out


def unit_rows(
    layout: ViewLayout, vg: ViewGraph, facts: dict[str, tuple], units: Iterable[str],
    what: dict[str, tuple[str, ...]] | None = None,
) -> Iterator[tuple[str, list[dict[str, Any]], list[list]]]:
    """(unit, `Code` rows ({label, props}), anchors ([key, id, name, kind])) of each of `units`:
    one `Code` node per unit (the repository, a directory, a file), an anchor per node (a file's
    module and definitions too). They need no resolution, so they can be written while edges are
    resolved. `what` is `unit_contents(layout)`, when the caller has it."""
    what = what if what is not None else unit_contents(layout)
    repo = layout.repo
    anchor = layout.anchor
    for unit in units:
        loc = what[unit]
        node = vg._make_node(loc)
        sha = layout.shas[loc[1]] if loc[0] == "file" else ""
        rows = [_row(node, unit, repo, sha)]
        anchors = [[anchor(node.id), node.id, node.name, str(node.kind)]]
        if loc[0] == "file":
            anchors += _definition_anchors(vg, loc[1], anchor)
        yield unit, rows, anchors


def _definition_anchors(vg: ViewGraph, path: str, anchor: Callable[[str], str]) -> list[list]:
    """[key, id, name, kind] of a file's module and definitions: the id, name and kind
    `ViewGraph._sym_node` gives them, without building whole nodes (~0.3 s of sympy's first index,
    on the thread that then resolves)."""
    table = vg.tables.symbols(path)
    assert table is not None
    module_id = vg.tables.module_of[path]
    symbols, language = table.symbols, table.language
    out = [[anchor(module_id), module_id, module_id.rsplit(".", 1)[-1], NodeKind.MODULE.value]] if symbols else []
    for i in range(1, len(symbols)):
        s = symbols[i]
        node_id = f"{path}:{s.qualname}"
        out.append([anchor(node_id), node_id, s.name, symbol_kind(language, path, symbols, i).value])
    return out


def corpus_stats(layout: ViewLayout, facts: dict[str, tuple], blob_ntok: dict[str, int]) -> tuple[int, int]:
    """(documents, tokens) of the view's distinct file contents, as FTS5 counts them."""
    n_docs = n_tokens = 0
    for sha in set(layout.shas.values()):
        syms = facts[sha][4]
        n_docs += len(syms)
        n_tokens += blob_ntok[sha] if sha in blob_ntok else blob_tokens(syms)
    return n_docs, n_tokens


def materialize(
    layout: ViewLayout, vg: ViewGraph, reused: dict[str, int] | None = None,
    on_group: Callable[[int, list[tuple]], None] | None = None,
) -> Plan:
    """Every unit's edge group. Files whose unit is in `reused` (unit -> group key, from an
    earlier view whose reads give the same answers here) are not resolved: their group exists
    already. With a `TrackingResolver`, the reads of every file resolved here are kept in
    `plan.unit_reads`. `on_group(key, rows)` sees each group resolved here as soon as it is."""
    plan = Plan()
    reused = reused or {}
    resolver = vg.resolver

    def add(unit: str, rows: list[tuple]) -> None:
        g = group_key(unit, rows)
        plan.unit_group[unit] = g
        plan.groups[g] = rows
        if on_group is not None:
            on_group(g, rows)

    # Files first, in path order, as the embedded store's lazy resolution would meet them.
    order = [(layout.unit_of_path[p], ("file", p)) for p in sorted(layout.shas)]
    order.append((layout.repo_unit, ("repo",)))
    order += [(layout.dir_unit(d), ("dir", d)) for d in sorted(layout.dirs)]
    for unit, loc in order:
        if unit in reused:
            plan.unit_group[unit] = reused[unit]
        elif loc[0] != "file":
            node = vg._make_node(loc)
            add(unit, edge_rows(layout, vg._out_edges(node.id)))
        elif isinstance(resolver, TrackingResolver):
            edges, reads = resolver.record(lambda p=loc[1]: file_edges(vg, p))
            keys = list(reads)
            plan.unit_reads[unit] = (keys, answers_digest([reads[k] for k in keys]))
            add(unit, edge_rows(layout, edges))
        else:
            add(unit, edge_rows(layout, file_edges(vg, loc[1])))
    return plan
