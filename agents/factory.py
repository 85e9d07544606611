"""`provider:model` strings -> LangChain chat models and the `ModelClient` around them."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel

from agents.budget import BudgetLimits, RunBudget, Usage
from agents.client import ModelClient, RetryPolicy
from agents.config import BudgetSettings, ModelSettings
from agents.errors import MissingApiKey, ModelConfigError
from agents.events import EventHook
from agents.presets import ModelPreset, PresetTable, default_presets_path
from agents.scripted import CassetteRecorder, ReplayChatModel, ScriptedChatModel

_EXTRAS = {"anthropic": ("langchain_anthropic", "ChatAnthropic"), "ollama": ("langchain_ollama", "ChatOllama"),
           "openai": ("langchain_openai", "ChatOpenAI")}

# OpenAI-compatible servers (vLLM, LM Studio) usually accept any key; the client library
# insists on one, so a placeholder is sent when a base URL is set and no key is configured.
_PLACEHOLDER_KEY = "not-needed"


def load_presets(path: Path | None = None) -> PresetTable:
    """Presets from `path` (the orchestrator passes configs_dir() / settings.presets_file)."""
    return PresetTable.load(path or default_presets_path())


def _presets_path(presets_file: str) -> Path:
    """An absolute presets file as given; a relative one next to the bundled models.yaml."""
    p = Path(presets_file).expanduser()
    return p if p.is_absolute() else default_presets_path().parent / p


def _import(provider: str):
    module_name, cls_name = _EXTRAS[provider]
    try:
        module = __import__(module_name, fromlist=[cls_name])
    except ImportError as exc:
        raise ModelConfigError(
            f"provider {provider!r} needs the optional package {module_name.replace('_', '-')}: "
            f"pip install 'orch[{provider}]'") from exc
    return getattr(module, cls_name)


def _api_key(preset: ModelPreset, base_url: str | None, env: Mapping[str, str]) -> str | None:
    var = preset.api_key_env
    if not var:
        return None
    key = env.get(var)
    if key:
        return key
    if base_url:
        return _PLACEHOLDER_KEY
    raise MissingApiKey(var, preset.name)


def make_chat_model(
    preset: ModelPreset,
    *,
    base_url: str | None = None,
    timeout: float = 120.0,
    max_output_tokens: int = 4096,
    temperature: float = 0.0,
    env: Mapping[str, str] | None = None,
) -> BaseChatModel:
    """Build the LangChain chat model for a preset. Retries are left to `ModelClient` (max_retries=0)."""
    env = os.environ if env is None else env
    p = preset.provider
    if p == "scripted":
        return ScriptedChatModel.from_file(preset.model)
    if p == "replay":
        return ReplayChatModel.from_file(preset.model)
    cls = _import(p)
    key = _api_key(preset, base_url, env)
    # Reasoning models refuse any non-default sampling parameter (HTTP 400), so theirs is left out.
    sampling = {"temperature": temperature} if preset.sampling else {}
    where = {"base_url": base_url} if base_url else {}
    if p in ("openai", "anthropic"):
        kwargs = {"model": preset.model, "api_key": key, "timeout": timeout, "max_retries": 0,
                  "max_tokens": max_output_tokens, **sampling, **where}
        if preset.responses_api:
            kwargs["use_responses_api"] = True
        return cls(**kwargs)
    # ollama
    return cls(model=preset.model, num_predict=max_output_tokens, client_kwargs={"timeout": timeout},
               **sampling, **where)


def budget_limits(settings: BudgetSettings) -> BudgetLimits:
    return BudgetLimits(cost_usd=settings.cost_usd, tokens=settings.tokens, steps=settings.steps,
                        wall_seconds=settings.wall_seconds)


def build_model_client(
    settings: ModelSettings,
    budget: BudgetSettings | RunBudget,
    *,
    presets: PresetTable | None = None,
    hooks: Sequence[EventHook] = (),
    cassette: str | Path | None = None,
    spent: Usage | None = None,
    env: Mapping[str, str] | None = None,
    chat: BaseChatModel | None = None,
) -> ModelClient:
    """The run's `ModelClient` from settings. `spent` carries a resumed run's earlier spend.

    `chat` overrides the built model (e.g. a `ScriptedChatModel` held in memory by a test)
    while keeping the preset's prices for `settings.name`.
    """
    table = presets or load_presets(_presets_path(settings.presets_file))
    preset = table.resolve(settings.name)
    model = chat or make_chat_model(preset, base_url=settings.base_url, timeout=settings.timeout,
                                    max_output_tokens=settings.max_output_tokens,
                                    temperature=settings.temperature, env=env)
    run_budget = budget if isinstance(budget, RunBudget) else RunBudget(budget_limits(budget), spent)
    record_to = cassette or settings.cassette
    return ModelClient(
        chat=model, preset=preset, budget=run_budget, max_output_tokens=settings.max_output_tokens,
        retry=RetryPolicy(max_retries=settings.max_retries), hooks=list(hooks),
        recorder=CassetteRecorder(record_to) if record_to else None,
        max_consecutive_failures=budget.consecutive_failures if isinstance(budget, BudgetSettings) else None,
    )
