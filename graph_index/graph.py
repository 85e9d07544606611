"""The one interface every graph backend implements, and the factory that picks the backend.

A `CodeGraph` is bound to one repository and, after `index` (or when opened on an existing
index), to one *view*: the files of one commit (or of the working tree). Every query answers
for that view. Results are deterministic and identical across backends: callers may compare
them, and the shared test suite does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from graph_index.config import GraphSettings
from graph_index.models import Edge, EdgeKind, IndexStats, Node, RepoMap, SearchHit, Subgraph


@runtime_checkable
class CodeGraph(Protocol):
    """Read and build the code graph of one repository."""

    def index(self, repo_path: Path | str, commit: str | None = None) -> IndexStats:
        """Index `repo_path` at `commit` (None: the working tree as it is on disk) and switch to that view.

        Incremental: files whose content hash is already stored are reused, not parsed.
        """
        ...

    repo_path: Path
    """The repository on disk that this graph indexes."""

    @property
    def commit(self) -> str | None:
        """The commit of the current view (None for a working-tree view or before any index)."""
        ...

    def files(self) -> list[str]:
        """Repository-relative paths of the indexed source files in the view, sorted."""
        ...

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        ...

    def symbol(self, name_or_id: str) -> list[Node]:
        """Definitions matching an id, a qualified name (`Class.method`), a dotted module path
        (`pkg.mod.Class`) or a bare name; exact id first, then qualname, then name matches."""
        ...

    def search(self, text: str, k: int = 10) -> list[SearchHit]:
        """Full-text BM25 search over names, signatures, docstrings and identifiers in bodies."""
        ...

    def callers(self, node_id: str, depth: int = 1) -> Subgraph:
        """Functions/classes/modules that call `node_id`, transitively up to `depth` hops."""
        ...

    def callees(self, node_id: str, depth: int = 1) -> Subgraph:
        """What `node_id` calls, up to `depth` hops; unresolved calls appear as `?name` targets."""
        ...

    def neighbors(
        self, node_id: str, depth: int = 1, edge_kinds: Sequence[EdgeKind] | None = None
    ) -> Subgraph:
        """Nodes within `depth` hops in either direction over `edge_kinds` (None: all kinds)."""
        ...

    def edges(self, node_id: str) -> list[Edge]:
        """Every edge into or out of `node_id`, sorted."""
        ...

    def file_skeleton(self, path: str) -> str:
        """The file's classes and functions as signatures and docstrings, bodies elided."""
        ...

    def repo_map(self, token_budget: int = 1024, query: str | None = None) -> RepoMap:
        """The most central symbols (PageRank over CALLS/IMPORTS/INHERITS, personalized to the
        search hits of `query` when given), rendered until `token_budget` is spent."""
        ...

    def paths_between(self, src: str, dst: str, max_depth: int = 4) -> list[list[Edge]]:
        """Shortest directed paths from `src` to `dst` over resolved edges, up to `max_depth` hops."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


def open_graph(
    settings: GraphSettings,
    repo_path: Path | str,
    commit: str | None = None,
    *,
    index_path: Path | str | None = None,
    rebuild: bool = False,
) -> CodeGraph:
    """Open the graph of `repo_path` with the backend `settings.backend` names.

    With `commit`, the view is that commit's if it was indexed (else queries raise
    `NotIndexedError` until `index` is called); without it, the most recently indexed view.
    `index_path` overrides where the embedded store keeps its file; `rebuild` starts it afresh
    (the way out of a corrupted or foreign index file).
    """
    if settings.backend == "embedded":
        from graph_index.embedded import EmbeddedGraph

        return EmbeddedGraph.open(settings, repo_path, commit, index_path=index_path, rebuild=rebuild)
    if settings.backend == "neo4j":
        try:
            from graph_index.neo4j_backend import Neo4jGraph  # type: ignore[import-not-found]
        except ImportError as exc:  # built in issue 4
            from graph_index.errors import GraphStoreError

            raise GraphStoreError(f"the neo4j backend is not available: {exc}") from exc
        return Neo4jGraph.open(settings, repo_path, commit, rebuild=rebuild)
    raise ValueError(f"unknown graph backend {settings.backend!r}")
