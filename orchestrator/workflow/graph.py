"""The StateGraph: ingest -> index -> localize -> plan -> subtasks by role -> select -> emit."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from langgraph.graph import END, START, StateGraph

from orchestrator.logs import bind_context
from orchestrator.workflow import nodes, routing
from orchestrator.workflow.api import SolveRequest
from orchestrator.workflow.services import Services
from orchestrator.workflow.state import SolveState


def _instrument(name: str, fn: Callable[[SolveState], dict[str, Any]], sv: Services) -> Callable:
    """Progress, trajectory, spend and the completed-node list around every node."""

    def run(state: SolveState) -> dict[str, Any]:
        sub = state.subtask()
        label = f"{sub.id} ({sub.role})" if sub and name not in ("ingest", "index", "localize", "plan") else ""
        sv.progress.node(name, label)
        sv.recorder.event("node", node=name, subtask=sub.id if sub else None, phase="start")
        if sv.step_delay:
            # At the start, not the end: the previous node's checkpoint is already on disk here.
            time.sleep(sv.step_delay)
        started = time.perf_counter()
        with bind_context(run_id=state.run_id, node=name):
            update = fn(state)
        spend = sv.spend()
        sv.progress.spend(spend.cost_usd, spend.steps)
        sv.recorder.event("node", node=name, phase="end", duration_s=round(time.perf_counter() - started, 4),
                          cost_usd=round(spend.cost_usd, 6), steps=spend.steps)
        return {**update, "spend": spend, "completed": [*state.completed, name]}

    run.__name__ = name
    return run


def _route(name: str, decide: Callable[[SolveState], str], sv: Services) -> Callable[[SolveState], str]:
    """Routing functions record their decision; the edge taken is named after it."""

    def route(state: SolveState) -> str:
        decision = decide(state)
        sv.recorder.event("route", node=name, decision=decision,
                          subtask=(s.id if (s := state.subtask()) else None))
        return decision

    return route


def build_graph(sv: Services, request: SolveRequest, api_url: str, repos_dir: str | None = None) -> StateGraph:
    lim = sv.limits
    g = StateGraph(SolveState)
    steps: dict[str, Callable[[SolveState], dict[str, Any]]] = {
        "ingest": partial(nodes.ingest, sv=sv, request=request, api_url=api_url, repos_dir=repos_dir),
        "index": partial(nodes.index, sv=sv),
        "localize": partial(nodes.localize, sv=sv),
        "plan": partial(nodes.plan, sv=sv),
        "reproduce": partial(nodes.reproduce, sv=sv),
        "code": partial(nodes.code, sv=sv),
        "validate": partial(nodes.validate, sv=sv),
        "review": partial(nodes.review, sv=sv),
        "advance": partial(nodes.advance, sv=sv),
        "select": partial(nodes.select, sv=sv),
        "emit": partial(nodes.emit, sv=sv),
    }
    for name, fn in steps.items():
        g.add_node(name, _instrument(name, fn, sv))

    by_role = {
        "tester_reproduces": "reproduce",
        "tester_validates": "validate",
        "coder_edits": "code",
        "reviewer_reviews": "review",
        "all_subtasks_done": "select",
        "stopped": "emit",
    }
    g.add_edge(START, "ingest")
    g.add_conditional_edges(
        "ingest", _route("ingest", lambda s: "ingest_failed" if s.status else "ingested", sv),
        {"ingested": "index", "ingest_failed": "emit"},
    )
    g.add_edge("index", "localize")
    g.add_edge("localize", "plan")
    g.add_conditional_edges("plan", _route("plan", routing.route_by_role, sv), by_role)
    g.add_conditional_edges("advance", _route("advance", routing.route_by_role, sv), by_role)
    g.add_conditional_edges(
        "reproduce", _route("reproduce", partial(routing.after_reproduce, limits=lim), sv),
        {"reproduction_retry": "reproduce", "next_subtask": "advance"},
    )
    g.add_edge("code", "validate")
    g.add_conditional_edges(
        "validate", _route("validate", partial(routing.after_validate, limits=lim), sv),
        {"tests_pass": "review", "next_subtask": "advance", "tests_fail_retry": "code",
         "replan": "plan", "give_up": "select"},
    )
    g.add_conditional_edges(
        "review", _route("review", partial(routing.after_review, limits=lim), sv),
        {"approved": "advance", "changes_requested": "code", "give_up": "select"},
    )
    g.add_conditional_edges(
        "select", _route("select", partial(routing.after_select, limits=lim), sv),
        {"another_candidate": "advance_candidate", "emit": "emit"},
    )
    # A new candidate re-enters the subtask loop at the first coder subtask (set by select).
    g.add_node("advance_candidate", lambda s: {})
    g.add_conditional_edges("advance_candidate", _route("advance_candidate", routing.route_by_role, sv), by_role)
    g.add_edge("emit", END)
    return g
