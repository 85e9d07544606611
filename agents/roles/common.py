"""What several roles share: rendering localization results, finding symbols a diff touches."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from agents.diffs import FileChange, parse_diff
from agents.protocols import GraphLike

_CODE_KINDS = {"function", "class", "test", "method"}


def render_localization(localization: Any, limit: int = 15) -> str:
    """The LLM-free localization result as prompt text; accepts the dict shape or any object."""
    if localization is None:
        return "(none)"
    if hasattr(localization, "model_dump"):
        localization = localization.model_dump(mode="json")
    elif hasattr(localization, "to_dict"):
        localization = localization.to_dict()
    if isinstance(localization, str):
        return localization
    if not isinstance(localization, dict):
        return json.dumps(localization, default=str)[:4000]
    lines: list[str] = []
    for key in ("files", "functions"):
        entries = localization.get(key) or []
        if not entries:
            continue
        lines.append(f"{key}:")
        for e in entries[:limit]:
            e = e if isinstance(e, dict) else getattr(e, "__dict__", {"id": str(e)})
            ident = e.get("id") or e.get("path") or e.get("node_id") or "?"
            ev = e.get("evidence") or ""
            if isinstance(ev, list | tuple):
                ev = "; ".join(str(x) for x in ev[:3])
            score = e.get("score")
            lines.append(f"- {ident}" + (f" (score {score:.2f})" if isinstance(score, int | float) else "") + (f": {str(ev)[:200]}" if ev else ""))
    return "\n".join(lines) or "(none)"


def _kind(node: Any) -> str:
    return str(getattr(node.kind, "value", node.kind))


def nodes_in_file(graph: GraphLike, path: str) -> list[Any]:
    """Classes, functions and tests defined in `path` (file -> module -> class -> method)."""
    try:
        sub = graph.neighbors(path, 3, ["DEFINES"])
    except Exception:
        return []
    return [n for n in sub.nodes if _kind(n) in _CODE_KINDS and n.path == path]


def symbols_touched(graph: GraphLike, changes: Iterable[FileChange]) -> list[Any]:
    """The innermost graph definitions whose base-commit lines a diff touches."""
    out: dict[str, Any] = {}
    for change in changes:
        if change.new_file:
            continue
        defs = nodes_in_file(graph, change.path)
        for lo, hi in change.old_spans:
            hits = [n for n in defs if n.start_line <= hi and n.end_line >= lo]
            if hits:
                inner = min(hits, key=lambda n: n.end_line - n.start_line)
                out[inner.id] = inner
    return list(out.values())


def symbols_touched_by_diff(graph: GraphLike, diff: str) -> list[Any]:
    return symbols_touched(graph, parse_diff(diff))
