"""The `orch` command: a thin typer layer over the library packages."""

from __future__ import annotations

from pathlib import Path

import typer

from orchestrator import __version__
from orchestrator.cli import (
    app_cmd,
    batch_cmd,
    config_cmd,
    demo_cmd,
    env_cmd,
    eval_cmd,
    graph_cmd,
    runs_cmd,
    solve_cmd,
)
from orchestrator.cli.context import EXIT_USAGE, fail, state
from orchestrator.config import ConfigError, parse_assignment

app = typer.Typer(
    name="orch",
    help="orch: a multi-agent orchestrator that turns repository issues into validated diffs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"orch {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: list[Path] = typer.Option(
        [], "--config", "-c", help="Extra YAML config file(s), applied over configs/default.yaml."
    ),
    set_: list[str] = typer.Option([], "--set", help="Override one setting: --set graph.backend=neo4j."),
    log_level: str | None = typer.Option(None, "--log-level", help="Terminal log level (debug, info, ...)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Global options apply to every command."""
    st = state(ctx)
    st.config_files = list(config)
    st.log_level = log_level
    try:
        st.overrides = dict(parse_assignment(item) for item in set_)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)


app.add_typer(config_cmd.app, name="config")
for module in (solve_cmd, graph_cmd, eval_cmd, env_cmd, batch_cmd, runs_cmd, app_cmd, demo_cmd):
    module.register(app)


def main() -> None:
    app()
