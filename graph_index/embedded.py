"""The embedded backend: `CodeGraph` over the SQLite store, resolving names lazily per view.

Only per-file facts are stored; edges between files are resolved on demand for the files a
query touches (`graph_index.resolve`), so indexing a commit costs one parse per new file and
one small view row per file, and two commits never disagree about shared files.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import structlog

from graph_index.config import GraphSettings
from graph_index.errors import NotIndexedError
from graph_index.indexer import list_view, parse_files
from graph_index.models import Edge, EdgeKind, IndexStats, Node, RepoMap, SearchHit, Subgraph
from graph_index.parsing import chunks as chunking
from graph_index.parsing.facts import Ref, Symbol
from graph_index.resolve import FileSymbols, FileTable
from graph_index.sources import is_git_repo, resolve_commit
from graph_index.store import SqliteStore, pack_row
from graph_index.viewgraph import ViewGraph

log = structlog.get_logger(__name__)

WRITE_BATCH = 200
"""Parsed files per write transaction."""
SHARED_TABLES = 20000
"""File tables kept in memory across the views one graph object visits (oldest dropped first)."""

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


class _View(ViewGraph):
    """A view of the store: tables load lazily from SQLite, lookups use its indexes."""

    def __init__(
        self, store: SqliteStore, view_id: int, key: str, repo_name: str, shared: dict[tuple[int, str], FileTable]
    ) -> None:
        self.id = view_id
        self.key = key
        rows = store.view_files(view_id)
        blob_of = {path: blob for path, blob, _ in rows}

        def load(path: str) -> FileTable | None:
            blob = blob_of.get(path)
            if blob is None:
                return None
            # Tables depend on content and path only, so views of other commits share them.
            cached = shared.get((blob, path))
            if cached is not None:
                return cached
            language, _errors, _lines, package = store.blob_meta(blob)
            symbols = [Symbol(*row) for row in store.blob_syms(blob)]
            refs = [Ref(*row) for row in store.blob_refs(blob)]
            table = FileTable(path, language, symbols, refs, package)
            if len(shared) >= SHARED_TABLES:
                shared.pop(next(iter(shared)))
            shared[(blob, path)] = table
            return table

        language_of = {path: lang for path, _, lang in rows}

        def load_symbols(path: str) -> FileSymbols | FileTable | None:
            blob = blob_of.get(path)
            if blob is None:
                return None
            cached = shared.get((blob, path))
            if cached is not None:
                return cached
            return FileSymbols(path, language_of[path], [Symbol(*row) for row in store.blob_syms(blob)])

        def sha_of(path: str) -> str:
            row = store.db.execute("SELECT sha FROM blobs WHERE id = ?", (blob_of[path],)).fetchone()
            return row[0] if row else ""

        super().__init__(
            repo_name,
            {path: lang for path, _, lang in rows},
            load,
            sha_of=sha_of,
            paths_using=lambda name: store.blobs_using(view_id, [name]),
            names_with_prefix=lambda prefix: store.find_syms_prefix(view_id, prefix),
            load_symbols=load_symbols,
        )


class _StoreChunks:
    """The chunk cache of one index run: entries from the store, new ones written with the
    blobs they came with (every worker of a batch sharing the file sees them once committed)."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.pending: dict[str, bytes] = {}

    def get(self, keys: list[str]) -> dict[str, bytes]:
        found = self.store.get_chunks(keys)
        for key in keys:
            if key not in found and key in self.pending:
                found[key] = self.pending[key]
        return found

    def put(self, entries: dict[str, bytes]) -> None:
        self.pending.update(entries)

    def flush(self) -> None:
        """Write pending entries; call inside a store transaction."""
        if self.pending:
            self.store.drop_chunks_except(chunking.version())
            self.store.add_chunks(self.pending.items())
            self.pending = {}


class EmbeddedGraph:
    """`CodeGraph` backed by one SQLite file per repository."""

    def __init__(self, store: SqliteStore, repo_path: Path, workers: int | None = None, *,
                 pieces: bool = False) -> None:
        self.store = store
        self.pieces = pieces
        self.repo_path = repo_path
        self.workers = workers
        self._view: _View | None = None
        self._tables: dict[tuple[int, str], FileTable] = {}
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
        graph = cls(SqliteStore(path, rebuild=rebuild), repo, pieces=settings.piece_cache == "on")
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
            self._view = _View(self.store, view_id, key, self.repo_path.name, self._tables)
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
        ids = dict(known)
        # Parsed files are written in short transactions as they come: other writers (batch
        # workers indexing other commits of the same repository) interleave instead of waiting
        # for a whole parse, and an interrupted index keeps what it stored (content-addressed,
        # so the next run simply reuses it).
        batch: list[tuple] = []
        chunks = _StoreChunks(store) if self.pieces else None
        rows = parse_files(read(new), len(new), self.workers, finish=pack_row, chunks=chunks)  # type: ignore[arg-type]
        for row in rows:
            if row is None:
                binary += 1
                continue
            batch.append(row)
            if len(batch) >= WRITE_BATCH:
                ids.update(self._write_blobs(batch, chunks))
                batch = []
        if batch or (chunks is not None and chunks.pending):
            ids.update(self._write_blobs(batch, chunks))
        files = [(f.path, ids[f.sha]) for f in listing.files if f.sha in ids]
        key = listing.commit or f"worktree:{repo}"
        skipped = listing.skipped + sum(1 for f in listing.files if f.sha not in ids)
        store.begin()
        try:
            view = store.put_view(files)
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

    def _write_blobs(self, rows: list[tuple], chunks: _StoreChunks | None) -> dict[str, int]:
        self.store.begin()
        try:
            ids = self.store.add_blobs(rows)
            if chunks is not None:
                chunks.flush()
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise
        return ids

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
        return self.view.files()

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        return self.view.node(node_id)

    def symbol(self, name_or_id: str) -> list[Node]:
        """Exact id, else qualified name, else dotted module path, else bare name matches."""
        exact = self.view.node(name_or_id)
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
        return [v._sym_node(p, i) for p, i in hits]

    def search(self, text: str, k: int = 10) -> list[SearchHit]:
        """BM25 over names (x10), qualified names (x4), docstrings (x2) and body identifiers."""
        terms = query_terms(text)
        if not terms or k <= 0:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self.store.search(self.view.id, match, k)
        return [SearchHit(self.view._sym_node(p, i), -score) for p, i, score in rows]


    def edges(self, node_id: str) -> list[Edge]:
        """Every edge into or out of `node_id`, sorted."""
        return self.view.edges(node_id)

    def callers(self, node_id: str, depth: int = 1) -> Subgraph:
        """Who calls `node_id`, transitively up to `depth` hops."""
        return self.view.callers(node_id, depth)

    def callees(self, node_id: str, depth: int = 1) -> Subgraph:
        """What `node_id` calls, up to `depth` hops; unresolved calls as `?name` targets."""
        return self.view.callees(node_id, depth)

    def neighbors(self, node_id: str, depth: int = 1, edge_kinds: Sequence[EdgeKind] | None = None) -> Subgraph:
        """Nodes within `depth` hops either way over `edge_kinds` (None: all)."""
        return self.view.neighbors(node_id, depth, edge_kinds)

    def paths_between(self, src: str, dst: str, max_depth: int = 4) -> list[list[Edge]]:
        """Shortest directed paths over resolved edges of every kind but CONTAINS."""
        return self.view.paths_between(src, dst, max_depth)

    def file_skeleton(self, path: str) -> str:
        """Signatures and docstrings of a file's definitions, bodies elided."""
        return self.view.file_skeleton(path)

    def repo_map(self, token_budget: int = 1024, query: str | None = None) -> RepoMap:
        """Central symbols first (PageRank personalized to `query`'s search hits)."""
        hits = [(h.node.id, h.score) for h in self.search(query, k=20)] if query else []
        return self.view.repo_map(token_budget, hits)
