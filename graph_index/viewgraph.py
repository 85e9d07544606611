"""Backend-independent graph logic over one view: node ids, node construction, edges of every
kind, traversals, skeletons and repository maps, from per-file tables and the resolver.

The embedded store answers queries through this lazily; a materializing backend (Neo4j) writes
`iter_nodes()`/`iter_edges()` and must return the same answers. The two store-dependent lookups
(which files use a name, which definitions start with a prefix) are passed in; the defaults
scan every table, which is right for small views and for materialization.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Sequence

from graph_index.errors import NodeNotFoundError
from graph_index.models import (
    REPOSITORY_ID,
    Edge,
    EdgeKind,
    Node,
    NodeKind,
    RepoMap,
    Subgraph,
    is_unresolved,
)
from graph_index.parsing.facts import CALL, IMPORT, INHERIT, REFERENCE
from graph_index.paths import shortest_paths
from graph_index.ranking import pagerank
from graph_index.render import render_repo_map, render_skeleton
from graph_index.resolve import (
    FileSymbols,
    FileTable,
    Resolver,
    ViewTables,
    symbol_kind,
    used_names,
)

_REF_EDGE = {CALL: EdgeKind.CALLS, INHERIT: EdgeKind.INHERITS, REFERENCE: EdgeKind.REFERENCES}
_FROM_REFS = frozenset({EdgeKind.CALLS, EdgeKind.INHERITS, EdgeKind.REFERENCES, EdgeKind.IMPORTS, EdgeKind.TESTS})
"""Edge kinds read from a file's refs (TESTS: a test's calls)."""
_RANK_WEIGHTS = {EdgeKind.CALLS: 1.0, EdgeKind.INHERITS: 1.0, EdgeKind.IMPORTS: 0.5, EdgeKind.REFERENCES: 0.5}


class ViewGraph:
    """The graph of one view. `files` maps path -> language; `load` gives a path's table."""

    def __init__(
        self,
        repo_name: str,
        files: dict[str, str],
        load: Callable[[str], FileTable | None],
        sha_of: Callable[[str], str] = lambda path: "",
        paths_using: Callable[[str], list[str]] | None = None,
        names_with_prefix: Callable[[str], list[tuple[str, int]]] | None = None,
        resolver: Callable[[ViewTables], Resolver] = Resolver,
        load_symbols: Callable[[str], FileSymbols | FileTable | None] | None = None,
    ) -> None:
        self.repo_name = repo_name
        self.language_of = dict(files)
        self.blob_of = self.language_of  # membership and iteration only
        # Nodes need only a file's definitions: `load_symbols`, when given, skips its refs.
        self.tables = ViewTables(files, load, load_symbols)
        self.resolver = resolver(self.tables)
        self._sha_of = sha_of
        self._paths_using = paths_using or self._scan_paths_using
        self._names_with_prefix = names_with_prefix or self._scan_prefix
        self.full_edges: list[Edge] | None = None
        self.dirs: dict[str, list[str]] = {}
        for path in files:
            child, parent = path, posixpath.dirname(path)
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

    def _scan_paths_using(self, name: str) -> list[str]:
        out = []
        for path in sorted(self.language_of):
            table = self.tables.table(path)
            if table is not None and any(name in used_names(ref) for ref in table.refs):
                out.append(path)
        return out

    def _scan_prefix(self, prefix: str) -> list[tuple[str, int]]:
        out = []
        for path in sorted(self.language_of):
            table = self.tables.table(path)
            if table is not None:
                out += [(path, i) for i, s in enumerate(table.symbols) if i and s.name.startswith(prefix)]
        return out

    def files(self) -> list[str]:
        """Source files of the view, sorted."""
        return sorted(self.language_of)

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        loc = self._locate(node_id)
        return self._make_node(loc) if loc is not None else None

    def _locate(self, node_id: str) -> tuple | None:
        """("repo",) | ("dir", d) | ("file", p) | ("sym", path, idx)."""
        v = self
        if node_id == REPOSITORY_ID:
            return ("repo",)
        if is_unresolved(node_id):
            return None
        if ":" in node_id:
            path, qual = node_id.split(":", 1)
            table = v.tables.symbols(path)
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
        v = self
        if loc[0] == "repo":
            return Node(REPOSITORY_ID, NodeKind.REPOSITORY, self.repo_name, self.repo_name, "")
        if loc[0] == "dir":
            d = loc[1]
            return Node(d + "/", NodeKind.DIRECTORY, posixpath.basename(d), d, d, parent=_dir_id(posixpath.dirname(d)))
        if loc[0] == "file":
            p = loc[1]
            table = v.tables.symbols(p)
            lines = table.symbols[0].end_line if table and table.symbols else 0
            return Node(
                p, NodeKind.FILE, posixpath.basename(p), p, p, 1, lines,
                content_hash=self._blob_sha(p), language=v.language_of[p],
                parent=_dir_id(posixpath.dirname(p)),
            )
        _, path, idx = loc
        return self._sym_node(path, idx)

    def _blob_sha(self, path: str) -> str:
        return self._sha_of(path)

    def _sym_node(self, path: str, idx: int) -> Node:
        v = self
        table = v.tables.symbols(path)
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
            return self.tables.module_of[path]
        table = self.tables.symbols(path)
        assert table is not None
        return f"{path}:{table.symbols[idx].qualname}"

    def _require(self, node_id: str) -> tuple:
        loc = self._locate(node_id)
        if loc is None and not is_unresolved(node_id):
            raise NodeNotFoundError(f"no node {node_id!r} in the index of {self.repo_name}")
        return loc  # type: ignore[return-value]

    # -- search ---------------------------------------------------------------------------------
    # -- edges ----------------------------------------------------------------------------------
    def edges(self, node_id: str) -> list[Edge]:
        """Every edge into or out of `node_id`, sorted."""
        return sorted(set(self._out_edges(node_id)) | set(self._in_edges(node_id)))

    def _out_edges(self, node_id: str, kinds: frozenset[EdgeKind] | None = None) -> list[Edge]:
        loc = self._require(node_id)
        if loc is None:
            return []
        v = self
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
        if kinds is not None and not kinds & _FROM_REFS:
            return _dedupe(out)  # DEFINES only: walking a big file's definitions stays linear
        resolver = v.resolver
        for ref in table.refs:
            if ref.src != idx and not (ref.kind == IMPORT and idx == 0):
                continue
            if ref.kind == IMPORT:
                if idx == 0 and ref.name != "*" and want(EdgeKind.IMPORTS):
                    out.append(Edge(node_id, resolver.resolve(table, ref), EdgeKind.IMPORTS, ref.line))
            elif ref.kind in _REF_EDGE and want(_REF_EDGE[ref.kind]):
                target = resolver.resolve(table, ref)
                # A name used without a call that resolves nowhere is mostly a local variable.
                if ref.kind != REFERENCE or not is_unresolved(target):
                    out.append(Edge(node_id, target, _REF_EDGE[ref.kind], ref.line))
        if idx and want(EdgeKind.TESTS) and symbol_kind(table.language, path, table.symbols, idx) == NodeKind.TEST:
            out += self._tests_from(node_id, path, idx)
        return _dedupe(out)

    def _tests_from(self, node_id: str, path: str, idx: int) -> list[Edge]:
        """What a test exercises: its resolved calls into non-test code, and `test_x` naming `x`."""
        v = self
        table = v.tables.table(path)
        assert table is not None
        out: list[Edge] = []
        for ref in table.calls_in(idx):
            target = v.resolver.resolve(table, ref)
            if not is_unresolved(target) and v.resolver.observe(("code", target), self._is_code, target):
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
                target = v.resolver.node_id(found)
                if v.resolver.observe(("code", target), self._is_code, target):
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
        v = self
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
        v = self
        resolver = v.resolver
        if is_unresolved(node_id):
            name = node_id[1:].rsplit(".", 1)[-1]
        elif ":" in node_id:
            name = node_id.split(":", 1)[1].rsplit(".", 1)[-1].split("#", 1)[0]
        else:
            name = node_id.rsplit(".", 1)[-1]
        names = {name}
        module_path = v.tables.path_of.get(node_id) if ":" not in node_id else None
        if module_path is not None and (
            module_path.endswith(".go") or posixpath.basename(module_path).startswith("index.")
        ):  # Go packages and JS `index` files are imported by their directory's name
            names.add(posixpath.basename(posixpath.dirname(module_path)))
        if module_path is not None and posixpath.basename(module_path).startswith("__init__."):
            names.add("")  # `from . import x` reaches the package when `x` is not a definition
        out: list[Edge] = []
        called_from: dict[tuple[str, int], int] = {}  # (path, idx) -> first line calling node_id
        want_imports = EdgeKind.IMPORTS in kinds
        paths = sorted({p for n in names for p in self._paths_using(n)})
        for path in paths:
            table = v.tables.table(path)
            if table is None:
                continue
            module_id = v.tables.module_of[path]
            aliases = {name}
            for r in table.refs:
                if r.kind == IMPORT and r.alias and r.name == name:
                    aliases.add(r.alias)
            for ref in table.refs:
                if ref.kind == IMPORT:
                    if not want_imports or ref.name == "*":
                        continue
                    if ref.name not in names and ref.alias not in names and (
                        ref.target.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[-1] not in names
                    ):
                        continue
                    if resolver.resolve(table, ref) == node_id:
                        out.append(Edge(module_id, node_id, EdgeKind.IMPORTS, ref.line))
                    continue
                if ref.name not in aliases:
                    continue
                kind = _REF_EDGE.get(ref.kind)
                if kind is None or kind not in kinds or (kind == EdgeKind.REFERENCES and is_unresolved(node_id)):
                    continue
                if resolver.resolve(table, ref) != node_id:
                    continue
                src = module_id if ref.src == 0 else f"{path}:{table.symbols[ref.src].qualname}"
                if kind in keep:
                    out.append(Edge(src, node_id, kind, ref.line))
                if tests and kind == EdgeKind.CALLS and ref.src > 0:
                    key = (path, ref.src)
                    called_from[key] = min(ref.line, called_from.get(key, ref.line))
        if tests and not is_unresolved(node_id) and self._is_code(node_id):
            # Tests named after the code (`test_x`, `TestX.test_y`) need the full naming rule;
            # tests that merely call it are TESTS edges at the first calling line.
            named = set(self._names_with_prefix("test_" + name)) | set(self._names_with_prefix("test" + name))
            for path, idx in sorted(named | called_from.keys()):
                table = v.tables.table(path)
                if table is None or symbol_kind(table.language, path, table.symbols, idx) != NodeKind.TEST:
                    continue
                src = self._id_of(path, idx)
                if (path, idx) in named:
                    out += [e for e in self._tests_from(src, path, idx) if e.dst == node_id]
                else:
                    out.append(Edge(src, node_id, EdgeKind.TESTS, called_from[(path, idx)]))
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
        # Definitions only: a store that loads them apart from refs (`load_symbols`) skips the refs.
        table = self.tables.symbols(path)
        if table is None:
            raise NodeNotFoundError(f"no file {path!r} in the index of {self.repo_name}")
        nodes = [self._sym_node(path, i) for i in range(1, len(table.symbols))]
        return render_skeleton(self._sym_node(path, 0), nodes)

    def all_edges(self) -> list[Edge]:
        """Every resolved and unresolved IMPORTS/CALLS/INHERITS/REFERENCES edge of the view."""
        v = self
        if v.full_edges is None:
            v.full_edges = self.file_edges(list(v.blob_of))
        return v.full_edges

    def file_edges(self, paths: Sequence[str]) -> list[Edge]:
        """IMPORTS/CALLS/INHERITS/REFERENCES edges whose source lies in `paths`."""
        out: list[Edge] = []
        for path in sorted(set(paths)):
            table = self.tables.table(path)
            if table is not None:
                out += self.resolver.file_edges(table, self.tables.module_of[path])
        return out

    def repo_map(self, token_budget: int = 1024, hits: Sequence[tuple[str, float]] = ()) -> RepoMap:
        """Central symbols first: PageRank over resolved CALLS/INHERITS/IMPORTS/REFERENCES,
        personalized to `hits` ((node id, weight), e.g. search results for a query).

        With hits, the graph is the hits' files and the files they import (the neighbourhood a
        personalized walk mostly stays in), which keeps a query's map fast on large views;
        without, it is the whole view."""
        if hits:
            seeds = {loc[1] for loc in (self._locate(h) for h, _ in hits) if loc is not None and len(loc) > 1}
            near = set(seeds)
            for edge in self.file_edges(sorted(seeds)):
                if edge.kind == EdgeKind.IMPORTS and edge.resolved:
                    loc = self._locate(edge.dst)
                    if loc is not None and len(loc) > 1:
                        near.add(loc[1])
            source = self.file_edges(sorted(near))
        else:
            source = self.all_edges()
        edges = [(e.src, e.dst, _RANK_WEIGHTS[e.kind]) for e in source if e.resolved and e.kind in _RANK_WEIGHTS]
        personal: dict[str, float] = {}
        for node_id, weight in hits:
            personal[node_id] = personal.get(node_id, 0.0) + weight
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

    # -- materialization ------------------------------------------------------------------------
    def iter_nodes(self) -> Iterator[Node]:
        """Every node of the view: repository, directories, files, modules, definitions."""
        yield self._make_node(("repo",))
        for d in sorted(k for k in self.dirs if k):
            yield self._make_node(("dir", d))
        for path in sorted(self.blob_of):
            yield self._make_node(("file", path))
            table = self.tables.table(path)
            if table is not None:
                for idx in range(len(table.symbols)):
                    yield self._sym_node(path, idx)

    def iter_edges(self) -> Iterator[Edge]:
        """Every edge of the view (what a materializing backend writes), each once."""
        for node in self.iter_nodes():
            yield from self._out_edges(node.id)


def _dir_id(directory: str) -> str:
    return directory + "/" if directory else REPOSITORY_ID


def _dedupe(edges: list[Edge]) -> list[Edge]:
    best: dict[tuple, Edge] = {}
    for e in edges:
        key = (e.src, e.dst, e.kind)
        if key not in best or e.line < best[key].line:
            best[key] = e
    return sorted(best.values(), key=lambda e: (e.src, e.dst, e.kind, e.line))
