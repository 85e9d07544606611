"""What the App writes on GitHub: PR bodies and issue comments, rendered from plain data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestrator.github_app.events import Trigger
from orchestrator.records.model import PLAN, SUMMARY
from orchestrator.workflow import SolveResult

_MAX_LIST = 20


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_summary(run_dir: Path | None) -> dict[str, Any]:
    """The run record's summary.json, or {} when the run left none (e.g. it never started)."""
    data = _read_json(run_dir / SUMMARY) if run_dir else None
    return data if isinstance(data, dict) else {}


def run_plan(run_dir: Path | None) -> Any:
    """The run record's plan.json ({"summary", "subtasks": [{"role", "goal", ...}]}), or None."""
    return _read_json(run_dir / PLAN) if run_dir else None


def render_plan(plan: Any) -> str:
    """A plan as Markdown: its summary, then the subtasks in order with the role of each."""
    if not plan:
        return "_No plan was recorded._"
    if isinstance(plan, str):
        return plan.strip()
    if isinstance(plan, dict) and isinstance(plan.get("subtasks"), list):
        head = str(plan.get("summary") or "").strip()
        steps = render_plan(plan["subtasks"]) if plan["subtasks"] else ""
        return "\n\n".join(part for part in (head, steps) if part) or "_No plan was recorded._"
    if isinstance(plan, list):
        lines = []
        for i, item in enumerate(plan[:_MAX_LIST], 1):
            if isinstance(item, dict):
                title = item.get("goal") or item.get("title") or item.get("description") or json.dumps(item)[:200]
                role = f" ({item['role']})" if item.get("role") else ""
                lines.append(f"{i}. {title}{role}")
            else:
                lines.append(f"{i}. {item}")
        return "\n".join(lines)
    return f"```json\n{json.dumps(plan, indent=2)[:2000]}\n```"


def render_tests(tests: dict[str, str]) -> str:
    if not tests:
        return "_No test evidence was recorded._"
    rows = ["| test | result |", "| --- | --- |"]
    rows += [f"| `{name}` | {outcome} |" for name, outcome in list(sorted(tests.items()))[:_MAX_LIST]]
    if len(tests) > _MAX_LIST:
        rows.append(f"| ... {len(tests) - _MAX_LIST} more | |")
    return "\n".join(rows)


def render_spend(result: SolveResult, budget_usd: float) -> str:
    return (
        f"${result.cost_usd:.2f} of a ${budget_usd:.2f} cap, {result.tokens} tokens, "
        f"{result.model_calls} model calls, {result.duration_s:.0f} s"
    )


def pr_title(trigger: Trigger, issue_title: str) -> str:
    return f"orch: {issue_title or f'fix for #{trigger.issue_number}'}"[:240]


def pr_body(trigger: Trigger, result: SolveResult, budget_usd: float) -> str:
    return "\n\n".join(
        [
            f"Fixes #{trigger.issue_number}. Draft opened by orch for @{trigger.sender}; "
            "review it like any contribution before marking it ready.",
            f"**Outcome:** {result.status.value}. {result.message}".strip(),
            "## Plan\n" + render_plan(run_plan(result.run_dir)),
            "## Test evidence\n" + render_tests(result.tests),
            "## Spend\n" + render_spend(result, budget_usd),
            f"Run `{result.run_id}`.",
        ]
    )


def status_comment(job_id: int) -> str:
    return f"orch is working on this issue (job {job_id}). A draft pull request or an explanation will follow."


def success_comment(pr_url: str, result: SolveResult, budget_usd: float) -> str:
    return f"orch opened a draft pull request: {pr_url}\n\nSpend: {render_spend(result, budget_usd)}."


def failure_comment(job_id: int, reason: str, result: SolveResult | None, budget_usd: float | None) -> str:
    parts = [f"orch could not produce a pull request for this issue (job {job_id}).", f"**Reason:** {reason}"]
    if result is not None:
        summary = run_summary(result.run_dir)
        parts.append(
            "**Run summary:** "
            + f"run `{result.run_id}`, status {result.status.value}"
            + (f", spend {render_spend(result, budget_usd)}" if budget_usd is not None else "")
        )
        if summary:
            keep = {k: summary[k] for k in list(summary)[:12] if not isinstance(summary[k], (dict, list))}
            parts.append("```json\n" + json.dumps(keep, indent=2, default=str)[:3000] + "\n```")
        if result.tests:
            parts.append(render_tests(result.tests))
    return "\n\n".join(parts)
