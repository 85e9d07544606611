"""The one place every model call goes through.

`ModelClient.complete` checks the run budget against the call's worst case *before* calling,
retries rate limits and transient errors with backoff, takes exact usage from the response,
prices it from the preset, records a cassette when asked, and emits one event per attempt.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from agents.budget import CallEstimate, RunBudget, Usage, estimate_prompt_tokens, estimate_tokens
from agents.errors import AgentsError, ModelCallError
from agents.events import EventHook, ModelCallEvent, emit, message_to_dict
from agents.presets import ModelPreset
from agents.scripted import CassetteRecorder

log = structlog.get_logger(__name__)

_RETRYABLE_STATUS = {408, 409, 425, 429}


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return min(self.max_delay, max(backoff, retry_after or 0.0))


def classify_error(exc: BaseException) -> tuple[bool, float | None, str]:
    """(retryable, retry-after seconds, short description) for a provider exception.

    Works on class names and status codes rather than provider classes so that the optional
    integrations (anthropic, ollama) need not be importable.
    """
    if isinstance(exc, AgentsError):
        return False, None, str(exc)
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    retry_after = None
    headers = getattr(response, "headers", None)
    if headers is not None:
        try:
            retry_after = float(headers.get("retry-after"))
        except (TypeError, ValueError):
            retry_after = None
    name = type(exc).__name__
    text = f"{name}: {str(exc)[:300]}"
    # A body that is not the JSON the client expects (a proxy's HTML error page, a truncated
    # reply) is usually transient, so it is retried; it ends as ModelCallError if it persists.
    if isinstance(exc, json.JSONDecodeError) or name in {"APIResponseValidationError", "JSONDecodeError"}:
        return True, None, f"malformed response ({text})"
    if isinstance(status, int):
        return status in _RETRYABLE_STATUS or status >= 500, retry_after, f"HTTP {status} ({text})"
    if isinstance(exc, TimeoutError | ConnectionError) or "Timeout" in name or "Connection" in name:
        return True, None, text
    return False, None, text


@dataclass
class ModelReply:
    message: AIMessage
    input_tokens: int
    output_tokens: int
    cost_usd: float
    usage_estimated: bool
    spend: Usage


@dataclass
class ModelClient:
    """A chat model plus its preset, the shared run budget, retries, hooks and optional cassette."""

    chat: BaseChatModel
    preset: ModelPreset
    budget: RunBudget
    max_output_tokens: int = 4096
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    hooks: list[EventHook] = field(default_factory=list)
    recorder: CassetteRecorder | None = None
    role: str | None = None
    sleep: Callable[[float], None] = time.sleep
    max_consecutive_failures: int | None = None
    """Run-wide `budget.consecutive_failures`; when set it replaces each role's own limit."""

    @property
    def supports_tools(self) -> bool:
        return self.preset.tool_calling

    def for_role(self, role: str) -> ModelClient:
        """The same model, budget, hooks and cassette, labelled with a role for events."""
        return ModelClient(self.chat, self.preset, self.budget, self.max_output_tokens, self.retry,
                           self.hooks, self.recorder, role, self.sleep, self.max_consecutive_failures)

    def estimate(self, messages: Sequence[BaseMessage], tools: Sequence[dict] | None = None) -> CallEstimate:
        prompt = estimate_prompt_tokens(messages, tools)
        return CallEstimate(input_tokens=prompt, max_output_tokens=self.max_output_tokens,
                            cost_usd=self.preset.cost(prompt, self.max_output_tokens))

    def complete(self, messages: Sequence[BaseMessage], tools: Sequence[dict] | None = None) -> ModelReply:
        """One model call. Raises `BudgetExceeded` before calling, `ModelCallError` when it fails for good."""
        tools = list(tools) if tools and self.preset.tool_calling else None
        self.budget.check(self.estimate(messages, tools))
        runnable = self.chat.bind_tools(tools) if tools else self.chat
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                reply = runnable.invoke(list(messages))
            except Exception as exc:
                retryable, retry_after, text = classify_error(exc)
                duration = time.monotonic() - started
                emit(self.hooks, ModelCallEvent(role=self.role, model=self.preset.name, ok=False, attempt=attempt,
                                                duration_s=duration, spend=self.budget.usage(),
                                                messages=len(messages), error=text))
                if isinstance(exc, AgentsError):
                    raise
                if not retryable or attempt > self.retry.max_retries:
                    why = "retries exhausted" if retryable else "not retryable"
                    raise ModelCallError(f"model {self.preset.name} failed after {attempt} attempt(s) ({why}): {text}",
                                         attempts=attempt, retryable=retryable) from exc
                wait = self.retry.delay(attempt, retry_after)
                log.warning("model_call_retry", model=self.preset.name, attempt=attempt, wait_s=wait, error=text)
                self.sleep(wait)
                # Time passes while waiting; the wall-time limit may have been reached meanwhile.
                self.budget.check(self.estimate(messages, tools))
                continue
            return self._account(messages, tools, reply, attempt, time.monotonic() - started)

    def _account(self, messages: Sequence[BaseMessage], tools: Sequence[dict] | None, reply: Any,
                 attempt: int, duration: float) -> ModelReply:
        if not isinstance(reply, AIMessage):
            reply = AIMessage(content=str(getattr(reply, "content", reply)))
        usage = reply.usage_metadata
        estimated = not usage
        if usage:
            input_tokens, output_tokens = int(usage["input_tokens"]), int(usage["output_tokens"])
        else:
            input_tokens = estimate_prompt_tokens(messages, tools)
            output_tokens = estimate_tokens(json.dumps(message_to_dict(reply), default=str))
        cost = self.preset.cost(input_tokens, output_tokens)
        spend = self.budget.record(input_tokens, output_tokens, cost)
        if self.recorder is not None:
            self.recorder.record(messages, tools, reply, input_tokens, output_tokens)
        emit(self.hooks, ModelCallEvent(role=self.role, model=self.preset.name, ok=True, attempt=attempt,
                                        duration_s=duration, input_tokens=input_tokens,
                                        output_tokens=output_tokens, cost_usd=cost, usage_estimated=estimated,
                                        spend=spend, messages=len(messages), response=message_to_dict(reply)))
        log.info("model_call", model=self.preset.name, role=self.role, input_tokens=input_tokens,
                 output_tokens=output_tokens, cost_usd=round(cost, 6), spent_usd=round(spend.cost_usd, 6),
                 steps=spend.steps)
        return ModelReply(reply, input_tokens, output_tokens, cost, estimated, spend)
