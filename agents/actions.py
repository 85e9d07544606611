"""Turning a model reply into actions: native tool calls, or the text-action fallback.

The fallback is for models without tool calling: the model writes exactly one fenced block

    ```action
    {"tool": "view_file", "args": {"path": "src/app.py", "start": 1, "end": 40}}
    ```

and this module parses it. A reply that is neither is a `FormatError`, which the agent loop
turns into an observation telling the model how to answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage

from agents.errors import AgentsError

ACTION_FORMAT = (
    'Reply with exactly one fenced block:\n```action\n{"tool": "<tool name>", "args": {<arguments>}}\n```'
)
_BLOCK = re.compile(r"```[ \t]*(action|json)?[ \t]*\n(.*?)```", re.DOTALL)


class FormatError(AgentsError):
    """The reply held no usable action; the message says what was wrong and what to write."""


@dataclass
class Action:
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None
    error: str | None = None
    """Set when the call itself was malformed (e.g. arguments that are not JSON)."""


def parse_text_action(text: str) -> Action:
    blocks = _BLOCK.findall(text or "")
    tagged = [body for tag, body in blocks if tag == "action"]
    candidates = tagged or [body for _, body in blocks]
    if not candidates:
        raise FormatError(f"no action block found. {ACTION_FORMAT}")
    if len(tagged) > 1:
        raise FormatError(f"found {len(tagged)} action blocks; one action per reply. {ACTION_FORMAT}")
    body = candidates[-1].strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise FormatError(f"the action block is not valid JSON ({exc.msg} at line {exc.lineno}). {ACTION_FORMAT}") from exc
    if not isinstance(data, dict):
        raise FormatError(f"the action must be a JSON object. {ACTION_FORMAT}")
    name = data.get("tool") or data.get("name")
    args = data.get("args", data.get("arguments", {}))
    if not isinstance(name, str) or not name:
        raise FormatError(f'the action needs a "tool" name. {ACTION_FORMAT}')
    if not isinstance(args, dict):
        raise FormatError(f'"args" must be a JSON object. {ACTION_FORMAT}')
    return Action(name=name, args=args)


def parse_reply(message: AIMessage, native_tools: bool) -> list[Action]:
    """All actions in a reply, in order. Raises `FormatError` when there are none."""
    actions: list[Action] = []
    if native_tools:
        for call in message.tool_calls:
            actions.append(Action(name=call["name"], args=dict(call.get("args") or {}), call_id=call.get("id")))
        for bad in message.invalid_tool_calls:
            actions.append(Action(name=bad.get("name") or "", args={}, call_id=bad.get("id"),
                                  error=f"arguments are not valid JSON: {str(bad.get('args'))[:200]}"))
        if actions:
            return actions
    # `text` joins a reply's text blocks (Anthropic and the Responses API answer in blocks).
    try:
        return [parse_text_action(message.text)]
    except FormatError:
        if native_tools:
            raise FormatError("the reply called no tool; call one of the tools (or the finishing tool when done)") from None
        raise
