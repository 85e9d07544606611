"""The shared agent loop: prompt -> model -> action(s) -> tool -> observation, until a finish.

Roles differ only in their prompt, tools and limits. The loop ends when a finishing tool
accepts a submission, or with a clear status when the agent's step limit or its limit of
consecutive failures is reached. Run-wide limits (`BudgetExceeded`) propagate to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agents.actions import ACTION_FORMAT, FormatError, parse_reply
from agents.budget import estimate_prompt_tokens
from agents.client import ModelClient
from agents.events import AgentEvent, emit
from agents.tools import ToolBox

log = structlog.get_logger(__name__)

LoopStatus = Literal["finished", "max_steps", "too_many_failures"]


@dataclass(frozen=True)
class LoopLimits:
    max_steps: int = 30
    """Model calls this agent may make for one task."""
    max_consecutive_failures: int = 3
    """Failed tool calls or unusable replies in a row before the agent gives up."""
    context_tokens: int = 24_000
    """Prompt size the agent keeps to; older observations are elided beyond it."""


@dataclass
class LoopResult:
    status: LoopStatus
    value: Any = None
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    peak_prompt_tokens: int = 0
    """Largest prompt sent, as reported by the provider (or estimated)."""
    last_error: str | None = None
    messages: list[BaseMessage] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status == "finished"


def run_agent(model: ModelClient, tools: ToolBox, *, role: str, system: str, task: str,
              limits: LoopLimits = LoopLimits()) -> LoopResult:
    native = model.supports_tools
    if not native:
        system = f"{system}\n\nTools:\n{tools.catalogue()}\n\n{ACTION_FORMAT}"
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(task)]
    result = LoopResult(status="max_steps", messages=messages)
    emit(model.hooks, AgentEvent(kind="agent_start", role=role, detail={"task": task, "native_tools": native}))
    failures = 0
    max_failures = model.max_consecutive_failures or limits.max_consecutive_failures
    schemas = tools.schemas()
    while result.steps < limits.max_steps:
        _fit_context(messages, limits.context_tokens)
        reply = model.complete(messages, schemas)
        result.steps += 1
        result.input_tokens += reply.input_tokens
        result.output_tokens += reply.output_tokens
        result.peak_prompt_tokens = max(result.peak_prompt_tokens, reply.input_tokens)
        messages.append(reply.message)
        try:
            actions = parse_reply(reply.message, native)
        except FormatError as exc:
            failures += 1
            result.last_error = str(exc)
            _answer_unmatched_calls(messages, reply.message, str(exc))
            messages.append(HumanMessage(f"error: {exc}"))
            emit(model.hooks, AgentEvent(kind="tool_call", role=role, step=result.steps, ok=False, observation=str(exc)))
        else:
            for action in actions:
                obs = tools.execute(action)
                emit(model.hooks, AgentEvent(kind="tool_call", role=role, step=result.steps, tool=action.name,
                                             args=action.args, observation=obs.text, ok=obs.ok))
                if native and action.call_id:
                    messages.append(ToolMessage(obs.text, tool_call_id=action.call_id))
                else:
                    messages.append(HumanMessage(f"Observation from {action.name}:\n{obs.text}"))
                if obs.ok:
                    failures = 0
                else:
                    failures += 1
                    result.last_error = obs.text
                if obs.finish is not None:
                    result.status, result.value = "finished", obs.finish.value
                    _answer_unmatched_calls(messages, reply.message, "not run: the task was already submitted")
                    break
            if result.finished:
                break
        if failures >= max_failures:
            result.status = "too_many_failures"
            break
    emit(model.hooks, AgentEvent(kind="agent_end", role=role, step=result.steps, ok=result.finished,
                                 detail={"status": result.status, "last_error": result.last_error,
                                         "input_tokens": result.input_tokens, "output_tokens": result.output_tokens}))
    log.info("agent_end", role=role, status=result.status, steps=result.steps)
    return result


def _answer_unmatched_calls(messages: list[BaseMessage], reply: AIMessage, text: str) -> None:
    """Providers reject a history where a tool call has no tool message; answer the rest."""
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    ids = [c.get("id") for c in reply.tool_calls] + [c.get("id") for c in reply.invalid_tool_calls]
    for call_id in ids:
        if call_id and call_id not in answered:
            messages.append(ToolMessage(text, tool_call_id=call_id))


_ELIDED = "[observation elided to keep the prompt within the agent's context budget]"


def _fit_context(messages: list[BaseMessage], budget: int) -> None:
    """Elide the oldest observations (never the system prompt, the task or the last exchange)."""
    for m in messages[2:-2]:
        if estimate_prompt_tokens(messages) <= budget:
            return
        if isinstance(m, ToolMessage | HumanMessage) and m.content != _ELIDED and len(str(m.content)) > len(_ELIDED):
            m.content = _ELIDED
