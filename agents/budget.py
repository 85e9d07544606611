"""Run budgets: spend accounting and the check made before every model call.

Pure arithmetic over plain data, so it is tested without any model. One `RunBudget` is shared
by every role of a run; it is serialisable (`Usage`) so a resumed run continues its spend.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from agents.errors import (
    BudgetExceeded,
    CostLimitExceeded,
    StepLimitExceeded,
    TokenLimitExceeded,
    WallTimeExceeded,
)

# Without the provider's tokenizer (not downloadable offline) a prompt's size is estimated from
# characters. English and code average ~4 chars per token; dividing by 3 over-estimates on
# purpose because the estimate guards a spending cap.
CHARS_PER_TOKEN = 3.0
MESSAGE_OVERHEAD_TOKENS = 4


class BudgetLimits(BaseModel):
    """Caps for one run; None means unlimited."""

    model_config = ConfigDict(extra="forbid")

    cost_usd: float | None = None
    tokens: int | None = None
    steps: int | None = None
    wall_seconds: float | None = None


class Usage(BaseModel):
    """Spend so far: exact token counts from responses and the cost derived from them."""

    model_config = ConfigDict(extra="forbid")

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    steps: int = 0
    elapsed_seconds: float = 0.0
    """Wall time of the run, including time spent before a resume."""

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class CallEstimate(BaseModel):
    """The worst case one call could cost: its prompt plus the largest reply allowed."""

    input_tokens: int
    max_output_tokens: int
    cost_usd: float

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.max_output_tokens


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_prompt_tokens(messages: Sequence[Any], tools: Sequence[dict] | None = None) -> int:
    """Upper-leaning estimate of a request's input tokens (messages, tool calls, tool schemas)."""
    total = 0
    for m in messages:
        content = getattr(m, "content", m)
        text = content if isinstance(content, str) else json.dumps(content, default=str)
        calls = getattr(m, "tool_calls", None)
        if calls:
            text += json.dumps(calls, default=str)
        total += estimate_tokens(text) + MESSAGE_OVERHEAD_TOKENS
    if tools:
        total += estimate_tokens(json.dumps(list(tools), default=str))
    return total


class RunBudget:
    """Limits plus spend for one run; thread-safe because candidates may share it."""

    def __init__(
        self,
        limits: BudgetLimits,
        usage: Usage | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._usage = usage.model_copy() if usage else Usage()
        self._clock = clock
        self._started = clock() - self._usage.elapsed_seconds
        self._lock = threading.Lock()

    def usage(self) -> Usage:
        """A snapshot of the spend, with elapsed time brought up to now."""
        with self._lock:
            return self._usage.model_copy(update={"elapsed_seconds": self._clock() - self._started})

    def check(self, estimate: CallEstimate) -> None:
        """Raise the matching `BudgetExceeded` if the call as estimated could break a limit."""
        now = self.usage()
        lim = self.limits
        if lim.wall_seconds is not None and now.elapsed_seconds >= lim.wall_seconds:
            raise WallTimeExceeded(
                f"wall time {now.elapsed_seconds:.1f}s reached the limit of {lim.wall_seconds}s",
                usage=now, needed=now.elapsed_seconds, cap=lim.wall_seconds)
        if lim.steps is not None and now.steps + 1 > lim.steps:
            raise StepLimitExceeded(
                f"step limit reached: {now.steps} model calls made, limit {lim.steps}",
                usage=now, needed=now.steps + 1, cap=lim.steps)
        if lim.tokens is not None and now.tokens + estimate.tokens > lim.tokens:
            raise TokenLimitExceeded(
                f"next call could use {estimate.tokens} tokens; {now.tokens} used of {lim.tokens}",
                usage=now, needed=now.tokens + estimate.tokens, cap=lim.tokens)
        if lim.cost_usd is not None and now.cost_usd + estimate.cost_usd > lim.cost_usd:
            raise CostLimitExceeded(
                f"next call could cost ${estimate.cost_usd:.6f}; ${now.cost_usd:.6f} spent of ${lim.cost_usd}",
                usage=now, needed=now.cost_usd + estimate.cost_usd, cap=lim.cost_usd)

    def record(self, input_tokens: int, output_tokens: int, cost_usd: float) -> Usage:
        """Add one completed call's exact usage; returns the new snapshot."""
        with self._lock:
            u = self._usage
            u.input_tokens += input_tokens
            u.output_tokens += output_tokens
            u.cost_usd += cost_usd
            u.steps += 1
        return self.usage()


__all__ = ["BudgetExceeded", "BudgetLimits", "CallEstimate", "RunBudget", "Usage",
           "estimate_prompt_tokens", "estimate_tokens"]
