"""Building scripted model replies in tests."""

from __future__ import annotations

import json
from typing import Any


def call(tool: str, /, **args: Any) -> dict:
    """One reply calling one tool natively."""
    return {"tool_calls": [{"name": tool, "args": args}]}


def action(tool: str, /, **args: Any) -> str:
    """One reply in the text-action fallback format."""
    body = json.dumps({"tool": tool, "args": args})
    return f"Next step.\n```action\n{body}\n```"


def observations(events: list) -> list[tuple[str | None, bool, str]]:
    """(tool, ok, observation) of every tool call an agent made."""
    return [(e.tool, e.ok, e.observation or "") for e in events if e.kind == "tool_call"]
