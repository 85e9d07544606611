"""`orch config`: inspect the effective configuration."""

from __future__ import annotations

import json

import typer

from orchestrator.cli.context import state

app = typer.Typer(help="Inspect the effective configuration and where each value comes from.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output: key, value, source."),
) -> None:
    """Print every setting, its effective value and the layer that set it."""
    loaded = state(ctx).settings()
    rows = loaded.flat()
    if as_json:
        typer.echo(json.dumps([{"key": k, "value": v, "source": s} for k, v, s in rows], indent=2))
        return
    width = max(len(k) for k, _, _ in rows)
    for key, value, source in rows:
        typer.echo(f"{key:<{width}}  {json.dumps(value):<40}  # {source}")


@app.command("path")
def path() -> None:
    """Print the directory holding the bundled configuration files."""
    from orchestrator.config import configs_dir

    typer.echo(str(configs_dir()))
