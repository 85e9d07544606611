"""`localize(graph, issue_text)`: the package's entry point on any `CodeGraph` backend."""

from __future__ import annotations

from graph_index.graph import CodeGraph
from graph_index.localize.graph_access import GraphAccess
from graph_index.localize.locate import localize_with
from graph_index.localize.models import Localization
from graph_index.localize.scoring import Weights


def localize(graph: CodeGraph, issue_text: str, top_k: int = 10, weights: Weights | None = None) -> Localization:
    """Rank the files and functions `issue_text` is about in the graph's current view, best first,
    each with the evidence that ranked it. No model is involved."""
    return localize_with(GraphAccess(graph), issue_text, top_k=top_k, weights=weights)
