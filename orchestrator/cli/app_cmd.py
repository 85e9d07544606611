"""`orch app`: the GitHub App (webhook server and job worker)."""

from __future__ import annotations

import typer

from orchestrator.cli.context import not_built

app = typer.Typer(help="Run the GitHub App that answers labelled issues with draft PRs.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="app")


@app.command("serve")
def serve() -> None:
    """Serve the webhook endpoint and run queued jobs."""
    not_built("app serve", "issue #9: GitHub App")
