"""The embedded backend: `CodeGraph` over the SQLite store, resolving names lazily per view.

Only per-file facts are stored; edges between files are resolved on demand for the files a
query touches (`graph_index.resolve`), so indexing a commit costs one parse per new file and
one small view row per file, and two commits never disagree about shared files.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import structlog

from graph_index.config import GraphSettings
from graph_index.errors import NodeNotFoundError, NotIndexedError
from graph_index.indexer import list_view, parse_files
from graph_index.models import (
    REPOSITORY_ID,
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
from graph_index.parsing.facts import CALL, IMPORT, INHERIT, REFERENCE, Symbol
from graph_index.paths import shortest_paths
from graph_index.ranking import pagerank
from graph_index.render import render_repo_map, render_skeleton
from graph_index.resolve import FileTable, Resolver, ViewTables, symbol_kind
from graph_index.sources import is_git_repo, resolve_commit
from graph_index.store import SqliteStore

log = structlog.get_logger(__name__)

_REF_EDGE = {CALL: EdgeKind.CALLS, INHERIT: EdgeKind.INHERITS, REFERENCE: EdgeKind.REFERENCES}
_RANK_WEIGHTS = {EdgeKind.CALLS: 1.0, EdgeKind.INHERITS: 1.0, EdgeKind.IMPORTS: 0.5, EdgeKind.REFERENCES: 0.5}
_WORD = re.compile(r"[A-Za-z0-9_]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def default_index_path(settings: GraphSettings, repo_path: Path) -> Path:
    """One file per repository: clones of the same origin share it, so commits share files."""
    repo = repo_path.resolve()
    identity = str(repo)
    if is_git_repo(repo):
        out = subprocess.run(
            ["git", "-C", str(repo), "config", "--get", "remote.origin.url"], capture_output=True, text=True
        )
        identity = out.stdout.strip() or identity
    digest = hashlib.sha1(identity.encode()).hexdigest()[:12]
    return Path(settings.index_dir).expanduser() / f"{repo.name}-{digest}.sqlite"


def query_terms(text: str, limit: int = 64) -> list[str]:
    """Lower-case words of a free-text query, with snake_case and camelCase parts."""
    out: dict[str, None] = {}
    for word in _WORD.findall(text):
        out[word.lower()] = None
        for part in word.split("_"):
            if part:
                out[part.lower()] = None
                for sub in _CAMEL.findall(part):
                    out[sub.lower()] = None
    return [t for t in out if len(t) > 1][:limit]


class _View:
    """One view's file list, lazily loaded tables and resolver."""

    def __init__(self, store: SqliteStore, view_id: int, key: str) -> None:
        self.id = view_id
        self.key = key
        rows = store.view_files(view_id)
        self.blob_of = {path: blob for path, blob, _ in rows}
        self.language_of = {path: lang for path, _, lang in rows}
        self.dirs: dict[str, list[str]] = {}
        for path in self.blob_of:
            child = path
            parent = posixpath.dirname(path)
            while True:
                kids = self.dirs.setdefault(parent, [])
                if child in kids:
                    break
                kids.append(child)
                if not parent:
                    break
                child, parent = parent, posixpath.dirname(parent)
        for kids in self.dirs.values():
            kids.sort()

        def load(path: str) -> FileTable | None:
            blob = self.blob_of.get(path)
            if blob is None:
                return None
            language, _errors, _lines, package = store.blob_meta(blob)
            symbols = [Symbol(*row) for row in store.blob_syms(blob)]
            from graph_index.parsing.facts import Ref

            refs = [Ref(*row) for row in store.blob_refs(blob)]
            return FileTable(path, language, symbols, refs, package)

        self.tables = ViewTables(self.blob_of, load)
        self.resolver = Resolver(self.tables)
        self.full_edges: list[Edge] | None = None


class EmbeddedGraph:
    """`CodeGraph` backed by one SQLite file per repository."""

    def __init__(self, store: SqliteStore, repo_path: Path, workers: int | None = None) -> None:
        self.store = store
        self.repo_path = repo_path
        self.workers = workers
        self._view: _View | None = None
        self._commit: str | None = None

    @classmethod
    def open(
        cls,
        settings: GraphSettings,
        repo_path: Path | str,
        commit: str | None = None,
        *,
        index_path: Path | str | None = None,
        rebuild: bool = False,
    ) -> EmbeddedGraph:
        """Open (creating when absent) the index of `repo_path`; bind the view of `commit`."""
        repo = Path(repo_path).resolve()
        path = Path(index_path) if index_path else default_index_path(settings, repo)
        graph = cls(SqliteStore(path, rebuild=rebuild), repo)
        if commit is not None:
            sha = resolve_commit(repo, commit)
            view = graph.store.commit_view(sha)
            if view is not None:
                graph._bind(view, sha, sha)
            else:
                graph._commit = sha
        else:
            latest = graph.store.latest_view()
            if latest is not None:
                key, view = latest
                graph._bind(view, key, None if key.startswith("worktree:") else key)
        return graph

    @property
    def index_path(self) -> Path:
        """Where this graph's SQLite file lives."""
        return self.store.path

    @property
    def commit(self) -> str | None:
        """The commit of the current view (None for a working tree)."""
        return self._commit

    def close(self) -> None:
        """Close the SQLite connection."""
        self.store.close()

    def __enter__(self) -> EmbeddedGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _bind(self, view_id: int, key: str, commit: str | None) -> None:
        if self._view is None or self._view.id != view_id:
            self._view = _View(self.store, view_id, key)
        self._commit = commit

    @property
    def view(self) -> _View:
        if self._view is None:
            what = f"commit {self._commit}" if self._commit else str(self.repo_path)
            raise NotIndexedError(f"{what} is not indexed yet; run orch index {self.repo_path}")
        return self._view

    # -- indexing -------------------------------------------------------------------------------
    def index(self, repo_path: Path | str | None = None, commit: str | None = None) -> IndexStats:
        """Index the repository at `commit` (None: the working tree); parse only new contents."""
        started = time.perf_counter()
        repo = Path(repo_path).resolve() if repo_path is not None else self.repo_path
        self.repo_path = repo
        listing, read = list_view(repo, commit)
        unique: dict[str, object] = {}
        for f in listing.files:
            unique.setdefault(f.sha, f)
        known = self.store.known_blobs(unique)
        new = [f for sha, f in unique.items() if sha not in known]
        binary = 0
        store = self.store
        store.begin()
        try:
            results = parse_files(read(new), len(new), self.workers)  # type: ignore[arg-type]

            def rows() -> Iterator[tuple]:
                nonlocal binary
                for row in results:
                    if row is None:
                        binary += 1
                    else:
                        yield row

            ids = {**known, **store.add_blobs(rows())}
            files = [(f.path, ids[f.sha]) for f in listing.files if f.sha in ids]
            view = store.put_view(files)
            key = listing.commit or f"worktree:{repo}"
            skipped = listing.skipped + sum(1 for f in listing.files if f.sha not in ids)
            store.put_commit(key, view, str(repo), listing.commit, skipped)
            store.commit()
        except BaseException:
            store.rollback()
            raise
        self._bind(view, key, listing.commit)
        n_syms, n_refs, errors = self._counts(view)
        n_dirs = len(self.view.dirs)
        stats = IndexStats(
            repo=str(repo),
            commit=listing.commit,
            index_path=str(store.path),
            files_total=len(files),
            files_parsed=len(new) - binary,
            files_reused=len(listing.files) - len(new),
            files_skipped=skipped,
            files_with_errors=errors,
            nodes=1 + n_dirs + len(files) + n_syms,
            edges=n_dirs + len(files) + n_syms + n_refs,
            seconds=round(time.perf_counter() - started, 3),
        )
        log.info("indexed", **{k: v for k, v in stats.to_dict().items() if k != "repo"})
        return stats

    def _counts(self, view: int) -> tuple[int, int, int]:
        row = self.store.db.execute(
            "SELECT COALESCE(SUM(b.n_syms),0), COALESCE(SUM(b.n_refs),0), COALESCE(SUM(b.errors),0)"
            " FROM view_files vf JOIN blobs b ON b.id = vf.blob WHERE vf.view = ?",
            (view,),
        ).fetchone()
        return row[0], row[1], row[2]

    # -- nodes ----------------------------------------------------------------------------------
    def files(self) -> list[str]:
        """Indexed source files of the view, sorted."""
        return sorted(self.view.blob_of)

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        loc = self._locate(node_id)
        return self._make_node(loc) if loc is not None else None

    def _locate(self, node_id: str) -> tuple | None:
        """("repo",) | ("dir", d) | ("file", p) | ("sym", path, idx)."""
        v = self.view
        if node_id == REPOSITORY_ID:
            return ("repo",)
        if is_unresolved(node_id):
            return None
        if ":" in node_id:
            path, qual = node_id.split(":", 1)
            table = v.tables.table(path)
            if table is not None and qual in table.by_qual:
                return ("sym", path, table.by_qual[qual])
            return None
        if node_id in v.blob_of:
            return ("file", node_id)
        if node_id.endswith("/") and node_id[:-1] in v.dirs:
            return ("dir", node_id[:-1])
        path = v.tables.path_of.get(node_id)
        if path is not None:
            return ("sym", path, 0)
        return None

    def _make_node(self, loc: tuple) -> Node:
        v = self.view
        if loc[0] == "repo":
            return Node(REPOSITORY_ID, NodeKind.REPOSITORY, self.repo_path.name, self.repo_path.name, "")
        if loc[0] == "dir":
            d = loc[1]
            return Node(d + "/", NodeKind.DIRECTORY, posixpath.basename(d), d, d, parent=_dir_id(posixpath.dirname(d)))
        if loc[0] == "file":
            p = loc[1]
            table = v.tables.table(p)
            lines = table.symbols[0].end_line if table and table.symbols else 0
            return Node(
                p, NodeKind.FILE, posixpath.basename(p), p, p, 1, lines,
                content_hash=self._blob_sha(p), language=v.language_of[p],
                parent=_dir_id(posixpath.dirname(p)),
            )
        _, path, idx = loc
        return self._sym_node(path, idx)

    def _blob_sha(self, path: str) -> str:
        row = self.store.db.execute("SELECT sha FROM blobs WHERE id = ?", (self.view.blob_of[path],)).fetchone()
        return row[0] if row else ""

    def _sym_node(self, path: str, idx: int) -> Node:
        v = self.view
        table = v.tables.table(path)
        assert table is not None
        s = table.symbols[idx]
        module_id = v.tables.module_of[path]
        if idx == 0:
            return Node(
                module_id, NodeKind.MODULE, module_id.rsplit(".", 1)[-1], module_id, path, 1, s.end_line,
                docstring=s.docstring, content_hash=self._blob_sha(path), language=table.language, parent=path,
            )
        parent = module_id if s.parent <= 0 else f"{path}:{table.symbols[s.parent].qualname}"
        return Node(
            f"{path}:{s.qualname}", symbol_kind(table.language, path, table.symbols, idx), s.name, s.qualname,
            path, s.start_line, s.end_line, s.signature, s.docstring, s.content_hash, table.language, parent,
        )

    def _id_of(self, path: str, idx: int) -> str:
        if idx == 0:
            return self.view.tables.module_of[path]
        table = self.view.tables.table(path)
        assert table is not None
        return f"{path}:{table.symbols[idx].qualname}"

    def _require(self, node_id: str) -> tuple:
        loc = self._locate(node_id)
        if loc is None and not is_unresolved(node_id):
            raise NodeNotFoundError(f"no node {node_id!r} in the index of {self.repo_path}")
        return loc  # type: ignore[return-value]

    def symbol(self, name_or_id: str) -> list[Node]:
        """Exact id, else qualified name, else dotted module path, else bare name matches."""
        exact = self.node(name_or_id)
        if exact is not None:
            return [exact]
        v = self.view
        hits = self.store.find_syms(v.id, "qualname", name_or_id)
        if not hits and "." in name_or_id:
            parts = name_or_id.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                path = v.tables.path_of.get(".".join(parts[:cut]))
                if path is not None:
                    table = v.tables.table(path)
                    idx = table.by_qual.get(".".join(parts[cut:])) if table else None
                    if idx is not None:
                        hits = [(path, idx)]
                    break
        if not hits:
            hits = self.store.find_syms(v.id, "name", name_or_id)
        return [self._sym_node(p, i) for p, i in hits if i > 0 or True]

    # -- search ---------------------------------------------------------------------------------
    def search(self, text: str, k: int = 10) -> list[SearchHit]:
        """BM25 over names (x10), qualified names (x4), docstrings (x2) and body identifiers."""
        terms = query_terms(text)
        if not terms or k <= 0:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self.store.search(self.view.id, match, k)
        return [SearchHit(self._sym_node(p, i), -score) for p, i, score in rows]

    # -- edges ----------------------------------------------------------------------------------
    def edges(self, node_id: str) -> list[Edge]:
        """Every edge into or out of `node_id`, sorted."""
        return sorted(set(self._out_edges(node_id)) | set(self._in_edges(node_id)))

    def _out_edges(self, node_id: str, kinds: frozenset[EdgeKind] | None = None) -> list[Edge]:
        loc = self._require(node_id)
        if loc is None:
            return []
        v = self.view
        out: list[Edge] = []
        want = (lambda k: True) if kinds is None else kinds.__contains__
        if loc[0] in ("repo", "dir"):
            if want(EdgeKind.CONTAINS):
                key = "" if loc[0] == "repo" else loc[1]
                out += [
                    Edge(node_id, child + "/" if child in v.dirs else child, EdgeKind.CONTAINS)
                    for child in v.dirs.get(key, ())
                ]
            return out
        if loc[0] == "file":
            if want(EdgeKind.DEFINES):
                out.append(Edge(node_id, v.tables.module_of[node_id], EdgeKind.DEFINES))
            return out
        _, path, idx = loc
        table = v.tables.table(path)
        assert table is not None
        if want(EdgeKind.DEFINES):
            out += [
                Edge(node_id, f"{path}:{s.qualname}", EdgeKind.DEFINES, s.start_line)
                for i, s in enumerate(table.symbols) if i and s.parent == idx
            ]
        resolver = v.resolver
        for ref in table.refs:
            if ref.src != idx and not (ref.kind == IMPORT and idx == 0):
                continue
            if ref.kind == IMPORT:
                if idx == 0 and ref.name != "*" and want(EdgeKind.IMPORTS):
                    out.append(Edge(node_id, resolver.resolve(table, ref), EdgeKind.IMPORTS, ref.line))
            elif want(_REF_EDGE[ref.kind]):
                out.append(Edge(node_id, resolver.resolve(table, ref), _REF_EDGE[ref.kind], ref.line))
        if idx and want(EdgeKind.TESTS) and symbol_kind(table.language, path, table.symbols, idx) == NodeKind.TEST:
            out += self._tests_from(node_id, path, idx)
        return _dedupe(out)

    def _tests_from(self, node_id: str, path: str, idx: int) -> list[Edge]:
        """What a test exercises: its resolved calls into non-test code, and `test_x` naming `x`."""
        v = self.view
        table = v.tables.table(path)
        assert table is not None
        out: list[Edge] = []
        for ref in table.refs:
            if ref.src == idx and ref.kind == CALL:
                target = v.resolver.resolve(table, ref)
                if not is_unresolved(target) and self._is_code(target):
                    out.append(Edge(node_id, target, EdgeKind.TESTS, ref.line))
        sym = table.symbols[idx]
        name = sym.name[4:].lstrip("_") if sym.name.startswith("test") else ""
        parts = name.split("_")
        for cut in range(len(parts), 0, -1):
            cand = "_".join(parts[:cut])
            if not cand:
                continue
            found = v.resolver._scope_lookup(table, 0, cand)
            if found is None:
                parent = table.symbols[sym.parent] if sym.parent > 0 else None
                if parent is not None and parent.name.startswith("Test"):
                    cls = v.resolver._scope_lookup(table, 0, parent.name[4:])
                    found = v.resolver._member(cls, cand, 0) if cls is not None else None
            if found is not None:
                target = v.tables.node_id(found)
                if self._is_code(target):
                    out.append(Edge(node_id, target, EdgeKind.TESTS, sym.start_line))
                break
        return out

    def _is_code(self, node_id: str) -> bool:
        loc = self._locate(node_id)
        if loc is None or loc[0] != "sym" or loc[2] == 0:
            return False
        node = self._sym_node(loc[1], loc[2])
        return node.kind in (NodeKind.FUNCTION, NodeKind.CLASS)

    def _in_edges(self, node_id: str, kinds: frozenset[EdgeKind] | None = None) -> list[Edge]:
        loc = self._require(node_id)
        v = self.view
        want = (lambda k: True) if kinds is None else kinds.__contains__
        out: list[Edge] = []
        if loc is not None and loc[0] != "repo":
            if loc[0] in ("dir", "file"):
                if want(EdgeKind.CONTAINS):
                    parent = _dir_id(posixpath.dirname(node_id.rstrip("/")))
                    out.append(Edge(parent, node_id, EdgeKind.CONTAINS))
                return out
            _, path, idx = loc
            if want(EdgeKind.DEFINES):
                table = v.tables.table(path)
                assert table is not None
                if idx == 0:
                    out.append(Edge(path, node_id, EdgeKind.DEFINES))
                else:
                    out.append(Edge(self._id_of(path, max(table.symbols[idx].parent, 0)), node_id,
                                    EdgeKind.DEFINES, table.symbols[idx].start_line))
        elif loc is not None:
            return out
        ref_kinds = {k for k in (EdgeKind.CALLS, EdgeKind.INHERITS, EdgeKind.REFERENCES, EdgeKind.IMPORTS) if want(k)}
        if ref_kinds or want(EdgeKind.TESTS):
            out += self._incoming_refs(node_id, ref_kinds | ({EdgeKind.CALLS} if want(EdgeKind.TESTS) else set()),
                                       tests=want(EdgeKind.TESTS), keep=ref_kinds)
        return _dedupe(out)

    def _incoming_refs(self, node_id: str, kinds: set[EdgeKind], tests: bool, keep: set[EdgeKind]) -> list[Edge]:
        v = self.view
        resolver = v.resolver
        if is_unresolved(node_id):
            name = node_id[1:].rsplit(".", 1)[-1]
        elif ":" in node_id:
            name = node_id.split(":", 1)[1].rsplit(".", 1)[-1].split("#", 1)[0]
        else:
            name = node_id.rsplit(".", 1)[-1]
        out: list[Edge] = []
        test_sources: set[tuple[str, int]] = set()
        for path in self.store.blobs_using(v.id, [name]):
            table = v.tables.table(path)
            if table is None:
                continue
            module_id = v.tables.module_of[path]
            aliases = {name} | {r.alias for r in table.refs if r.kind == IMPORT and r.name == name and r.alias}
            for ref in table.refs:
                if ref.kind == IMPORT:
                    if EdgeKind.IMPORTS not in kinds or ref.name == "*":
                        continue
                    last = ref.name or ref.target.rsplit(".", 1)[-1].rsplit("/", 1)[-1]
                    if last != name:
                        continue
                    if resolver.resolve(table, ref) == node_id:
                        out.append(Edge(module_id, node_id, EdgeKind.IMPORTS, ref.line))
                    continue
                kind = _REF_EDGE[ref.kind]
                if kind not in kinds or ref.name not in aliases:
                    continue
                if resolver.resolve(table, ref) != node_id:
                    continue
                src = module_id if ref.src == 0 else f"{path}:{table.symbols[ref.src].qualname}"
                if kind in keep:
                    out.append(Edge(src, node_id, kind, ref.line))
                if tests and kind == EdgeKind.CALLS and ref.src > 0:
                    test_sources.add((path, ref.src))
        if tests and not is_unresolved(node_id) and self._is_code(node_id):
            for path, idx in self.store.find_syms_prefix(v.id, "test_" + name):
                test_sources.add((path, idx))
            for path, idx in sorted(test_sources):
                table = v.tables.table(path)
                if table is None or symbol_kind(table.language, path, table.symbols, idx) != NodeKind.TEST:
                    continue
                src = self._id_of(path, idx)
                out += [e for e in self._tests_from(src, path, idx) if e.dst == node_id]
        return out

    # -- traversals -----------------------------------------------------------------------------
    def _walk(self, origin: str, depth: int, step) -> Subgraph:
        if self._locate(origin) is None:
            self._require(origin)
        seen = {origin: 0}
        edges: set[Edge] = set()
        frontier = [origin]
        for level in range(1, max(depth, 0) + 1):
            nxt: list[str] = []
            for node_id in frontier:
                for edge, other in step(node_id):
                    edges.add(edge)
                    if other not in seen:
                        seen[other] = level
                        if not is_unresolved(other):
                            nxt.append(other)
            frontier = sorted(nxt)
        nodes = []
        for node_id, _ in sorted(seen.items(), key=lambda kv: (kv[1], kv[0])):
            node = self.node(node_id)
            if node is not None:
                nodes.append(node)
        return Subgraph(nodes, sorted(edges))

    def callers(self, node_id: str, depth: int = 1) -> Subgraph:
        """Who calls `node_id`, transitively up to `depth` hops."""
        calls = frozenset({EdgeKind.CALLS})
        return self._walk(node_id, depth, lambda n: [(e, e.src) for e in self._in_edges(n, calls)])

    def callees(self, node_id: str, depth: int = 1) -> Subgraph:
        """What `node_id` calls, up to `depth` hops; unresolved calls as `?name` targets."""
        calls = frozenset({EdgeKind.CALLS})
        return self._walk(node_id, depth, lambda n: [(e, e.dst) for e in self._out_edges(n, calls)])

    def neighbors(self, node_id: str, depth: int = 1, edge_kinds: Sequence[EdgeKind] | None = None) -> Subgraph:
        """Nodes within `depth` hops either way over `edge_kinds` (None: all)."""
        kinds = frozenset(EdgeKind(k) for k in edge_kinds) if edge_kinds else None

        def step(n: str) -> list[tuple[Edge, str]]:
            out = [(e, e.dst) for e in self._out_edges(n, kinds)]
            return out + [(e, e.src) for e in self._in_edges(n, kinds)]

        return self._walk(node_id, depth, step)

    def paths_between(self, src: str, dst: str, max_depth: int = 4) -> list[list[Edge]]:
        """Shortest directed paths over resolved edges of every kind but CONTAINS."""
        self._require(src)
        self._require(dst)
        kinds = frozenset(k for k in EdgeKind if k != EdgeKind.CONTAINS)
        return shortest_paths(src, dst, lambda n: self._out_edges(n, kinds), max_depth)

    # -- renderings -----------------------------------------------------------------------------
    def file_skeleton(self, path: str) -> str:
        """Signatures and docstrings of a file's definitions, bodies elided."""
        v = self.view
        table = v.tables.table(path)
        if table is None:
            raise NodeNotFoundError(f"no file {path!r} in the index of {self.repo_path}")
        nodes = [self._sym_node(path, i) for i in range(1, len(table.symbols))]
        return render_skeleton(self._sym_node(path, 0), nodes)

    def all_edges(self) -> list[Edge]:
        """Every resolved and unresolved IMPORTS/CALLS/INHERITS/REFERENCES edge of the view."""
        v = self.view
        if v.full_edges is None:
            out: list[Edge] = []
            for path in sorted(v.blob_of):
                table = v.tables.table(path)
                if table is not None:
                    out += v.resolver.file_edges(table, v.tables.module_of[path])
            v.full_edges = out
        return v.full_edges

    def repo_map(self, token_budget: int = 1024, query: str | None = None) -> RepoMap:
        """Central symbols first (PageRank personalized to `query`'s search hits)."""
        edges = [
            (e.src, e.dst, _RANK_WEIGHTS[e.kind]) for e in self.all_edges()
            if e.resolved and e.kind in _RANK_WEIGHTS
        ]
        personal: dict[str, float] = {}
        if query:
            for hit in self.search(query, k=20):
                personal[hit.node.id] = personal.get(hit.node.id, 0.0) + hit.score
        scores = pagerank(edges, personal or None)
        ranked: list[tuple[Node, float]] = []
        for node_id, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
            if ":" not in node_id:
                continue
            node = self.node(node_id)
            if node is not None:
                ranked.append((node, score))
            if len(ranked) >= 4 * max(token_budget // 8, 16):
                break
        return render_repo_map(ranked, token_budget)


def _dir_id(directory: str) -> str:
    return directory + "/" if directory else REPOSITORY_ID


def _dedupe(edges: list[Edge]) -> list[Edge]:
    best: dict[tuple, Edge] = {}
    for e in edges:
        key = (e.src, e.dst, e.kind)
        if key not in best or e.line < best[key].line:
            best[key] = e
    return sorted(best.values())
