"""PageRank over plain edge lists, personalized; used by `repo_map` in every backend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import repeat
from operator import add, mul, sub


def pagerank(
    edges: Iterable[tuple[str, str, float]],
    personalization: Mapping[str, float] | None = None,
    damping: float = 0.85,
    iterations: int = 40,
    tol: float = 1e-6,
) -> dict[str, float]:
    """Scores summing to 1 for every node on an edge. Dangling mass and teleports go to the
    personalization vector (uniform when it is empty or names no node)."""
    out: dict[str, dict[str, float]] = {}
    nodes: set[str] = set()
    for src, dst, w in edges:
        if src == dst:
            continue
        nodes.add(src)
        nodes.add(dst)
        row = out.setdefault(src, {})
        row[dst] = row.get(dst, 0.0) + w
    if not nodes:
        return {}
    order = sorted(nodes)
    index = {n: i for i, n in enumerate(order)}
    n = len(order)
    pers = [0.0] * n
    if personalization:
        for key, w in personalization.items():
            if key in index and w > 0:
                pers[index[key]] += w
    total = sum(pers)
    pers = [p / total for p in pers] if total > 0 else [1.0 / n] * n
    links: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for src, row in out.items():
        s = sum(row.values())
        links[index[src]] = [(index[d], w / s) for d, w in sorted(row.items())]
    rank = pers[:]
    for _ in range(iterations):
        new = [0.0] * n
        dangling = 0.0
        for i, r in enumerate(rank):
            row = links[i]
            if row:
                r *= damping
                for j, w in row:
                    new[j] += r * w
            else:
                dangling += damping * r
        base = 1.0 - damping + dangling
        new = list(map(add, new, map(mul, pers, repeat(base, n))))
        delta = sum(map(abs, map(sub, new, rank)))
        rank = new
        if delta < tol:
            break
    return {order[i]: rank[i] for i in range(n)}
