"""Which units the function ranking returns: functions nested in a ranked function.

Ranking folds a nested function (a closure, a local helper) into the top-level function or
method that holds it, but the fix lands in the innermost unit and that is the unit to return: a
fix inside `_print_Sum`'s helper `asum` edits `asum` (and usually `_print_Sum` around it). So the
nested functions of the best-ranked functions follow them in the ranking. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graph_index.localize.view import Symbol

NESTED_OUTERS = 3
"""Ranked functions, best first, whose nested functions join the ranking."""
NESTED_PER_OUTER = 2
"""Nested functions taken per ranked function (a method with six closures would crowd out the rest)."""


def nested_in(outer_id: str, nested: Sequence[Symbol]) -> list[Symbol]:
    """Functions defined anywhere inside `outer_id` (at any depth), in source order."""
    prefix = outer_id + "."
    return sorted((s for s in nested if s.id.startswith(prefix)), key=lambda s: (s.start_line, s.id))


def with_nested(
    ranking: Sequence[tuple[str, float]],
    nested_of: Mapping[str, Sequence[Symbol]],
    k: int,
    outers: int = NESTED_OUTERS,
    per_outer: int = NESTED_PER_OUTER,
) -> list[tuple[str, float]]:
    """`ranking` (best first) with the nested functions of its first `outers` functions placed
    right after them, each scored like the function holding it; cut to `k`. `nested_of` maps a
    path to its nested functions."""
    out: list[tuple[str, float]] = []
    seen: set[str] = set()
    for rank, (sid, score) in enumerate(ranking):
        if sid in seen:
            continue
        out.append((sid, score))
        seen.add(sid)
        if rank < outers:
            inner = [s for s in nested_in(sid, nested_of.get(sid.split(":", 1)[0], ())) if s.id not in seen]
            for s in inner[:per_outer]:
                out.append((s.id, score))
                seen.add(s.id)
    return out[:k]
