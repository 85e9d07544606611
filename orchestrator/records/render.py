"""Readable text for a run: header, plan, which agent did what, test evidence, diff.

Pure functions from records to lines, shared by `orch runs show`, `orch solve` and `orch demo`.
"""

from __future__ import annotations

from orchestrator.records.model import RunSummary, TrajectoryEvent
from orchestrator.records.reader import RunView

_OUTPUT_LINES = 12


def summary_lines(s: RunSummary) -> list[str]:
    lines = [
        f"run        {s.run_id}",
        f"status     {s.status}" + (f" — {s.message}" if s.message else ""),
    ]
    if s.issue_title or s.issue_url:
        lines.append(f"issue      {s.issue_title or ''}" + (f" ({s.issue_url})" if s.issue_url else ""))
    if s.repo:
        lines.append(f"repository {s.repo} @ {(s.commit or '')[:12]}")
    lines.append(f"model      {s.model}   sandbox {s.sandbox}")
    lines.append(
        f"spend      ${s.cost_usd:.4f}, {s.tokens} tokens, {s.model_calls} model calls, {s.duration_s:.1f}s"
    )
    if s.tests:
        lines.append("tests      " + ", ".join(f"{k}: {v}" for k, v in s.tests.items()))
    if s.resumable and s.status not in ("resolved", "unvalidated", "failed", "running"):
        lines.append(f"resume     orch solve --resume {s.run_id}")
    return lines


def plan_lines(plan: dict | None) -> list[str]:
    if not plan:
        return ["(no plan)"]
    lines = [plan.get("summary", "")] if plan.get("summary") else []
    for i, sub in enumerate(plan.get("subtasks", []), 1):
        lines.append(f"{i}. [{sub.get('role')}] {sub.get('id')}: {sub.get('goal')}")
        if sub.get("acceptance"):
            lines.append(f"   accept when: {sub['acceptance']}")
    return lines


def _excerpt(text: str) -> list[str]:
    rows = [r for r in (text or "").rstrip().splitlines() if r.strip()]
    if len(rows) > _OUTPUT_LINES:
        rows = ["…", *rows[-_OUTPUT_LINES:]]
    return ["      │ " + r for r in rows]


_ARG_KEYS = ("path", "command", "name", "query", "test_path", "verdict", "summary")


def _tool_call(d: dict) -> str:
    """`replace_in_file(path=pagekit/paginator.py)` — the arguments a reader needs, not the payload."""
    args = d.get("args") or {}
    shown = ", ".join(f"{k}={str(args[k])[:70]}" for k in _ARG_KEYS if k in args)
    text = f"{d.get('tool') or '(invalid call)'}({shown})"
    if not d.get("ok", True):
        first = (d.get("observation") or "").strip().splitlines()
        text += f"  ✗ {first[0][:100] if first else 'failed'}"
    return text


def step_lines(events: list[TrajectoryEvent], with_output: bool = True) -> list[str]:
    """One line per thing an agent or the workflow did, in order."""
    lines: list[str] = []
    for ev in events:
        d = ev.data
        if ev.kind == "agent":
            action = d.get("action")
            if action == "plan":
                lines.append(f"planner   {'re-planned' if d.get('replan') else 'planned'} "
                             f"{len(d.get('subtasks', []))} subtasks")
            elif action == "edit":
                files = ", ".join(d.get("files", [])) or "nothing (no edit applied)"
                lines.append(f"coder     [{ev.subtask}] attempt {d.get('attempt')}: changed {files}")
            elif action in ("approve", "changes_requested"):
                verdict = "approved" if action == "approve" else "requested changes"
                lines.append(f"reviewer  [{ev.subtask}] {verdict}")
                lines += [f"      - {r}" for r in d.get("reasons", [])]
            else:
                lines.append(f"{ev.role or 'agent':<9} [{ev.subtask}] {action}")
        elif ev.kind == "test_run":
            ok = d.get("passed") if "passed" in d else not d.get("failed")
            phase = "before fix" if d.get("phase") == "before_fix" else "after fix"
            verdict = ("FAILED" if not ok else "passed") + f" ({phase})"
            if d.get("phase") == "before_fix":
                verdict += " — reproduces the issue" if not ok else " — does NOT reproduce the issue"
            lines.append(f"tester    [{ev.subtask}] {d.get('name')}: `{d.get('command')}` {verdict}")
            if with_output:
                lines += _excerpt(d.get("output", ""))
        elif ev.kind == "tool_call" and ev.role:
            lines.append(f"{ev.role:<9}   ↳ {_tool_call(d)}")
        elif ev.kind == "tool_call" and d.get("tool") == "graph.localize":
            lines.append(f"graph     localized (no model): {', '.join(d.get('files', [])[:5]) or 'no files'}")
            if d.get("functions"):
                lines.append(f"          top functions: {', '.join(d['functions'][:3])}")
        elif ev.kind == "tool_call" and d.get("tool") == "graph.index":
            lines.append(f"graph     indexed {d.get('files_parsed', '?')} files parsed, "
                         f"{d.get('files_reused', '?')} reused, {d.get('nodes', '?')} nodes")
        elif ev.kind == "route" and ev.data.get("decision") not in (None, "ingested"):
            lines.append(f"route     {ev.node} → {d.get('decision')}")
        elif ev.kind == "run" and d.get("action") in ("resume", "stopped", "ingest_failed", "sandbox_restored"):
            detail = d.get("error") or d.get("status") or ", ".join(d.get("next", []))
            lines.append(f"run       {d.get('action')}" + (f": {detail}" if detail else ""))
    return lines


def run_lines(view: RunView, with_output: bool = True) -> list[str]:
    out = ["== summary", *summary_lines(view.summary), "", "== plan", *plan_lines(view.plan), "",
           "== steps", *step_lines(view.events, with_output), "", "== diff"]
    out += view.patch.rstrip().splitlines() if view.patch.strip() else ["(no patch)"]
    return out


def list_lines(summaries: list[RunSummary]) -> list[str]:
    if not summaries:
        return ["(no runs)"]
    width = max(len(s.run_id) for s in summaries)
    rows = [f"{'RUN':<{width}}  {'STATUS':<16} {'COST':>8} {'CALLS':>5} {'TIME':>7}  ISSUE"]
    for s in summaries:
        rows.append(
            f"{s.run_id:<{width}}  {s.status:<16} {s.cost_usd:>8.4f} {s.model_calls:>5} "
            f"{s.duration_s:>6.1f}s  {(s.issue_title or s.instance_id or '')[:60]}"
        )
    return rows
