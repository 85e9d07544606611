"""Events every model call and tool call emits, for the run's trajectory.jsonl.

Hooks are plain callables taking one event; the workflow passes one that appends
`event.model_dump(mode="json")` to the trajectory. A failing hook never breaks a run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import structlog
from langchain_core.messages import BaseMessage
from pydantic import BaseModel, Field

from agents.budget import Usage

log = structlog.get_logger(__name__)


class ModelCallEvent(BaseModel):
    kind: Literal["model_call"] = "model_call"
    role: str | None
    model: str
    ok: bool
    attempt: int
    duration_s: float
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    usage_estimated: bool = False
    """True when the response carried no usage and tokens were estimated from text."""
    spend: Usage
    """Run spend after this call."""
    messages: int = 0
    """How many messages the request held."""
    response: dict[str, Any] | None = None
    error: str | None = None


class AgentEvent(BaseModel):
    """One step of an agent loop: its start, a tool call with the observation, or its end."""

    kind: Literal["agent_start", "tool_call", "agent_end"]
    role: str
    step: int = 0
    tool: str | None = None
    args: dict[str, Any] | None = None
    observation: str | None = None
    ok: bool = True
    detail: dict[str, Any] = Field(default_factory=dict)


Event = ModelCallEvent | AgentEvent
EventHook = Callable[[Event], None]


def emit(hooks: Sequence[EventHook], event: Event) -> None:
    for hook in hooks:
        try:
            hook(event)
        except Exception:  # a broken recorder must not kill the run it records
            log.exception("event_hook_failed", hook=repr(hook), kind=event.kind)


def message_to_dict(message: BaseMessage) -> dict[str, Any]:
    """A stable, JSON-ready view of a message, used for cassettes and events."""
    out: dict[str, Any] = {"role": message.type, "content": message.content}
    calls = getattr(message, "tool_calls", None)
    if calls:
        out["tool_calls"] = [{"name": c["name"], "args": c["args"], "id": c.get("id")} for c in calls]
    invalid = getattr(message, "invalid_tool_calls", None)
    if invalid:
        out["invalid_tool_calls"] = [
            {"name": c.get("name"), "args": c.get("args"), "id": c.get("id"), "error": c.get("error")} for c in invalid
        ]
    call_id = getattr(message, "tool_call_id", None)
    if call_id:
        out["tool_call_id"] = call_id
    return out


def tool_names(tools: Sequence[dict] | None) -> list[str]:
    names = []
    for t in tools or []:
        fn = t.get("function", t)
        names.append(fn.get("name", "?"))
    return names
