"""Tools an agent can call: a name, a description, a pydantic argument model and a function.

`ToolBox.execute` never raises for the model's mistakes: an unknown tool name, arguments that
fail validation and a tool's own `ToolError` all come back as a failed `Observation` that
tells the model what the valid choices are. Budget and model-layer errors do propagate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError

from agents.actions import Action
from agents.errors import AgentsError

log = structlog.get_logger(__name__)


class ToolError(Exception):
    """A tool could not do what was asked; the message is shown to the model."""


@dataclass
class Finish:
    """Returned by a finishing tool whose submission was accepted; ends the agent loop."""

    value: Any
    message: str = "accepted"


@dataclass
class Observation:
    text: str
    ok: bool
    finish: Finish | None = None


@dataclass
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    fn: Callable[[Any], str | Finish]

    def schema(self) -> dict[str, Any]:
        params = self.args.model_json_schema()
        params.pop("title", None)
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": params}}

    def describe(self) -> str:
        """For the text-action fallback: the tool as the prompt lists it."""
        params = self.schema()["function"]["parameters"]
        return f"- {self.name}: {self.description}\n  args (JSON schema): {json.dumps(params.get('properties', {}))}"


def truncate(text: str, limit: int) -> str:
    """Keep head and tail: the start of a file and the summary line of a test run matter most."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    return f"{text[:head]}\n[... {len(text) - head - tail} characters elided ...]\n{text[-tail:]}"


class ToolBox:
    def __init__(self, tools: Sequence[Tool], observation_chars: int = 8000) -> None:
        names = [t.name for t in tools]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate tool names: {names}")
        self.tools = {t.name: t for t in tools}
        self.observation_chars = observation_chars

    def schemas(self) -> list[dict[str, Any]]:
        return [t.schema() for t in self.tools.values()]

    def catalogue(self) -> str:
        return "\n".join(t.describe() for t in self.tools.values())

    def execute(self, action: Action) -> Observation:
        valid = ", ".join(self.tools)
        if action.error:
            return Observation(f"error: the call to {action.name or '?'} was malformed: {action.error}", ok=False)
        tool = self.tools.get(action.name)
        if tool is None:
            return Observation(f"error: unknown tool {action.name!r}. Valid tools: {valid}", ok=False)
        try:
            args = tool.args.model_validate(action.args)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(args)'}: {e['msg']}" for e in exc.errors())
            expected = json.dumps(tool.schema()["function"]["parameters"].get("properties", {}))
            return Observation(f"error: invalid arguments for {tool.name}: {problems}. Expected: {expected}", ok=False)
        try:
            out = tool.fn(args)
        except ToolError as exc:
            return Observation(f"error: {exc}", ok=False)
        except AgentsError:
            raise
        except Exception as exc:  # a tool bug or sandbox hiccup is the model's observation, not a crash
            log.warning("tool_failed", tool=tool.name, error=f"{type(exc).__name__}: {exc}")
            return Observation(f"error: {tool.name} failed: {type(exc).__name__}: {str(exc)[:500]}", ok=False)
        if isinstance(out, Finish):
            return Observation(out.message, ok=True, finish=out)
        return Observation(truncate(out, self.observation_chars), ok=True)
