"""orch's top layer: the LangGraph workflow, run records, the CLI and the GitHub App."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Budgets", "SolveRequest", "SolveResult", "SolveStatus", "__version__", "solve"]

if TYPE_CHECKING:
    from orchestrator.workflow.api import Budgets, SolveRequest, SolveResult, SolveStatus, solve


def __getattr__(name: str) -> Any:
    # Lazy, so that `orch --help` and `orch config show` do not import LangGraph and LangChain.
    if name in __all__ and name != "__version__":
        from orchestrator.workflow import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'orchestrator' has no attribute {name!r}")
