"""Settings for models and agents; composed into orch's settings by `orchestrator.config`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BudgetSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    cost_usd: float = 2.0
    """Stop a run before a model call that could push its spend past this many US dollars."""
    tokens: int = 2_000_000
    """Stop a run before a model call that could push its total tokens past this."""
    steps: int = 150
    """Maximum model calls in one run."""
    wall_seconds: int = 3600
    """Maximum wall-clock time of one run."""
    consecutive_failures: int = 3
    """Stop an agent after this many failed tool calls or unusable replies in a row."""


class ModelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    name: str = "openai:gpt-6-luna"
    """Chat model as `provider:model` (openai:, anthropic:, ollama:, replay:PATH, scripted:PATH)."""
    base_url: str | None = None
    """Base URL for OpenAI-compatible servers (vLLM, LM Studio, ...); None means the provider default."""
    timeout: float = 120.0
    """Seconds per model call before it is abandoned and retried."""
    max_retries: int = 4
    """Retries with exponential backoff on rate limits and transient errors."""
    max_output_tokens: int = 4096
    """Largest reply per call; the budget check assumes every call may use all of it."""
    temperature: float = 0.0
    """Sampling temperature passed to the provider."""
    cassette: str | None = None
    """Record every model request and response to this JSONL cassette (replay it with replay:PATH)."""
    presets_file: str = "models.yaml"
    """Model presets with prices and tool-calling support, relative to the configs directory."""
