"""Single-shot roles: one model call per step, answering in a JSON object.

The workflow's built-in fallback while the tool-using agents of `agents.roles` are not available,
and the leanest possible roles for measuring the workflow's own overhead. Each role's reply is
parsed strictly; a reply that is not the expected JSON is treated as "no result", never a crash.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from orchestrator.workflow.ports import AgentContext
from orchestrator.workflow.state import Evidence, Plan, Reproduction, Review, Subtask

_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)

SYSTEMS = {
    "planner": 'You plan fixes. Answer with JSON: {"summary": str, "subtasks": [{"id", "role": '
    '"tester"|"coder"|"reviewer", "goal", "targets": [str], "acceptance"}]}.',
    "tester": 'You write a reproduction test that fails on the unfixed code. Answer with JSON: '
    '{"test_path", "content", "command", "regression_command"}.',
    "coder": 'You fix code with exact-match edits. Answer with JSON: {"edits": [{"path", "old", "new"}]}.',
    "reviewer": 'You review a diff with its test evidence. Answer with JSON: {"approved": bool, "reasons": [str]}.',
}


def parse_json_reply(text: str) -> dict[str, Any] | None:
    m = _FENCE.search(text)
    raw = m.group(1) if m else text.strip()
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _ask(ctx: AgentContext, role: str, prompt: str) -> dict[str, Any] | None:
    reply = ctx.model.complete([SystemMessage(SYSTEMS[role]), HumanMessage(prompt)])
    return parse_json_reply(reply.message.text)


def _issue(ctx: AgentContext) -> str:
    files = [f.get("path") for f in ctx.localization.get("files", [])][:10]
    return f"Issue:\n{ctx.issue.text}\n\nLikely files: {', '.join(p for p in files if p)}"


class JsonRoles:
    def plan(self, ctx: AgentContext, feedback: list[str]) -> Plan:
        note = "\n\nPrevious attempt failed:\n" + "\n".join(feedback) if feedback else ""
        data = _ask(ctx, "planner", _issue(ctx) + note) or {}
        try:
            plan = Plan.model_validate({"summary": data.get("summary", ""), "subtasks": data.get("subtasks", [])})
        except ValueError:
            plan = Plan()
        if not plan.subtasks:  # a plan the workflow can always execute
            plan = Plan(summary="reproduce, fix", subtasks=[
                Subtask(id="reproduce", role="tester", goal="reproduce the issue"),
                Subtask(id="fix", role="coder", goal="fix the issue",
                        acceptance="reproduction test fails before and passes after"),
            ])
        return plan

    def reproduce(self, ctx: AgentContext, subtask: Subtask, feedback: list[str]) -> Reproduction | None:
        data = _ask(ctx, "tester", f"{_issue(ctx)}\n\nSubtask: {subtask.goal}\n" + "\n".join(feedback))
        if not data or not all(isinstance(data.get(k), str) for k in ("test_path", "content", "command")):
            return None
        ctx.sandbox.write_file(data["test_path"], data["content"])
        before = ctx.sandbox.run(data["command"], timeout=None)
        return Reproduction(
            test_path=data["test_path"], content=data["content"], command=data["command"],
            failed_before=before.exit_code != 0, output_before=before.output[-20000:],
            regression_command=data.get("regression_command") or None,
        )

    def regression_command(self, ctx: AgentContext, patch: str, reproduction: Reproduction | None) -> str | None:
        return None  # the tester's reply names it (Reproduction.regression_command)

    def code(
        self, ctx: AgentContext, subtask: Subtask, feedback: list[str], reproduction: Reproduction | None = None
    ) -> None:
        data = _ask(ctx, "coder", f"{_issue(ctx)}\n\nSubtask: {subtask.goal}\n" + "\n".join(feedback)) or {}
        for edit in data.get("edits") or []:
            if not isinstance(edit, dict) or not isinstance(edit.get("path"), str):
                continue
            try:
                text = ctx.sandbox.read_file(edit["path"])
            except Exception:
                continue  # a missing file is an edit that does not apply
            old, new = str(edit.get("old", "")), str(edit.get("new", ""))
            if old and text.count(old) == 1:
                ctx.sandbox.write_file(edit["path"], text.replace(old, new))

    def review(self, ctx: AgentContext, subtask: Subtask, patch: str, evidence: Evidence) -> Review:
        tests = "\n".join(f"{r.name}: {'passed' if r.passed else 'failed'}" for r in evidence.runs)
        data = _ask(ctx, "reviewer", f"{_issue(ctx)}\n\nDiff:\n{patch}\n\nTests:\n{tests}") or {}
        reasons = [str(r) for r in data.get("reasons") or []]
        return Review(approved=bool(data.get("approved")), reasons=reasons)
