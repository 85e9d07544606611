"""`orch env`: environment images (base -> environment -> instance)."""

from __future__ import annotations

import typer

from orchestrator.cli.context import not_built

app = typer.Typer(help="Build and list environment images for sandboxes.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="env")


@app.command("list")
def list_images() -> None:
    """List environment images."""
    not_built("env list", "issue #5: execution harness")
