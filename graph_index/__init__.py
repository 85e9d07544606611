"""The code knowledge graph: tree-sitter parsing, stores (embedded, Neo4j), retrieval, localization."""

from graph_index.config import GraphSettings
from graph_index.errors import GraphStoreError, NodeNotFoundError, NotIndexedError
from graph_index.graph import CodeGraph, open_graph

# Last: localization is written against the CodeGraph interface imported above.
from graph_index.localize import FileHit, FunctionHit, Localization, localize  # noqa: E402
from graph_index.models import (
    REPOSITORY_ID,
    Edge,
    EdgeKind,
    IndexStats,
    Node,
    NodeKind,
    RepoMap,
    RepoMapEntry,
    SearchHit,
    Subgraph,
    is_unresolved,
)

__all__ = [
    "REPOSITORY_ID",
    "CodeGraph",
    "Edge",
    "EdgeKind",
    "FileHit",
    "FunctionHit",
    "GraphSettings",
    "GraphStoreError",
    "IndexStats",
    "Localization",
    "Node",
    "NodeKind",
    "NodeNotFoundError",
    "NotIndexedError",
    "RepoMap",
    "RepoMapEntry",
    "SearchHit",
    "Subgraph",
    "is_unresolved",
    "localize",
    "open_graph",
]
