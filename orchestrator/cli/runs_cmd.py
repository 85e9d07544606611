"""`orch runs`: read run records."""

from __future__ import annotations

import typer

from orchestrator.cli.context import not_built

app = typer.Typer(help="List and inspect run records (trajectory, plan, patch, summary).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="runs")


@app.command("list")
def list_runs() -> None:
    """List runs with status, cost and time."""
    not_built("runs list", "issue #7: the workflow")


@app.command("show")
def show(run_id: str) -> None:
    """Show one run: plan, which agent did what, tests, diff."""
    not_built("runs show", "issue #7: the workflow")
