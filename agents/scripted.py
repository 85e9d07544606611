"""Chat models without a model service: scripted responses and cassette replay.

Both are LangChain chat models, so LangGraph nodes and `ModelClient` treat them like any other.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from agents.errors import CassetteDivergence, ModelConfigError, ScriptExhausted
from agents.events import message_to_dict, tool_names


def _tool_schema(tool: Any) -> dict:
    if isinstance(tool, dict):
        return tool
    from langchain_core.utils.function_calling import convert_to_openai_tool

    return convert_to_openai_tool(tool)


def response_to_message(entry: Any) -> AIMessage:
    """A script or cassette entry -> AIMessage. Entry: a string, or {content, tool_calls, usage}."""
    if isinstance(entry, str):
        entry = {"content": entry}
    if not isinstance(entry, dict):
        raise ModelConfigError(f"scripted response must be a string or a mapping, got {entry!r}")
    calls = []
    for call in entry.get("tool_calls") or []:
        calls.append({"name": call["name"], "args": call.get("args") or {},
                      "id": call.get("id") or f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"})
    usage = entry.get("usage")
    meta = None
    if usage:
        i, o = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
        meta = {"input_tokens": i, "output_tokens": o, "total_tokens": i + o}
    invalid = [{"name": c.get("name"), "args": c.get("args"), "id": c.get("id"), "error": c.get("error"),
                "type": "invalid_tool_call"} for c in entry.get("invalid_tool_calls") or []]
    return AIMessage(content=entry.get("content") or "", tool_calls=calls, invalid_tool_calls=invalid,
                     usage_metadata=meta)


def load_script(path: Path) -> list[Any]:
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise ModelConfigError(f"script not found: {path}") from exc
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if isinstance(data, dict) and "responses" in data:
        data = data["responses"]
    if not isinstance(data, list):
        raise ModelConfigError(f"script {path} must hold a list of responses (or a mapping with `responses`)")
    return data


class ScriptedChatModel(BaseChatModel):
    """Plays `responses` in order, one per call; running out raises `ScriptExhausted`."""

    responses: list[Any]
    name_hint: str = "scripted"
    _index: int = PrivateAttr(default=0)

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedChatModel:
        return cls(responses=load_script(Path(path)), name_hint=f"scripted:{path}")

    @property
    def _llm_type(self) -> str:
        return "orch-scripted"

    @property
    def calls_made(self) -> int:
        return self._index

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any):  # type: ignore[override]
        return self.bind(tools=[_tool_schema(t) for t in tools], **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        if self._index >= len(self.responses):
            raise ScriptExhausted(
                f"{self.name_hint} has {len(self.responses)} responses and all were used; call {self._index + 1} has none")
        entry = self.responses[self._index]
        self._index += 1
        return ChatResult(generations=[ChatGeneration(message=response_to_message(entry))])


def request_record(messages: Sequence[BaseMessage], tools: Sequence[dict] | None) -> dict[str, Any]:
    """What a cassette stores and compares for one request."""
    return {"messages": [message_to_dict(m) for m in messages], "tools": tool_names(tools)}


class ReplayChatModel(BaseChatModel):
    """Plays a recorded cassette back; raises `CassetteDivergence` when a request differs."""

    interactions: list[dict[str, Any]]
    source: str = "cassette"
    _index: int = PrivateAttr(default=0)

    @classmethod
    def from_file(cls, path: str | Path) -> ReplayChatModel:
        p = Path(path)
        if not p.is_file():
            raise ModelConfigError(f"cassette not found: {p}")
        rows = [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
        return cls(interactions=rows, source=str(p))

    @property
    def _llm_type(self) -> str:
        return "orch-replay"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any):  # type: ignore[override]
        return self.bind(tools=[_tool_schema(t) for t in tools], **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        i = self._index
        if i >= len(self.interactions):
            raise CassetteDivergence(f"{self.source}: request {i + 1} was never recorded (cassette holds {len(self.interactions)})")
        recorded = self.interactions[i]["request"]
        actual = json.loads(json.dumps(request_record(messages, kwargs.get("tools")), default=str))
        if actual != recorded:
            raise CassetteDivergence(f"{self.source}: request {i + 1} diverges from the recording: {_first_difference(recorded, actual)}")
        self._index += 1
        return ChatResult(generations=[ChatGeneration(message=response_to_message(self.interactions[i]["response"]))])


def _first_difference(recorded: dict, actual: dict) -> str:
    if recorded.get("tools") != actual.get("tools"):
        return f"tools {recorded.get('tools')} != {actual.get('tools')}"
    rm, am = recorded.get("messages", []), actual.get("messages", [])
    for n, (r, a) in enumerate(zip(rm, am, strict=False)):
        if r != a:
            return f"message {n} ({a.get('role')}) differs: recorded {str(r)[:200]!r}, got {str(a)[:200]!r}"
    return f"recorded {len(rm)} messages, got {len(am)}"


class CassetteRecorder:
    """Appends one JSON line per completed call, so a crashed run keeps what it recorded."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, messages: Sequence[BaseMessage], tools: Sequence[dict] | None, reply: AIMessage,
               input_tokens: int, output_tokens: int) -> None:
        response = message_to_dict(reply)
        row = {
            "request": request_record(messages, tools),
            "response": {"content": response["content"], "tool_calls": response.get("tool_calls", []),
                         "invalid_tool_calls": response.get("invalid_tool_calls", []),
                         "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}},
        }
        with self.path.open("a") as fh:
            fh.write(json.dumps(row, default=str) + "\n")
