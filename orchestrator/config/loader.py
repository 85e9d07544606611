"""Layered configuration: default.yaml < user files < ORCH_* environment < CLI options.

Every leaf value remembers which layer set it, so `orch config show` can say where a value
came from and an invalid value is reported against the file, variable or option that set it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from orchestrator.config.model import OrchSettings

ENV_PREFIX = "ORCH_"
# Double underscore separates levels so that keys may contain single underscores
# (ORCH_GRAPH__INDEX_DIR -> graph.index_dir).
ENV_SEPARATOR = "__"
DEFAULT_SOURCE = "built-in default"
# Sources of values given on the command line (--set and command options) start with this.
OPTION_SOURCE = "option "


class ConfigError(Exception):
    """Invalid configuration; the message is one line naming the key and its source."""


@dataclass(frozen=True)
class LoadedSettings:
    settings: OrchSettings
    sources: Mapping[str, str] = field(default_factory=dict)

    def source_of(self, key: str) -> str:
        """The layer that set `key`, or the nearest ancestor's for values set as a whole."""
        parts = key.split(".")
        while parts:
            found = self.sources.get(".".join(parts))
            if found:
                return found
            parts.pop()
        # An unknown section set through a deeper key (ORCH_NOPE__X) is reported by that key.
        for known, source in self.sources.items():
            if known.startswith(key + "."):
                return source
        return DEFAULT_SOURCE

    def flat(self) -> list[tuple[str, Any, str]]:
        """(dotted key, value, source) for every leaf of the effective configuration."""
        data = self.settings.model_dump(mode="json")
        return [(k, v, self.source_of(k)) for k, v in _flatten(data)]


def configs_dir() -> Path:
    """The bundled configs directory: the repository's in a checkout, the packaged copy otherwise."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "configs", here / "_configs"):
        if (candidate / "default.yaml").is_file():
            return candidate
    raise ConfigError(f"default.yaml not found next to the orch package ({here})")


def load_settings(
    config_files: Iterable[Path] = (),
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> LoadedSettings:
    """Build the effective settings from every layer, lowest precedence first."""
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}

    default_file = configs_dir() / "default.yaml"
    _merge(merged, sources, _read_yaml(default_file), "configs/default.yaml")

    files = list(config_files)
    if not files and env.get("ORCH_CONFIG"):
        files = [Path(p) for p in env["ORCH_CONFIG"].split(os.pathsep) if p]
    for path in files:
        _merge(merged, sources, _read_yaml(path), str(path))

    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or ENV_SEPARATOR not in name:
            continue
        key = name[len(ENV_PREFIX) :].lower().replace(ENV_SEPARATOR, ".")
        _set_path(merged, sources, key, _parse_scalar(env[name]), f"env {name}")

    for key, value in (overrides or {}).items():
        if value is None:
            continue
        parsed = _parse_scalar(value) if isinstance(value, str) else value
        _set_path(merged, sources, key, parsed, f"{OPTION_SOURCE}{key}")

    try:
        settings = OrchSettings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, sources)) from None
    return LoadedSettings(settings=settings, sources=sources)


def parse_assignment(text: str) -> tuple[str, str]:
    """`graph.backend=neo4j` -> ("graph.backend", "neo4j") for --set options."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects KEY=VALUE, got {text!r}")
    return key.strip(), value


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping of sections, got {type(data).__name__}")
    return data


def _parse_scalar(text: str) -> Any:
    # YAML scalar rules give "3" -> 3, "true" -> True, "[a, b]" -> list, like a config file would.
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _merge(target: dict[str, Any], sources: dict[str, str], data: Mapping[str, Any], source: str, prefix: str = "") -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], sources, value, source, dotted + ".")
        else:
            target[key] = value
            _record(sources, dotted, value, source)


def _set_path(target: dict[str, Any], sources: dict[str, str], key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value
    _record(sources, key, value, source)


def _record(sources: dict[str, str], dotted: str, value: Any, source: str) -> None:
    for stale in [k for k in sources if k.startswith(dotted + ".")]:
        del sources[stale]
    sources[dotted] = source
    if isinstance(value, Mapping):
        for sub, _ in _flatten(value, dotted + "."):
            sources[sub] = source


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.extend(_flatten(value, dotted + "."))
        else:
            out.append((dotted, value))
    return out


def _describe(exc: ValidationError, sources: Mapping[str, str]) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    loaded = LoadedSettings(settings=OrchSettings(), sources=sources)
    source = loaded.source_of(key)
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    if err["type"] == "extra_forbidden":
        return f"unknown configuration key '{key}' (from {source}){more}"
    return f"invalid value for '{key}' (from {source}): {err['msg']}, got {err.get('input')!r}{more}"
