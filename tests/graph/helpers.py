"""Backend-independent helpers: walk a whole graph through the `CodeGraph` protocol only."""

from __future__ import annotations

import random

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


def mutate(source: bytes, rng: random.Random, noise: bytes, *, edits: int, cut: int, insert: int, junk: int) -> bytes:
    """`source` after 1..`edits` random edits: cuts of up to `cut` bytes, insertions of up to
    `insert` bytes of `noise` (the characters grammars care about), or up to `junk` random bytes."""
    data = bytearray(source)
    for _ in range(rng.randint(1, edits)):
        if not data:
            break
        at = rng.randrange(len(data))
        roll = rng.random()
        if roll < 0.4:
            del data[at : at + rng.randint(1, cut)]
        elif roll < 0.8:
            data[at:at] = bytes(rng.choice(noise) for _ in range(rng.randint(1, insert)))
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, junk)))
    return bytes(data)
