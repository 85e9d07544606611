"""`CodeGraph` on Neo4j: the materialized graph of every indexed view, shared by many workers.

Indexing parses only file contents the database lacks (facts are kept per content in `Blob`
nodes), resolves the view with the same shared logic as the embedded store
(`graph_index.viewgraph`), and writes only units (file contents at a path) and edge groups that
no earlier view wrote. Queries run in Cypher against the view's units and groups; traversal
order, tie-breaking and rendering reuse the shared pure modules, so answers equal the embedded
backend's.
"""

from __future__ import annotations

import contextlib
import marshal
import time
import uuid
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import structlog
from neo4j import unit_of_work

from graph_index.config import GraphSettings
from graph_index.embedded import default_index_path, query_terms
from graph_index.errors import GraphStoreError, NodeNotFoundError, NotIndexedError
from graph_index.indexer import list_view, parse_files
from graph_index.models import (
    Edge,
    EdgeKind,
    IndexStats,
    Node,
    NodeKind,
    RepoMap,
    SearchHit,
    Subgraph,
    is_unresolved,
)
from graph_index.neo4j_backend import fts
from graph_index.neo4j_backend.connection import Connection
from graph_index.neo4j_backend.layout import ViewLayout, digest
from graph_index.neo4j_backend.readonly import check_read_only
from graph_index.neo4j_backend.schema import FULLTEXT_INDEX, ensure_schema
from graph_index.neo4j_backend.units import blob_tokens, materialize
from graph_index.neo4j_backend.writer import Writer
from graph_index.parsing.facts import Ref, Symbol
from graph_index.paths import shortest_paths
from graph_index.ranking import pagerank
from graph_index.render import render_repo_map, render_skeleton
from graph_index.resolve import FileTable
from graph_index.sources import resolve_commit
from graph_index.viewgraph import ViewGraph

log = structlog.get_logger(__name__)

CYPHER_ROW_LIMIT = 1000
CYPHER_TIMEOUT_S = 10.0
_RANK_WEIGHTS = {"CALLS": 1.0, "INHERITS": 1.0, "IMPORTS": 0.5, "REFERENCES": 0.5}
_NODE_FIELDS = ("id", "kind", "name", "qualname", "path", "start_line", "end_line", "signature",
                "docstring", "content_hash", "language", "parent")
_RETURN_NODE = "n {" + ", ".join("." + f for f in _NODE_FIELDS) + "}"


def repo_key(repo: Path) -> str:
    """The same identity the embedded store names its file by: clones of one origin share it."""
    return default_index_path(GraphSettings(index_dir=Path("/")), repo).stem


def _node(props: dict[str, Any]) -> Node:
    return Node(
        props["id"], NodeKind(props["kind"]), props["name"], props["qualname"], props["path"],
        props["start_line"], props["end_line"], props["signature"], props["docstring"],
        props["content_hash"], props["language"], props["parent"],
    )


def pack_facts(row: tuple) -> bytes:
    _sha, _language, _errors, _lines, _package, syms, refs = row
    return zlib.compress(marshal.dumps((syms, refs)), 1)


class _Bound:
    """The current view: its layout and the groups whose relationships belong to it."""

    def __init__(self, key: str, layout: ViewLayout, unit_group: dict[str, int]) -> None:
        self.key = key
        self.layout = layout
        self.unit_group = unit_group
        self.groups = sorted(set(unit_group.values()))
        self.units = set(layout.units())
        self.path_of_unit = {u: p for p, u in layout.unit_of_path.items()}


class Neo4jGraph:
    """`CodeGraph` backed by a Neo4j server; one instance per repository and view."""

    def __init__(self, conn: Connection, repo_path: Path, workers: int | None = None) -> None:
        self.conn = conn
        self.repo_path = repo_path
        self.repo = repo_key(repo_path)
        self.writer = Writer(conn, self.repo)
        self.workers = workers
        self._bound: _Bound | None = None
        self._commit: str | None = None

    @classmethod
    def open(
        cls, settings: GraphSettings, repo_path: Path | str, commit: str | None = None, *, rebuild: bool = False
    ) -> Neo4jGraph:
        """Connect, set the schema up if needed, and bind the view of `commit` (or the latest)."""
        repo = Path(repo_path).resolve()
        conn = Connection(settings.neo4j)
        try:
            ensure_schema(conn.schema)
            graph = cls(conn, repo)
            if rebuild:
                graph.writer.delete_repo()
            if commit is not None:
                sha = resolve_commit(repo, commit)
                if not graph._bind_commit(sha):
                    graph._commit = sha
            else:
                rows = conn.values(
                    "MATCH (c:Commit {repo: $repo}) RETURN c.key, c.commit ORDER BY c.indexed_at DESC LIMIT 1",
                    repo=graph.repo,
                )
                if rows:
                    graph._bind_commit(rows[0][0].split("|", 1)[1])
        except BaseException:
            conn.close()
            raise
        return graph

    @property
    def index_path(self) -> str:
        """Where the graph lives: the server, database and repository key."""
        return f"{self.conn.uri}/{self.conn.database}#{self.repo}"

    @property
    def commit(self) -> str | None:
        return self._commit

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Neo4jGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _bind_commit(self, key: str) -> bool:
        rows = self.conn.rows(
            "MATCH (c:Commit {key: $key}) MATCH (v:View {key: c.view}) RETURN c.commit AS commit, v {.*} AS v",
            key=f"{self.repo}|{key}",
        )
        if not rows:
            return False
        v = rows[0]["v"]
        layout = ViewLayout(self.repo, self.repo_path.name, dict(zip(v["paths"], v["shas"], strict=True)))
        self._bound = _Bound(v["key"], layout, dict(zip(v["group_units"], v["groups"], strict=True)))
        self._commit = rows[0]["commit"]
        return True

    @property
    def view(self) -> _Bound:
        if self._bound is None:
            what = f"commit {self._commit}" if self._commit else str(self.repo_path)
            raise NotIndexedError(
                f"{what} is not indexed yet; run orch index --graph neo4j {self.repo_path} (Neo4j at {self.conn.uri})"
            )
        return self._bound

    # -- indexing -------------------------------------------------------------------------------
    def index(self, repo_path: Path | str | None = None, commit: str | None = None) -> IndexStats:
        """Index the repository at `commit` (None: the working tree); write only what is new."""
        started = time.perf_counter()
        repo = Path(repo_path).resolve() if repo_path is not None else self.repo_path
        if repo != self.repo_path:
            self.repo_path, self.repo = repo, repo_key(repo)
            self.writer = Writer(self.conn, self.repo)
        listing, read = list_view(repo, commit)
        unique: dict[str, Any] = {}
        for f in listing.files:
            unique.setdefault(f.sha, f)
        w = self.writer
        phases: dict[str, float] = {}
        mark = time.perf_counter()

        def phase(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            phases[name] = round(now - mark, 2)
            mark = now

        blob_keys = {sha: f"{self.repo}|{sha}" for sha in unique}
        known = set(w.existing("Blob", blob_keys.values()))
        new = [f for sha, f in unique.items() if blob_keys[sha] not in known]
        facts: dict[str, tuple] = {}
        ntok: dict[str, int] = {}
        binary = 0
        blob_rows: list[dict[str, Any]] = []
        for row in parse_files(read(new), len(new), self.workers):  # type: ignore[arg-type]
            if row is None:
                binary += 1
                continue
            sha, language, errors, lines, package, syms, refs = row
            facts[sha] = (language, errors, lines, package, syms, refs)
            blob_rows.append({"key": blob_keys[sha], "props": {
                "repo": self.repo, "sha": sha, "language": language, "errors": errors, "lines": lines,
                "package": package, "n_syms": len(syms), "n_refs": len(refs), "ntok": ntok.setdefault(sha, blob_tokens(syms)),
                "facts": pack_facts(row)}})
        phase("parse")
        w.put_blobs(blob_rows)
        phase("write_blobs")
        stored = w.blob_facts([blob_keys[sha] for sha in unique if sha not in facts])
        for sha in unique:
            got = stored.get(blob_keys[sha])
            if got is not None:
                syms, refs = marshal.loads(zlib.decompress(got[6]))
                facts[sha] = (got[0], got[1], got[2], got[3], syms, refs)
                ntok[sha] = got[7]
        phase("read_facts")
        files = [f for f in listing.files if f.sha in facts]
        skipped = listing.skipped + len(listing.files) - len(files)
        layout = ViewLayout(self.repo, repo.name, {f.path: f.sha for f in files})
        vg = self._view_graph(layout, facts)
        done_units = w.existing("Unit", layout.units(), "done")
        todo = [u for u in layout.units() if done_units.get(u) is not True]
        plan = materialize(layout, vg, facts, set(todo), ntok)
        phase("resolve")
        me = uuid.uuid4().hex
        try:
            units = w.claim("Unit", todo, me)
            w.put_units(units, [n for u in todo for n in plan.unit_nodes[u]])
            phase("write_units")
            done_groups = w.existing("Group", plan.groups, "done")
            todo_groups = {g: edges for g, edges in plan.groups.items() if done_groups.get(g) is not True}
            ids = w.put_anchors(plan.anchors(todo, todo_groups))
            w.finish("Unit", units.mine)
            phase("write_anchors")
            groups = w.claim("Group", list(todo_groups), me)
            w.put_groups(groups, todo_groups, ids)
            w.finish("Group", groups.mine)
            # Units and groups another indexer of this repository is writing right now: wait,
            # and write them here if that indexer dies.
            while units.pending or groups.pending:
                units = w.wait("Unit", units.pending, me)
                if units.mine:
                    w.put_units(units, [n for u in units.mine for n in plan.unit_nodes[u]])
                    w.finish("Unit", units.mine)
                groups = w.wait("Group", groups.pending, me)
                if groups.mine:
                    w.put_groups(groups, todo_groups, ids)
                    w.finish("Group", groups.mine)
        except BaseException:
            with contextlib.suppress(Exception):
                w.release()
            raise
        phase("write_groups")
        view_key = digest(self.repo, repo.name, *plan.view_groups_sorted_str())
        n_syms = sum(len(facts[f.sha][4]) for f in files)
        n_refs = sum(len(facts[f.sha][5]) for f in files)
        errors = sum(facts[f.sha][1] for f in files)
        w.put_view(view_key, {
            "paths": [f.path for f in files], "shas": [f.sha for f in files],
            "group_units": sorted(plan.unit_group), "groups": [plan.unit_group[u] for u in sorted(plan.unit_group)],
            "n_docs": plan.n_docs, "n_tokens": plan.n_tokens,
        })
        key = listing.commit or f"worktree:{repo}"
        w.put_commit(f"{self.repo}|{key}", {
            "view": view_key, "commit": listing.commit, "path": str(repo), "indexed_at": time.time(),
            "skipped": skipped,
        })
        self._bound = _Bound(view_key, layout, dict(plan.unit_group))
        self._commit = listing.commit
        n_dirs = len(vg.dirs)
        stats = IndexStats(
            repo=str(repo), commit=listing.commit, index_path=self.index_path,
            files_total=len(files), files_parsed=len(new) - binary, files_reused=len(listing.files) - len(new),
            files_skipped=skipped, files_with_errors=errors,
            nodes=1 + n_dirs + len(files) + n_syms, edges=n_dirs + len(files) + n_syms + n_refs,
            seconds=round(time.perf_counter() - started, 3),
        )
        log.info("indexed", backend="neo4j", units_written=len(todo), groups_written=len(todo_groups),
                 phases=phases,
                 **{k: v for k, v in stats.to_dict().items() if k != "repo"})
        return stats

    def _view_graph(self, layout: ViewLayout, facts: dict[str, tuple]) -> ViewGraph:
        shas = layout.shas

        def load(path: str) -> FileTable | None:
            sha = shas.get(path)
            if sha is None:
                return None
            language, _errors, _lines, package, syms, refs = facts[sha]
            return FileTable(path, language, [Symbol(*r) for r in syms], [Ref(*r) for r in refs], package)

        return ViewGraph(self.repo_path.name, {p: facts[s][0] for p, s in shas.items()}, load,
                         sha_of=lambda p: shas.get(p, ""))

    def delete_commit(self, commit: str | None) -> None:
        """Forget one indexed commit (None: this repository's working tree); units, groups and
        blobs no other view of the repository uses are deleted, every other view stays intact."""
        key = resolve_commit(self.repo_path, commit) if commit else f"worktree:{self.repo_path}"
        self.conn.execute("MATCH (c:Commit {key: $key}) DELETE c", key=f"{self.repo}|{key}")
        views = self.conn.rows(
            "MATCH (v:View {repo: $repo}) OPTIONAL MATCH (c:Commit {repo: $repo, view: v.key}) "
            "RETURN v.key AS key, v.paths AS paths, v.shas AS shas, v.groups AS groups, count(c) AS uses",
            repo=self.repo,
        )
        keep_units: set[str] = set()
        keep_groups: set[int] = set()
        keep_blobs: set[str] = set()
        dead_views = []
        for v in views:
            if v["uses"] == 0:
                dead_views.append(v["key"])
                continue
            layout = ViewLayout(self.repo, self.repo_path.name, dict(zip(v["paths"], v["shas"], strict=True)))
            keep_units.update(layout.units())
            keep_groups.update(v["groups"])
            keep_blobs.update(f"{self.repo}|{s}" for s in v["shas"])
        w = self.writer
        units = [r[0] for r in self.conn.values("MATCH (u:Unit {repo: $repo}) RETURN u.key", repo=self.repo)]
        groups = [r[0] for r in self.conn.values("MATCH (x:Group {repo: $repo}) RETURN x.key", repo=self.repo)]
        blobs = [r[0] for r in self.conn.values("MATCH (b:Blob {repo: $repo}) RETURN b.key", repo=self.repo)]
        dead_groups = [g for g in groups if g not in keep_groups]
        w.delete_relationships(dead_groups)
        w.delete_nodes("Group", "key", dead_groups)
        dead_units = [u for u in units if u not in keep_units]
        w.delete_nodes("Code", "unit", dead_units)
        w.delete_nodes("Unit", "key", dead_units)
        w.delete_nodes("Blob", "key", [b for b in blobs if b not in keep_blobs])
        w.delete_nodes("View", "key", dead_views)
        # Anchors nothing points at or from any more (their ids left every remaining view).
        while True:
            n = self.conn.write(lambda tx: tx.run(
                "MATCH (s:Sym {repo: $repo}) WHERE NOT (s)--() WITH s LIMIT 10000 DELETE s RETURN count(*)",
                repo=self.repo).single()[0])
            if n < 10000:
                break
        if self._bound is not None and self._bound.key in dead_views:
            self._bound = None

    # -- nodes ----------------------------------------------------------------------------------
    def files(self) -> list[str]:
        return sorted(self.view.layout.shas)

    def _nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """id -> node for the ids this view holds (one query)."""
        layout = self.view.layout
        uids = {}
        for i in ids:
            uid = layout.uid(i)
            if uid is not None:
                uids[uid] = i
        if not uids:
            return {}
        rows = self.conn.rows(f"UNWIND $uids AS u MATCH (n:Code {{uid: u}}) RETURN {_RETURN_NODE} AS n",
                              uids=list(uids))
        return {r["n"]["id"]: _node(r["n"]) for r in rows}

    def node(self, node_id: str) -> Node | None:
        return self._nodes([node_id]).get(node_id)

    def _require(self, node_id: str) -> bool:
        """True when the node exists; False for an unresolved `?name`; raises otherwise."""
        if is_unresolved(node_id):
            return False
        if self.node(node_id) is None:
            raise NodeNotFoundError(f"no node {node_id!r} in the index of {self.repo_path.name}")
        return True

    def _find(self, prop: str, value: str, limit: int = 200) -> list[Node]:
        rows = self.conn.rows(
            f"MATCH (n:Code {{{prop}: $v}}) WHERE n.repo = $repo RETURN n.unit AS unit, n.idx AS idx, "
            f"{_RETURN_NODE} AS n",
            v=value, repo=self.repo,
        )
        units = self.view.units
        hits = sorted((r["n"]["path"], r["idx"], r["n"]) for r in rows if r["unit"] in units)
        return [_node(n) for _, _, n in hits[:limit]]

    def symbol(self, name_or_id: str) -> list[Node]:
        """Exact id, else qualified name, else dotted module path, else bare name matches."""
        exact = self.node(name_or_id)
        if exact is not None:
            return [exact]
        hits = self._find("squal", name_or_id)
        if not hits and "." in name_or_id:
            parts = name_or_id.split(".")
            path_of = self.view.layout.tables.path_of
            for cut in range(len(parts) - 1, 0, -1):
                path = path_of.get(".".join(parts[:cut]))
                if path is not None:
                    found = self.node(f"{path}:{'.'.join(parts[cut:])}")
                    hits = [found] if found is not None else []
                    break
        if not hits:
            hits = self._find("sname", name_or_id)
        return hits

    # -- search ---------------------------------------------------------------------------------
    def search(self, text: str, k: int = 10) -> list[SearchHit]:
        """BM25 over names (x10), qualified names (x4), docstrings (x2) and body identifiers;
        Lucene finds the candidates, the shared scorer (`fts.bm25`) ranks them."""
        terms = query_terms(text)
        if not terms or k <= 0:
            return []
        phrases = [fts.tokenize(t) for t in terms]
        clauses = {(p[0] if len(p) == 1 else '"' + " ".join(p) + '"') for p in phrases if p}
        if not clauses:
            return []
        view = self.view
        live = [i for i, p in enumerate(phrases) if p]
        # One row back: the server counts each phrase's instances per column (the per-record
        # cost of the driver would otherwise dominate on thousands of candidates).
        result = self.conn.values(
            "CALL () { MATCH (b:Blob {repo: $repo}) RETURN sum(b.n_syms) AS n_docs, sum(b.ntok) AS n_tokens } "
            "CALL db.index.fulltext.queryNodes($index, $q, {limit: 100000000}) YIELD node AS n "
            "WHERE n.repo = $repo "
            # One document per file content and definition, however many commits hold it.
            "WITH n_docs, n_tokens, n.sha AS sha, n.idx AS idx, collect(n.unit) AS units, head(collect(n)) AS n "
            "WITH n_docs, n_tokens, sha, idx, units, n, ' ' + n.t_name + ' ' AS c0, ' ' + n.t_qual + ' ' AS c1, "
            "' ' + n.t_doc + ' ' AS c2, ' ' + n.t_body + ' ' AS c3 "
            "RETURN n_docs, n_tokens, collect([units, sha, idx, n.ntok, [p IN $patterns | "
            "$w[0] * (size(split(c0, p)) - 1) + $w[1] * (size(split(c1, p)) - 1) + "
            "$w[2] * (size(split(c2, p)) - 1) + $w[3] * (size(split(c3, p)) - 1)]])",
            index=FULLTEXT_INDEX, q=" OR ".join(sorted(clauses)), repo=self.repo,
            patterns=[fts.phrase_pattern(phrases[i]) for i in live], w=list(fts.COLUMN_WEIGHTS),
        )
        if not result:  # no candidate at all (grouped aggregation over nothing yields no row)
            return []
        n_docs, n_tokens, rows = result[0]
        freqs: dict[tuple, list[float]] = {}
        lengths: dict[tuple, int] = {}
        found: list[tuple[str, int, tuple]] = []
        units = view.units
        width = len(phrases)
        for doc_units, sha, idx, ntok, counts in rows:
            key = (sha, idx)
            if len(live) == width:
                freqs[key] = counts
            else:
                row = [0.0] * width
                for i, f in zip(live, counts, strict=True):
                    row[i] = f
                freqs[key] = row
            lengths[key] = ntok
            found += [(unit, idx, key) for unit in doc_units if unit in units]
        scores = fts.bm25_from_freqs(freqs, lengths, n_docs or 0, n_tokens or 0)
        path_of = view.path_of_unit
        ranked = sorted((-scores[key], path_of[unit], idx, unit) for unit, idx, key in found if key in scores)[:k]
        if not ranked:
            return []
        nodes = {(r["unit"], r["idx"]): _node(r["n"]) for r in self.conn.rows(
            f"UNWIND $rows AS r MATCH (n:Code {{unit: r[0]}}) WHERE n.idx = r[1] "
            f"RETURN n.unit AS unit, n.idx AS idx, {_RETURN_NODE} AS n",
            rows=[[unit, idx] for _, _, idx, unit in ranked])}
        return [SearchHit(nodes[(unit, idx)], -neg) for neg, _, idx, unit in ranked]

    # -- edges ----------------------------------------------------------------------------------
    def _edges(self, ids: Sequence[str], direction: str, kinds: Iterable[EdgeKind] | None) -> list[Edge]:
        """Edges out of (direction "out") or into ("in") any of `ids`, in the view."""
        if not ids:
            return []
        types = "|".join(sorted(k.value for k in kinds)) if kinds is not None else ""
        rel = f"[r:{types}]" if types else "[r]"
        pattern = f"(a:Sym {{key: k}})-{rel}->(b:Sym)" if direction == "out" else f"(a:Sym {{key: k}})<-{rel}-(b:Sym)"
        rows = self.conn.values(
            f"UNWIND $keys AS k MATCH {pattern} WHERE r.g IN $g RETURN a.id, type(r), b.id, r.line",
            keys=[self.view.layout.anchor(i) for i in ids], g=self.view.groups,
        )
        best: dict[tuple, Edge] = {}
        for a, kind, b, line in rows:
            e = Edge(a, b, EdgeKind(kind), line) if direction == "out" else Edge(b, a, EdgeKind(kind), line)
            key = (e.src, e.dst, e.kind)
            if key not in best or e.line < best[key].line:
                best[key] = e
        return sorted(best.values())

    def edges(self, node_id: str) -> list[Edge]:
        """Every edge into or out of `node_id`, sorted."""
        exists = self._require(node_id)
        out = self._edges([node_id], "out", None) if exists else []
        return sorted(set(out) | set(self._edges([node_id], "in", None)))

    def _walk(self, origin: str, depth: int, directions: tuple[str, ...], kinds: Iterable[EdgeKind] | None) -> Subgraph:
        """Breadth-first over the view, level by level (one query per level and direction); the
        same visiting and ordering rules as `ViewGraph._walk`."""
        seen = {origin: 0}
        edges: set[Edge] = set()
        frontier = [origin]
        for level in range(1, max(depth, 0) + 1):
            nxt: list[str] = []
            for direction in directions:
                src = [n for n in frontier if not is_unresolved(n)] if direction == "out" else frontier
                for e in self._edges(src, direction, kinds):
                    edges.add(e)
                    other = e.dst if direction == "out" else e.src
                    if other not in seen:
                        seen[other] = level
                        if not is_unresolved(other):
                            nxt.append(other)
            frontier = sorted(set(nxt))
            if not frontier:
                break
        nodes = self._nodes(seen)
        if origin not in nodes and not is_unresolved(origin):  # checked last: one round trip less
            raise NodeNotFoundError(f"no node {origin!r} in the index of {self.repo_path.name}")
        ordered = [nodes[i] for i, _ in sorted(seen.items(), key=lambda kv: (kv[1], kv[0])) if i in nodes]
        return Subgraph(ordered, sorted(edges))

    def callers(self, node_id: str, depth: int = 1) -> Subgraph:
        return self._walk(node_id, depth, ("in",), [EdgeKind.CALLS])

    def callees(self, node_id: str, depth: int = 1) -> Subgraph:
        return self._walk(node_id, depth, ("out",), [EdgeKind.CALLS])

    def neighbors(self, node_id: str, depth: int = 1, edge_kinds: Sequence[EdgeKind] | None = None) -> Subgraph:
        kinds = [EdgeKind(k) for k in edge_kinds] if edge_kinds else None
        return self._walk(node_id, depth, ("out", "in"), kinds)

    def paths_between(self, src: str, dst: str, max_depth: int = 4) -> list[list[Edge]]:
        """Shortest directed paths over resolved edges of every kind but CONTAINS."""
        self._require(src)
        self._require(dst)
        kinds = [k for k in EdgeKind if k != EdgeKind.CONTAINS]
        memo: dict[str, list[Edge]] = {}

        def out(n: str) -> list[Edge]:
            if n not in memo:
                memo[n] = self._edges([n], "out", kinds)
            return memo[n]

        return shortest_paths(src, dst, out, max_depth)

    # -- renderings -----------------------------------------------------------------------------
    def file_skeleton(self, path: str) -> str:
        unit = self.view.layout.unit_of_path.get(path)
        if unit is None:
            raise NodeNotFoundError(f"no file {path!r} in the index of {self.repo_path.name}")
        rows = self.conn.rows(
            f"MATCH (n:Code {{unit: $unit}}) WHERE n.idx >= 0 RETURN n.idx AS idx, {_RETURN_NODE} AS n", unit=unit
        )
        nodes = {r["idx"]: _node(r["n"]) for r in rows}
        return render_skeleton(nodes.get(0), [nodes[i] for i in sorted(nodes) if i > 0])

    def repo_map(self, token_budget: int = 1024, query: str | None = None) -> RepoMap:
        """Central symbols first (PageRank over the view's resolved CALLS/INHERITS/IMPORTS/
        REFERENCES, personalized to `query`'s search hits)."""
        hits = [(h.node.id, h.score) for h in self.search(query, k=20)] if query else []
        view = self.view
        groups = view.groups
        if hits:
            # As `ViewGraph.repo_map`: the hits' files and the files they import.
            layout = view.layout
            seeds = {p for p in (layout.path_of_id(i) for i, _ in hits) if p}
            near = set(seeds)
            for (target,) in self.conn.values(
                "UNWIND $g AS gk MATCH (:Sym)-[r:IMPORTS {g: gk}]->(b:Sym) RETURN b.id",
                g=self._file_groups(seeds),
            ):
                path = None if is_unresolved(target) else layout.path_of_id(target)
                if path:
                    near.add(path)
            groups = self._file_groups(near)
        rows = self.conn.values(
            "UNWIND $g AS gk MATCH (a:Sym)-[r:CALLS|INHERITS|IMPORTS|REFERENCES {g: gk}]->(b:Sym) "
            "RETURN a.id, b.id, type(r)",
            g=groups,
        )
        edges = [(a, b, _RANK_WEIGHTS[t]) for a, b, t in rows if not is_unresolved(b)]
        personal: dict[str, float] = {}
        for node_id, weight in hits:
            personal[node_id] = personal.get(node_id, 0.0) + weight
        scores = pagerank(sorted(edges), personal or None)
        cap = 4 * max(token_budget // 8, 16)
        order = [i for i, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])) if ":" in i]
        ranked: list[tuple[Node, float]] = []
        start = 0
        while len(ranked) < cap and start < len(order):
            batch = order[start : start + cap]
            start += cap
            nodes = self._nodes(batch)
            for i in batch:
                if i in nodes:
                    ranked.append((nodes[i], scores[i]))
                    if len(ranked) >= cap:
                        break
        return render_repo_map(ranked, token_budget)

    def _file_groups(self, paths: Iterable[str]) -> list[int]:
        view = self.view
        units = (view.layout.unit_of_path.get(p) for p in paths)
        return sorted({view.unit_group[u] for u in units if u is not None})

    # -- passthrough ----------------------------------------------------------------------------
    def cypher(
        self, query: str, params: dict[str, Any] | None = None, *, limit: int = CYPHER_ROW_LIMIT,
        timeout: float = CYPHER_TIMEOUT_S,
    ) -> list[dict[str, Any]]:
        """Run a read-only Cypher query (at most `limit` rows, `timeout` seconds) in a read
        transaction. `$repo` is bound to this repository's key and `$groups` to the view's edge
        groups unless given. Write clauses raise `WriteQueryRefused`."""
        check_read_only(query)
        bound = {"repo": self.repo, **({"groups": self._bound.groups} if self._bound else {}), **(params or {})}

        @unit_of_work(timeout=timeout)
        def work(tx):
            result = tx.run(query, bound)
            out = []
            for record in result:
                if len(out) >= limit:
                    break
                out.append(record.data())
            result.consume()
            return out

        try:
            return self.conn.read(work)
        except GraphStoreError:
            raise
        except Exception as exc:  # a driver or server error in a model-written query is the caller's input
            raise GraphStoreError(f"cypher query failed: {type(exc).__name__}: {exc}") from None
