"""orch's top layer: the LangGraph workflow, run records, the CLI and the GitHub App."""

__version__ = "0.1.0"

from orchestrator.workflow.api import Budgets, SolveRequest, SolveResult, SolveStatus, solve  # noqa: E402

__all__ = ["Budgets", "SolveRequest", "SolveResult", "SolveStatus", "__version__", "solve"]
