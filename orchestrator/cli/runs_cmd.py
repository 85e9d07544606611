"""`orch runs`: read run records."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from orchestrator.cli.context import EXIT_USAGE, fail, state

app = typer.Typer(help="List and inspect run records (trajectory, plan, patch, summary).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="runs")


def _runs_dir(ctx: typer.Context, runs_dir: Path | None) -> Path:
    return (runs_dir or state(ctx).settings().settings.run.runs_dir).expanduser()


@app.command("list")
def list_runs(
    ctx: typer.Context,
    runs_dir: Path | None = typer.Option(None, "--runs-dir", help="Where run records are (run.runs_dir)."),
    as_json: bool = typer.Option(False, "--json", help="Summaries as JSON."),
) -> None:
    """List runs with status, cost and time, newest first."""
    from orchestrator.records import list_runs as list_summaries
    from orchestrator.records.render import list_lines

    summaries = list_summaries(_runs_dir(ctx, runs_dir))
    if as_json:
        typer.echo(json.dumps([s.model_dump(mode="json") for s in summaries], indent=2))
        return
    typer.echo("\n".join(list_lines(summaries)))


@app.command("show")
def show(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help="Run id (see `orch runs list`)."),
    runs_dir: Path | None = typer.Option(None, "--runs-dir", help="Where run records are (run.runs_dir)."),
    output: bool = typer.Option(True, "--output/--no-output", help="Include test output excerpts."),
) -> None:
    """Show one run: plan, which agent did what, tests, diff."""
    from orchestrator.records import load_run
    from orchestrator.records.render import run_lines

    try:
        view = load_run(_runs_dir(ctx, runs_dir), run_id)
    except FileNotFoundError as exc:
        fail(str(exc), EXIT_USAGE)
    typer.echo("\n".join(run_lines(view, with_output=output)))
