"""Configuration: one typed settings object, loaded in layers with each value's source."""

from orchestrator.config.loader import (
    ConfigError,
    LoadedSettings,
    configs_dir,
    load_settings,
    parse_assignment,
)
from orchestrator.config.model import OrchSettings

__all__ = ["ConfigError", "LoadedSettings", "OrchSettings", "configs_dir", "load_settings", "parse_assignment"]
