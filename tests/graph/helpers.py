"""Backend-independent helpers: walk a whole graph through the `CodeGraph` protocol only."""

from __future__ import annotations

from graph_index import REPOSITORY_ID, CodeGraph, EdgeKind, is_unresolved


def dump(graph: CodeGraph) -> tuple[dict[str, str], set[tuple[str, str, str]]]:
    """(id -> kind of every node reachable from the repository, every (src, KIND, dst) edge)."""
    nodes: dict[str, str] = {}
    edges: set[tuple[str, str, str]] = set()
    todo = [REPOSITORY_ID]
    while todo:
        node_id = todo.pop()
        if node_id in nodes:
            continue
        node = graph.node(node_id)
        assert node is not None, node_id
        nodes[node_id] = str(node.kind)
        for edge in graph.edges(node_id):
            if edge.src == node_id:
                edges.add((edge.src, str(edge.kind), edge.dst))
                if edge.kind in (EdgeKind.CONTAINS, EdgeKind.DEFINES) and not is_unresolved(edge.dst):
                    todo.append(edge.dst)
    return nodes, edges


def code_edges(edges: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Edges other than the CONTAINS/DEFINES structure."""
    return {e for e in edges if e[1] not in ("CONTAINS", "DEFINES")}
