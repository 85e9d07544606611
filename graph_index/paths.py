"""Shortest paths between two nodes over an edge function; used by `paths_between` everywhere."""

from __future__ import annotations

from collections.abc import Callable

from graph_index.models import Edge


def shortest_paths(
    src: str, dst: str, out_edges: Callable[[str], list[Edge]], max_depth: int = 4, limit: int = 10
) -> list[list[Edge]]:
    """All shortest directed paths (up to `limit`, in sorted order) of at most `max_depth` edges."""
    if src == dst:
        return [[]]
    parents: dict[str, list[Edge]] = {src: []}
    frontier = [src]
    for _ in range(max_depth):
        level: dict[str, list[Edge]] = {}
        for node in frontier:
            for edge in out_edges(node):
                if edge.dst in parents or not edge.resolved:
                    continue
                level.setdefault(edge.dst, []).append(edge)
        if not level:
            return []
        parents.update(level)
        if dst in level:
            break
        frontier = sorted(level)
    if dst not in parents:
        return []
    paths: list[list[Edge]] = []

    def walk(node: str, suffix: list[Edge]) -> None:
        if len(paths) >= limit:
            return
        if node == src:
            paths.append(suffix)
            return
        for edge in sorted(parents[node]):
            walk(edge.src, [edge, *suffix])

    walk(dst, [])
    return sorted(paths)
