"""`orch batch`: solve many dataset instances with a worker pool or Ray."""

from __future__ import annotations

import typer

from orchestrator.cli.context import not_built

app = typer.Typer(help="Solve SWE-bench-style datasets in bulk; resumable.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="batch")


@app.command("run")
def run() -> None:
    """Solve every selected instance of a dataset."""
    not_built("batch run", "issue #8: batch runs")


@app.command("report")
def report(run_id: str) -> None:
    """Summarize a batch run."""
    not_built("batch report", "issue #8: batch runs")
