"""`CodeGraph` on Neo4j: the materialized graph of every indexed view, shared by many workers.

Indexing parses only file contents the database lacks (facts are kept per content in `Blob`
nodes), resolves the view with the same shared logic as the embedded store
(`graph_index.viewgraph`), and writes only units (file contents at a path) and edge groups that
no earlier view wrote. Queries run in Cypher against the view's units and groups; traversal
order, tie-breaking and rendering reuse the shared pure modules, so answers equal the embedded
backend's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from neo4j import unit_of_work

from graph_index.config import GraphSettings
from graph_index.embedded import default_index_path
from graph_index.errors import GraphStoreError, NodeNotFoundError, NotIndexedError
from graph_index.models import (
    Edge,
    EdgeKind,
    IndexStats,
    Node,
    RepoMap,
    SearchHit,
    Subgraph,
    is_unresolved,
)
from graph_index.neo4j_backend.connection import Connection
from graph_index.neo4j_backend.indexing import BoundView, delete_commit, index_view, load_view
from graph_index.neo4j_backend.nodesource import NodeSource
from graph_index.neo4j_backend.readonly import check_read_only
from graph_index.neo4j_backend.schema import ensure_schema
from graph_index.neo4j_backend.search import SearchColumns, search
from graph_index.neo4j_backend.writer import Writer
from graph_index.paths import shortest_paths
from graph_index.ranking import pagerank
from graph_index.render import render_repo_map
from graph_index.sources import resolve_commit
from graph_index.store import remove_index

CYPHER_ROW_LIMIT = 1000
CYPHER_TIMEOUT_S = 10.0
_RANK_WEIGHTS = {"CALLS": 1.0, "INHERITS": 1.0, "IMPORTS": 0.5, "REFERENCES": 0.5}


def piece_dir(settings: GraphSettings) -> Path | None:
    """Where piece caches live, unless `graph.piece_cache` is off. `auto` is on here: a Neo4j
    database is shared by many commits, which is when pieces pay off."""
    return None if settings.piece_cache == "off" else Path(settings.index_dir).expanduser()


def repo_key(repo: Path) -> str:
    """The same identity the embedded store names its file by: clones of one origin share it."""
    return default_index_path(GraphSettings(index_dir=Path("/")), repo).stem


class Neo4jGraph:
    """`CodeGraph` backed by a Neo4j server; one instance per repository and view."""

    def __init__(self, conn: Connection, repo_path: Path, workers: int | None = None, *,
                 piece_dir: Path | None = None) -> None:
        self.conn = conn
        self.repo_path = repo_path
        self.repo = repo_key(repo_path)
        self.piece_dir = piece_dir
        """Where piece caches live (`pieces.PieceCache`); None: Python files are extracted whole."""
        self.writer = Writer(conn, self.repo)
        self.workers = workers
        self._bound: BoundView | None = None
        self._commit: str | None = None
        self._source: tuple[str, NodeSource] | None = None
        self._columns = SearchColumns(conn, self.repo)

    @classmethod
    def open(
        cls, settings: GraphSettings, repo_path: Path | str, commit: str | None = None, *, rebuild: bool = False
    ) -> Neo4jGraph:
        """Connect, set the schema up if needed, and bind the view of `commit` (or the latest)."""
        repo = Path(repo_path).resolve()
        conn = Connection(settings.neo4j)
        try:
            ensure_schema(conn.schema)
            graph = cls(conn, repo, piece_dir=piece_dir(settings))
            if rebuild:
                graph.writer.delete_repo()
                if graph.pieces is not None:
                    remove_index(graph.pieces)  # a SQLite file with WAL companions, like an index
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

    @property
    def pieces(self) -> Path | None:
        """This repository's piece cache file, when Python files are extracted by pieces."""
        if self.piece_dir is None:
            return None
        return self.piece_dir / f"{self.repo}.pieces.sqlite"

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Neo4jGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _bind_commit(self, key: str) -> bool:
        found = load_view(self.conn, self.repo, self.repo_path.name, key)
        if found is None:
            return False
        self._bound, self._commit = found
        return True

    @property
    def view(self) -> BoundView:
        if self._bound is None:
            what = f"commit {self._commit}" if self._commit else str(self.repo_path)
            raise NotIndexedError(
                f"{what} is not indexed yet; run orch index --graph neo4j {self.repo_path} (Neo4j at {self.conn.uri})"
            )
        return self._bound

    # -- indexing -------------------------------------------------------------------------------
    def index(self, repo_path: Path | str | None = None, commit: str | None = None) -> IndexStats:
        """Index the repository at `commit` (None: the working tree); write only what is new."""
        repo = Path(repo_path).resolve() if repo_path is not None else self.repo_path
        if repo != self.repo_path:
            self.repo_path, self.repo = repo, repo_key(repo)
            self.writer = Writer(self.conn, self.repo)
            self._columns = SearchColumns(self.conn, self.repo)
        stats, self._bound = index_view(self.writer, repo, commit, self.workers, self.index_path, self.pieces)
        self._commit = stats.commit
        return stats

    def delete_commit(self, commit: str | None) -> None:
        """Forget one indexed commit (None: this repository's working tree); every other view of
        the repository stays intact."""
        key = resolve_commit(self.repo_path, commit) if commit else f"worktree:{self.repo_path}"
        dead = delete_commit(self.writer, self.repo_path.name, key)
        if self._bound is not None and self._bound.key in dead:
            self._bound = None

    # -- nodes ----------------------------------------------------------------------------------
    def files(self) -> list[str]:
        return sorted(self.view.layout.shas)

    @property
    def nodes_source(self) -> NodeSource:
        """The bound view's nodes (built here from its contents' definitions, kept per view)."""
        view = self.view
        if self._source is None or self._source[0] != view.key:
            self._source = (view.key, NodeSource(self.conn, view.layout))
        return self._source[1]

    def _nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """id -> node for the ids this view holds."""
        return self.nodes_source.nodes(ids)

    def node(self, node_id: str) -> Node | None:
        return self._nodes([node_id]).get(node_id)

    def _require(self, node_id: str) -> bool:
        """True when the node exists; False for an unresolved `?name`; raises otherwise."""
        if is_unresolved(node_id):
            return False
        if self.node(node_id) is None:
            raise NodeNotFoundError(f"no node {node_id!r} in the index of {self.repo_path.name}")
        return True

    def _find(self, column: str, value: str, limit: int = 200) -> list[Node]:
        """Definitions of the view whose `column` (`name` or `qualname`) equals `value`, in
        (path, index) order: candidates by the anchors' name index (a qualified name's last
        component, less a `#2` suffix), checked against the view's definitions."""
        name = value if column == "name" else re.sub(r"#\d+$", "", value.rsplit(".", 1)[-1])
        ids = self.conn.values("MATCH (s:Sym {name: $name}) WHERE s.repo = $repo RETURN collect(s.id)",
                               name=name, repo=self.repo)[0][0]
        src = self.nodes_source
        shas = self.view.layout.shas
        hits = src.named([i for i in ids if ":" in i and i.split(":", 1)[0] in shas], column, value)[:limit]
        found = src.sym_nodes(hits)
        return [found[h] for h in hits]

    def symbol(self, name_or_id: str) -> list[Node]:
        """Exact id, else qualified name, else dotted module path, else bare name matches."""
        exact = self.node(name_or_id)
        if exact is not None:
            return [exact]
        hits = self._find("qualname", name_or_id)
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
            hits = self._find("name", name_or_id)
        return hits

    # -- search -------------------------------------------------------------------------------
    def search(self, text: str, k: int = 10) -> list[SearchHit]:
        """BM25 over names (x10), qualified names (x4), docstrings (x2) and body identifiers,
        ranked exactly as the embedded store ranks (see `neo4j_backend.search`)."""
        return search(self.conn, self.repo, self.view, self.nodes_source, self._columns, text, k)

    # -- edges ----------------------------------------------------------------------------------
    def _edges(self, ids: Sequence[str], direction: str, kinds: Iterable[EdgeKind] | None) -> list[Edge]:
        """Edges out of (direction "out") or into ("in") any of `ids`, in the view."""
        if not ids:
            return []
        types = "|".join(sorted(k.value for k in kinds)) if kinds is not None else ""
        rel = f"[r:{types}]" if types else "[r]"
        pattern = f"(a:Sym {{key: k}})-{rel}->(b:Sym)" if direction == "out" else f"(a:Sym {{key: k}})<-{rel}-(b:Sym)"
        # One collected row: the driver's per-record cost dominates wide traversals otherwise.
        rows = self.conn.values(
            f"UNWIND $keys AS k MATCH {pattern} WHERE r.g IN $g RETURN collect([a.id, type(r), b.id, r.line])",
            keys=[self.view.layout.anchor(i) for i in ids], g=self.view.groups,
        )[0][0]
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
        return self.nodes_source.file_skeleton(path)

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
