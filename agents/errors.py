"""Typed exceptions that stop model calls and agent loops (the mini-swe-agent pattern).

Callers catch the class they can handle: the workflow catches `BudgetExceeded` to end a run
cleanly with its partial record; everything else is a configuration or provider problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.budget import Usage


class AgentsError(Exception):
    """Base class for every error raised by the agents package."""


class ModelConfigError(AgentsError):
    """A model cannot be built: unknown provider, bad `provider:model` string, missing extra."""


class MissingApiKey(ModelConfigError):
    """The provider needs a key that is not in the environment."""

    def __init__(self, variable: str, model: str) -> None:
        super().__init__(f"model {model!r} needs an API key: set the environment variable {variable}")
        self.variable = variable


class ModelCallError(AgentsError):
    """A model call failed for good: a non-retryable error, or retries ran out."""

    def __init__(self, message: str, *, attempts: int, retryable: bool) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.retryable = retryable


class BudgetExceeded(AgentsError):
    """A run limit would be exceeded by the next model call, so the call was not made.

    `usage` is the exact spend recorded so far; `limit` names the limit (cost, tokens, steps,
    wall_time); `needed` is what the refused call could have brought the total to.
    """

    limit: str = "budget"

    def __init__(self, message: str, *, usage: Usage, needed: float, cap: float) -> None:
        super().__init__(message)
        self.usage = usage
        self.needed = needed
        self.cap = cap


class CostLimitExceeded(BudgetExceeded):
    limit = "cost"


class TokenLimitExceeded(BudgetExceeded):
    limit = "tokens"


class StepLimitExceeded(BudgetExceeded):
    limit = "steps"


class WallTimeExceeded(BudgetExceeded):
    limit = "wall_time"


class CassetteDivergence(AgentsError):
    """A replayed run sent a request that differs from the recorded one."""


class ScriptExhausted(AgentsError):
    """A scripted model was asked for more responses than its script holds."""
