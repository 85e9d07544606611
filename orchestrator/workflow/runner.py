"""Runs the compiled workflow for one request: run directory, checkpointer, resume, summary."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from orchestrator.logs import bind_context, run_log_file
from orchestrator.progress import Progress
from orchestrator.records import RunRecorder, RunSummary, new_run_id
from orchestrator.records.model import CHECKPOINTS, REQUEST, RUNNING
from orchestrator.records.writer import utc_now
from orchestrator.workflow import adapters
from orchestrator.workflow.api import SolveRequest, SolveResult, SolveStatus
from orchestrator.workflow.graph import build_graph
from orchestrator.workflow.routing import Limits
from orchestrator.workflow.services import InfraError, Services
from orchestrator.workflow.state import CHECKPOINT_TYPES, SolveState, Spend

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


def _checkpointer(settings: OrchSettings, run_dir: Path, stack: ExitStack) -> Any:
    """SQLite in the run directory by default; Postgres (a shared store, e.g. for Ray workers)
    when configured. Raises _InputError when the configured store cannot be used."""
    serde = JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)
    if settings.workflow.checkpointer == "postgres":
        if not settings.workflow.postgres_dsn:
            raise _InputError("workflow.checkpointer is postgres but workflow.postgres_dsn is not set")
        try:
            from langgraph.checkpoint.postgres import PostgresSaver  # type: ignore[import-not-found]
        except ImportError:
            raise _InputError("workflow.checkpointer postgres needs: pip install langgraph-checkpoint-postgres") from None
        saver = stack.enter_context(PostgresSaver.from_conn_string(settings.workflow.postgres_dsn))
        saver.serde = serde
        saver.setup()
        return saver
    conn = sqlite3.connect(run_dir / CHECKPOINTS, check_same_thread=False)
    stack.callback(conn.close)
    # WAL with synchronous=NORMAL: a commit survives the process being killed (what resume is
    # for) without an fsync per checkpoint; only a host crash can lose the last few.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return SqliteSaver(conn, serde=serde)


def run_solve(
    request: SolveRequest,
    settings: OrchSettings,
    *,
    roles: Any = None,
    progress: Progress | None = None,
) -> SolveResult:
    """`roles` overrides the agents (tests of the workflow's own logic pass their own)."""
    runs_dir = Path(request.runs_dir or settings.run.runs_dir).expanduser()
    try:
        request, run_id = _resolve_request(request, runs_dir)
    except _InputError as exc:
        return SolveResult(run_id=request.run_id or "", status=SolveStatus.ERROR_INPUT,
                           run_dir=runs_dir / (request.run_id or ""), message=str(exc))
    settings = effective_settings(settings, request)
    run_dir = runs_dir / run_id
    recorder = RunRecorder(run_dir)
    if not request.resume:
        recorder.write_request(request.model_dump(mode="json", exclude={"resume"}))
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
            saver = _checkpointer(settings, run_dir, stack)
        except _InputError as exc:
            final = SolveState(run_id=run_id, status=SolveStatus.ERROR_INPUT.value, message=str(exc))
            return _finish(recorder, summary, final, settings, 0.0, resumable=False)
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
        config: dict[str, Any] = {"configurable": {"thread_id": run_id}, "recursion_limit": RECURSION_LIMIT}
        snapshot = app.get_state(config)
        started_before = bool(snapshot.values)
        if started_before and not snapshot.next:
            final = SolveState.model_validate(snapshot.values)
            recorder.event("run", action="resume_noop", reason="run already finished")
            return _finish(recorder, summary, final, settings, 0.0, resumable=False)
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
