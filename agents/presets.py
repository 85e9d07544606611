"""Model presets: provider, prices, tool-calling support and context window, from models.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import structlog
import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from agents.errors import ModelConfigError

log = structlog.get_logger(__name__)

Provider = Literal["openai", "anthropic", "ollama", "scripted", "replay"]
PROVIDERS: tuple[str, ...] = ("openai", "anthropic", "ollama", "scripted", "replay")


class ModelPreset(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    provider: Provider
    """Which LangChain integration builds the model."""
    model: str
    """The provider's model name (for scripted/replay: the script or cassette path)."""
    input_per_mtok: float | None = None
    """US dollars per million input tokens; None when unknown (cost then counts as zero)."""
    output_per_mtok: float | None = None
    """US dollars per million output tokens; None when unknown."""
    tool_calling: bool = True
    """Native tool calling; False means the text-action fallback (a fenced action block)."""
    context_window: int = 128_000
    """Tokens the model accepts per request, prompt and reply together."""
    api_key_env: str | None = None
    """Environment variable holding the key; None for providers that need none."""
    sampling: bool = True
    """Send the sampling temperature. Newer reasoning models answer HTTP 400 to any non-default
    sampling parameter, so their presets say false and the provider's default applies."""
    responses_api: bool = False
    """OpenAI only: use the Responses API instead of Chat Completions (GPT-6 models call tools
    only there)."""
    shutdown: dt.date | None = None
    """The day the provider stops serving the model: naming it after that day is an error,
    before it a warning."""
    replacement: str | None = None
    """What the provider recommends instead (`provider:model`), quoted in those messages."""

    @model_validator(mode="after")
    def _openai_only_options(self) -> ModelPreset:
        if self.responses_api and self.provider != "openai":
            raise ValueError("responses_api applies to openai presets only")
        return self

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"

    @property
    def priced(self) -> bool:
        return self.input_per_mtok is not None and self.output_per_mtok is not None

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """Dollars for one call; zero when the preset carries no prices."""
        if not self.priced:
            return 0.0
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1_000_000  # type: ignore[operator]


_DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def split_model_name(name: str) -> tuple[str, str]:
    """`provider:model` -> (provider, model); the model part may itself contain colons."""
    provider, sep, model = name.partition(":")
    if not sep or not model:
        raise ModelConfigError(f"model must be written provider:model (e.g. openai:gpt-6-luna), got {name!r}")
    if provider not in PROVIDERS:
        raise ModelConfigError(f"unknown model provider {provider!r} in {name!r}; known: {', '.join(PROVIDERS)}")
    return provider, model


class PresetTable(BaseModel):
    """Every preset in models.yaml, keyed by `provider:model`."""

    model_config = ConfigDict(extra="forbid")

    presets: dict[str, ModelPreset] = {}

    @classmethod
    def load(cls, path: Path) -> PresetTable:
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except FileNotFoundError as exc:
            raise ModelConfigError(f"model presets file not found: {path}") from exc
        except yaml.YAMLError as exc:
            raise ModelConfigError(f"model presets file {path} is not valid YAML: {exc}") from exc
        entries: dict[str, ModelPreset] = {}
        for key, fields in (data.get("presets") or {}).items():
            provider, model = split_model_name(key)
            try:
                entries[key] = ModelPreset(provider=provider, model=model, **(fields or {}))
            except Exception as exc:  # pydantic's message names the bad field
                raise ModelConfigError(f"model preset {key!r} in {path}: {exc}") from exc
        return cls(presets=entries)

    def resolve(self, name: str, today: dt.date | None = None) -> ModelPreset:
        """The preset for `name`; an unknown model of a known provider gets an unpriced preset.
        A model its provider has shut down is refused here, before a run spends anything on
        setup only to fail at its first call."""
        provider, model = split_model_name(name)
        if provider in ("scripted", "replay"):
            return ModelPreset(provider=provider, model=model, input_per_mtok=0.0, output_per_mtok=0.0,
                               tool_calling=True, context_window=1_000_000)
        if name in self.presets:
            preset = self.presets[name]
            if preset.shutdown is not None:
                instead = f"; use {preset.replacement} instead" if preset.replacement else ""
                if (today or dt.date.today()) >= preset.shutdown:
                    raise ModelConfigError(
                        f"model {name} was shut down by its provider on {preset.shutdown.isoformat()}{instead} "
                        "(set model.name, or --model)")
                log.warning("model_shutdown_scheduled", model=name, shutdown=preset.shutdown.isoformat(),
                            replacement=preset.replacement)
            return preset
        log.warning("model_preset_missing", model=name, effect="prices unknown: spend counts as zero")
        return ModelPreset(provider=provider, model=model, api_key_env=_DEFAULT_KEY_ENV.get(provider))


def default_presets_path() -> Path:
    """configs/models.yaml in a checkout, or the copy packaged next to the orchestrator package."""
    root = Path(__file__).resolve().parent.parent
    for candidate in (root / "configs" / "models.yaml", root / "orchestrator" / "_configs" / "models.yaml"):
        if candidate.is_file():
            return candidate
    raise ModelConfigError(f"configs/models.yaml not found near {root}")
