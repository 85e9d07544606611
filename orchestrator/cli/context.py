"""What every command shares: the global options and how settings and errors reach the terminal."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import typer

from orchestrator.config import ConfigError, LoadedSettings, load_settings
from orchestrator.logs import configure_logging

# Exit codes: 1 = the job ran and failed, 2 = bad input or configuration, 3 = not built yet.
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_BUILT = 3


@dataclass
class CliState:
    config_files: list[Path] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)
    log_level: str | None = None

    def settings(self, **options: Any) -> LoadedSettings:
        """Effective settings; `options` are command options as dotted keys (None = not given)."""
        merged = {**self.overrides, **{k: v for k, v in options.items() if v is not None}}
        try:
            loaded = load_settings(self.config_files, overrides=merged)
        except ConfigError as exc:
            fail(f"configuration error: {exc}", EXIT_USAGE)
        configure_logging(self.log_level or loaded.settings.run.log_level)
        return loaded


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """One clear line on stderr, then exit; no stack trace for expected failures."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def not_built(command: str, issue: str) -> NoReturn:
    typer.secho(
        f"`orch {command}` is not built yet ({issue}). Nothing was done.",
        err=True,
        fg=typer.colors.YELLOW,
    )
    raise typer.Exit(EXIT_NOT_BUILT)
