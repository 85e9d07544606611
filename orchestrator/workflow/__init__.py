"""The solve workflow: a LangGraph StateGraph from an issue to a validated diff."""

from orchestrator.workflow.api import Budgets, SolveRequest, SolveResult, SolveStatus, solve

__all__ = ["Budgets", "SolveRequest", "SolveResult", "SolveStatus", "solve"]
