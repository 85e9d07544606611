"""`orch solve`: one issue to a validated diff."""

from __future__ import annotations

import typer

from orchestrator.cli.context import not_built


def register(root: typer.Typer) -> None:
    root.command("solve")(solve)


def solve(
    issue: str | None = typer.Option(None, help="GitHub issue URL, or a local Markdown/text file."),
    repo: str | None = typer.Option(None, help="Local repository path or clone URL."),
    model: str | None = typer.Option(None, help="Chat model as provider:model."),
    resume: str | None = typer.Option(None, help="Run id to resume."),
) -> None:
    """Plan, edit, test and review a fix for one issue; emit the diff and a run record."""
    not_built("solve", "issue #7: the workflow")
