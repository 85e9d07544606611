"""Runs the compiled workflow for one request (being built; see issue 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestrator.config import OrchSettings
    from orchestrator.workflow.api import SolveRequest, SolveResult


def run_solve(request: SolveRequest, settings: OrchSettings) -> SolveResult:
    raise NotImplementedError("the solve workflow is being built (issue 7)")
