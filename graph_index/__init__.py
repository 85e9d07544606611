"""The code knowledge graph: tree-sitter parsing, stores (embedded, Neo4j), retrieval, localization."""

from graph_index.config import GraphSettings
from graph_index.errors import GraphStoreError, NodeNotFoundError, NotIndexedError
from graph_index.graph import CodeGraph, open_graph
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
    "GraphSettings",
    "GraphStoreError",
    "IndexStats",
    "Node",
    "NodeKind",
    "NodeNotFoundError",
    "NotIndexedError",
    "RepoMap",
    "RepoMapEntry",
    "SearchHit",
    "Subgraph",
    "is_unresolved",
    "open_graph",
]
