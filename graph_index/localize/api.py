"""`localize(graph, issue_text)`: the package's entry point on any `CodeGraph` backend."""

from __future__ import annotations

from graph_index.graph import CodeGraph
from graph_index.localize.graph_access import GraphAccess
from graph_index.localize.history import HistorySource
from graph_index.localize.locate import localize_with
from graph_index.localize.models import Localization
from graph_index.localize.scoring import Weights


def localize(
    graph: CodeGraph,
    issue_text: str,
    top_k: int = 10,
    weights: Weights | None = None,
    history: HistorySource | None = None,
) -> Localization:
    """Rank the files and functions `issue_text` is about in the graph's current view, best first,
    each with the evidence that ranked it. No model is involved. Past commits come from the
    graph's repository at the view's commit, or from `history` when given (a tree materialized
    from a bare mirror has no history of its own)."""
    return localize_with(GraphAccess(graph, history=history), issue_text, top_k=top_k, weights=weights)
