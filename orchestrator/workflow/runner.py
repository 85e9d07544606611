"""Runs the compiled workflow for one request: run directory, checkpointer, resume, summary."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Collection
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import ValidationError

from orchestrator.logs import bind_context, run_log_file
from orchestrator.progress import Progress
from orchestrator.records import RunRecorder, RunSummary, new_run_id
from orchestrator.records.model import REQUEST, RUNNING, SETTINGS, TRAJECTORY
from orchestrator.records.writer import utc_now
from orchestrator.workflow import adapters
from orchestrator.workflow.api import SolveRequest, SolveResult, SolveStatus
from orchestrator.workflow.checkpointers import CheckpointerConfigError, describe, open_checkpointer
from orchestrator.workflow.graph import build_graph
from orchestrator.workflow.routing import Limits
from orchestrator.workflow.run_settings import (
    SavedRunSettings,
    SavedSettingsError,
    new_thread_id,
    resumed_settings,
    saved_run_settings,
)
from orchestrator.workflow.services import InfraError, Services
from orchestrator.workflow.state import SolveState, Spend

if TYPE_CHECKING:
    from orchestrator.config import OrchSettings

log = structlog.get_logger(__name__)

# Supersteps per run before LangGraph stops it; loops are bounded by the workflow limits long
# before this, so hitting it means a routing bug, not a hard issue.
RECURSION_LIMIT = 500


class _InputError(Exception):
    pass


def effective_settings(settings: OrchSettings, request: SolveRequest) -> OrchSettings:
    """The request's model, budgets, sandbox and runs_dir over the configured values."""
    budget = settings.budget.model_copy(
        update={k: v for k, v in request.budgets.model_dump().items() if v is not None}
    )
    model = settings.model.model_copy(update={"name": request.model}) if request.model else settings.model
    harness = (
        settings.harness.model_copy(update={"sandbox": request.sandbox}) if request.sandbox else settings.harness
    )
    run = settings.run.model_copy(update={"runs_dir": request.runs_dir}) if request.runs_dir else settings.run
    return settings.model_copy(update={"budget": budget, "model": model, "harness": harness, "run": run})


def _resolve_request(request: SolveRequest, runs_dir: Path) -> tuple[SolveRequest, str]:
    if not request.resume:
        run_id = request.run_id or new_run_id(request.instance_id or _hint(request))
        if (runs_dir / run_id / REQUEST).exists():
            raise _InputError(f"run {run_id} already exists; resume it with --resume {run_id}")
        return request, run_id
    if not request.run_id:
        raise _InputError("resume needs a run id")
    saved_path = runs_dir / request.run_id / REQUEST
    if not saved_path.exists():
        raise _InputError(f"no run {request.run_id!r} under {runs_dir} to resume")
    saved = SolveRequest.model_validate(json.loads(saved_path.read_text()))
    # What the caller gives now (a bigger budget, another sandbox) wins over what was saved.
    given = {k: v for k, v in request.model_dump(exclude={"resume", "run_id", "budgets"}).items() if v is not None}
    budgets = saved.budgets.model_copy(update={k: v for k, v in request.budgets.model_dump().items() if v is not None})
    merged = SolveRequest.model_validate(
        {**saved.model_dump(), **given, "budgets": budgets.model_dump(), "resume": True, "run_id": request.run_id}
    )
    return merged, request.run_id


def _hint(request: SolveRequest) -> str:
    """A readable part for the run id: owner-repo-N for a URL, the example or file name otherwise."""
    ref = request.issue or request.issue_title or "issue"
    if ref.startswith(("http://", "https://")):
        parts = [p for p in ref.split("/") if p][-4:]
        return "-".join(p for p in parts if p != "issues")
    path = Path(ref)
    generic = path.stem.lower() in ("issue", "readme", "problem", "bug")
    return (path.parent.name if generic and path.parent.name else path.stem) if "/" in ref else ref


def _run_settings(
    settings: OrchSettings, given: SolveRequest, request: SolveRequest, run_dir: Path,
    explicit: Collection[str] | None,
) -> tuple[OrchSettings, str, SavedRunSettings | None]:
    """(effective settings, checkpoint thread, what to save for a new run).

    With `explicit` given, a resumed run gets back the settings it was started with; only what
    this session gives explicitly (those dotted keys, and the resume request's own fields)
    changes them. With None the caller's settings are used as they are."""
    saved_path = run_dir / SETTINGS
    if request.resume and saved_path.exists():
        try:
            saved = SavedRunSettings.model_validate_json(saved_path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise SavedSettingsError(f"{saved_path} is not a valid run settings record ({exc.error_count()} errors)") from None
        if explicit is None:
            return effective_settings(settings, request), saved.thread_id, None
        return effective_settings(resumed_settings(settings, saved, explicit), given), saved.thread_id, None
    if request.resume:
        # Recorded before runs saved their settings: the current ones, on the run id's thread.
        return effective_settings(settings, request), request.run_id or "", None
    effective = effective_settings(settings, request)
    thread_id = new_thread_id(request.run_id or run_dir.name)
    return effective, thread_id, saved_run_settings(effective, thread_id)


def _nodes_recorded(run_dir: Path) -> bool:
    """Whether the trajectory shows workflow nodes that ran (so checkpoints must exist)."""
    traj = run_dir / TRAJECTORY
    return traj.exists() and any('"kind":"node"' in line for line in traj.read_text(encoding="utf-8").splitlines())


def run_solve(
    request: SolveRequest,
    settings: OrchSettings,
    *,
    roles: Any = None,
    progress: Progress | None = None,
    explicit: Collection[str] | None = None,
) -> SolveResult:
    """`roles` overrides the agents (tests of the workflow's own logic pass their own).

    `explicit`: on resume, restore the settings the run was started with (settings.json) over
    `settings`, except these dotted keys given for this session (`orch solve` passes its --set
    keys). None (library callers such as the batch runner and the GitHub App, which own their
    configuration): `settings` is used as given."""
    runs_dir = Path(request.runs_dir or settings.run.runs_dir).expanduser()
    given = request
    try:
        request, run_id = _resolve_request(request, runs_dir)
        run_dir = runs_dir / run_id
        settings, thread_id, to_save = _run_settings(settings, given, request, run_dir, explicit)
    except (_InputError, SavedSettingsError) as exc:
        return SolveResult(run_id=request.run_id or "", status=SolveStatus.ERROR_INPUT,
                           run_dir=runs_dir / (request.run_id or ""), message=str(exc))
    recorder = RunRecorder(run_dir)
    if not request.resume:
        recorder.write_request(request.model_dump(mode="json", exclude={"resume"}))
    if to_save is not None:
        recorder.write_json(SETTINGS, to_save.model_dump(mode="json"))
    previous = recorder.read_summary()
    summary = (previous or RunSummary(run_id=run_id, started_at=utc_now())).model_copy(
        update={"status": RUNNING, "model": settings.model.name, "sandbox": settings.harness.sandbox,
                "instance_id": request.instance_id, "resumable": True, "pid": os.getpid()}
    )
    recorder.write_summary(summary)
    session_started = time.monotonic()

    with ExitStack() as stack:
        stack.enter_context(run_log_file(run_dir))
        stack.enter_context(bind_context(run_id=run_id, instance_id=request.instance_id))
        prog = progress or Progress(enabled=False)
        stack.enter_context(prog)
        try:
            saver = open_checkpointer(settings, run_dir, stack)
        except (CheckpointerConfigError, InfraError) as exc:
            # Nothing ran: once the store is fixed or back, --resume starts the run properly.
            failed = SolveStatus.ERROR_INPUT if isinstance(exc, CheckpointerConfigError) else SolveStatus.ERROR_INFRA
            recorder.event("run", action="stopped", status=failed.value, error=str(exc))
            final = SolveState(run_id=run_id, status=failed.value, message=str(exc))
            return _finish(recorder, summary, final, settings, 0.0, resumable=True)
        sv = Services(
            recorder=recorder,
            progress=prog,
            roles=roles,
            open_sandbox=adapters.sandbox_opener(settings, request),
            open_graph=adapters.graph_opener(settings),
            model=None,
            limits=Limits(
                review_rounds=settings.workflow.review_rounds,
                subtask_retries=settings.workflow.subtask_retries,
                replans=settings.workflow.replans,
                candidates=settings.workflow.candidates,
            ),
            step_delay=settings.workflow.step_delay,
        )
        stack.callback(sv.close)
        app = build_graph(sv, request, settings.app.api_url, settings.harness.repos_dir).compile(checkpointer=saver)
        config: dict[str, Any] = {"configurable": {"thread_id": thread_id}, "recursion_limit": RECURSION_LIMIT}
        snapshot = app.get_state(config)
        started_before = bool(snapshot.values)
        if request.resume and not started_before and _nodes_recorded(run_dir):
            # Starting over here would silently redo (and re-spend) the recorded work.
            message = (f"no checkpoints of run {run_id} in {describe(settings, run_dir)}; resume it with the "
                       "checkpoint store it ran with (workflow.checkpointer, workflow.postgres_dsn)")
            final = SolveState(run_id=run_id, status=SolveStatus.ERROR_INPUT.value, message=message)
            return _finish(recorder, summary, final, settings, 0.0, resumable=True)
        if started_before and not snapshot.next:
            final = SolveState.model_validate(snapshot.values)
            if final.status is not None:
                recorder.event("run", action="resume_noop", reason="run already finished")
                return _finish(recorder, summary, final, settings, 0.0, resumable=False)
            # No next node and no outcome: killed before its first node was scheduled, so nothing
            # ran. Taking it for finished ended such runs as error_infra with no message (seen when
            # a batch was killed just as it started an instance); start it afresh instead.
            started_before = False
        spend = SolveState.model_validate(snapshot.values).spend if started_before else Spend()
        recorder.event("run", action="resume" if started_before else "start", next=list(snapshot.next),
                       spend=spend.model_dump())
        status: SolveStatus | None = None
        message = ""
        try:
            sv.model = adapters.model_client(settings, spend, recorder)
            sv.roles = roles if roles is not None else adapters.roles(settings)
            # "sync": a node's checkpoint is on disk before the next node starts, so a kill at
            # any moment loses at most the node that was running.
            app.invoke(None if started_before else SolveState(run_id=run_id), config, durability="sync")
        except Exception as exc:  # every failure ends as a status; the record stays resumable
            status, message = _classify(exc)
            log.warning("run_stopped", status=status.value, error=message)
            log.debug("run_stopped_traceback", exc_info=True)  # the run's log.jsonl keeps it
            recorder.event("run", action="stopped", status=status.value, error=message)
        values = app.get_state(config).values
        final = SolveState.model_validate(values) if values else SolveState(run_id=run_id)
        if status is not None:
            spent = sv.spend() if sv.model is not None else final.spend
            final = final.model_copy(update={"status": status.value, "message": message, "spend": spent})
        resumable = status is not None and status != SolveStatus.ERROR_INPUT
        return _finish(recorder, summary, final, settings, time.monotonic() - session_started, resumable)
    raise AssertionError("unreachable")


def _classify(exc: Exception) -> tuple[SolveStatus, str]:
    names = {c.__name__ for c in type(exc).__mro__}
    text = f"{type(exc).__name__}: {exc}"
    if "BudgetExceeded" in names:
        return SolveStatus.BUDGET_EXHAUSTED, f"budget exhausted: {exc}"
    if isinstance(exc, InfraError):
        return SolveStatus.ERROR_INFRA, str(exc)
    if "ModelConfigError" in names:
        return SolveStatus.ERROR_INPUT, text
    return SolveStatus.ERROR_INFRA, text


def _finish(recorder: RunRecorder, summary: RunSummary, final: SolveState, settings: OrchSettings,
            session_s: float, resumable: bool) -> SolveResult:
    status = SolveStatus(final.status) if final.status else SolveStatus.ERROR_INFRA
    evidence = final.evidence
    summary = summary.model_copy(update={
        "status": status.value,
        "message": final.message,
        "issue_title": final.issue.title if final.issue else summary.issue_title,
        "issue_url": final.issue.url if final.issue else summary.issue_url,
        "instance_id": (final.issue.instance_id if final.issue else None) or summary.instance_id,
        "repo": final.repo.source if final.repo else summary.repo,
        "commit": final.repo.commit if final.repo else summary.commit,
        "finished_at": utc_now(),
        "duration_s": round(summary.duration_s + session_s, 3),
        "cost_usd": round(final.spend.cost_usd, 6),
        "tokens": final.spend.tokens,
        "model_calls": final.spend.steps,
        "tests": evidence.as_tests() if evidence else {},
        "nodes_completed": final.completed,
        "resumable": resumable,
        "pid": None,
    })
    recorder.write_summary(summary)
    return SolveResult(
        run_id=summary.run_id, status=status, run_dir=recorder.root, instance_id=summary.instance_id,
        patch=final.patch if status in (SolveStatus.RESOLVED, SolveStatus.UNVALIDATED) else "",
        cost_usd=summary.cost_usd, tokens=summary.tokens, model_calls=summary.model_calls,
        duration_s=summary.duration_s, message=final.message, tests=summary.tests,
    )
