"""Live resources of one process running the workflow: sandbox, graph, model, recorder, progress.

None of this is checkpointed. A resumed run rebuilds the sandbox from the state (base commit +
current patch + reproduction test), so a killed process loses nothing a checkpoint recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from orchestrator.progress import Progress
from orchestrator.records import RunRecorder
from orchestrator.workflow.ports import (
    AgentContext,
    GraphOpener,
    GraphPort,
    Roles,
    Sandbox,
    SandboxOpener,
)
from orchestrator.workflow.routing import Limits
from orchestrator.workflow.state import SolveState, Spend

log = structlog.get_logger(__name__)


class InfraError(RuntimeError):
    """A sandbox or graph failure: the run stops as error_infra and stays resumable."""


@dataclass
class Services:
    recorder: RunRecorder
    progress: Progress
    roles: Roles
    open_sandbox: SandboxOpener
    open_graph: GraphOpener
    model: Any
    """The run's model client (agents.ModelClient); `model.budget.usage()` is the spend."""
    limits: Limits = field(default_factory=Limits)
    top_k: int = 10
    step_delay: float = 0.0
    workdir: Path = Path(".")
    _sandbox: Sandbox | None = None
    _graph: GraphPort | None = None

    # -- sandbox -----------------------------------------------------------------------------
    def sandbox(self, state: SolveState) -> Sandbox:
        if self._sandbox is None:
            assert state.repo is not None
            try:
                sb = self.open_sandbox(Path(state.repo.path), state.repo.commit)
            except Exception as exc:
                raise InfraError(f"cannot open sandbox: {type(exc).__name__}: {exc}") from exc
            self._sandbox = sb
            self._restore(sb, state)
        return self._sandbox

    def _restore(self, sb: Sandbox, state: SolveState) -> None:
        """Bring a fresh sandbox to what the state says (after a resume)."""
        if state.patch.strip():
            result = sb.apply_patch(state.patch)
            if not result.applied:
                raise InfraError(f"cannot restore the run's patch in a fresh sandbox: {result.reason}")
            self.recorder.event("run", action="sandbox_restored", patch_bytes=len(state.patch))
        if state.reproduction is not None:
            sb.write_file(state.reproduction.test_path, state.reproduction.content)

    def reset_sandbox(self, state: SolveState, keep_reproduction: bool = True) -> None:
        if self._sandbox is None:
            return
        self._sandbox.reset()
        if keep_reproduction and state.reproduction is not None:
            self._sandbox.write_file(state.reproduction.test_path, state.reproduction.content)

    # -- graph -------------------------------------------------------------------------------
    def graph(self, state: SolveState) -> GraphPort:
        if self._graph is None:
            assert state.repo is not None
            try:
                self._graph = self.open_graph(Path(state.repo.path), state.repo.commit)
            except Exception as exc:
                raise InfraError(f"cannot open the code graph: {type(exc).__name__}: {exc}") from exc
        return self._graph

    def context(self, state: SolveState, role: str) -> AgentContext:
        assert state.issue is not None
        model = self.model.for_role(role) if hasattr(self.model, "for_role") else self.model
        return AgentContext(
            sandbox=self.sandbox(state),
            graph=self.graph(state).graph,
            model=model,
            issue=state.issue,
            localization=state.localization,
        )

    def spend(self) -> Spend:
        budget = getattr(self.model, "budget", None)
        if budget is None:
            return Spend()
        return budget.usage()

    def close(self) -> None:
        if self._sandbox is not None:
            try:
                self._sandbox.close()
            except Exception as exc:  # closing must not mask the run's own outcome
                log.warning("sandbox_close_failed", error=str(exc))
            self._sandbox = None
        closer = getattr(self._graph, "close", None)
        if callable(closer):
            closer()
        self._graph = None
