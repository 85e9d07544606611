"""`orch index`, `orch search`, `orch localize`, `orch graph`: the code knowledge graph."""

from __future__ import annotations

from pathlib import Path

import typer

from orchestrator.cli.context import not_built

graph_app = typer.Typer(help="Inspect nodes of the code graph.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.command("index")(index)
    root.command("search")(search)
    root.command("localize")(localize)
    root.add_typer(graph_app, name="graph")


def index(
    path: Path = typer.Argument(..., help="Repository to index."),
    commit: str | None = typer.Option(None, help="Commit to index (default: HEAD)."),
) -> None:
    """Parse a repository with tree-sitter into the code graph (incremental, content-addressed)."""
    not_built("index", "issue #3: code knowledge graph")


def search(text: str = typer.Argument(..., help="Query text."), repo: Path = typer.Option(Path("."))) -> None:
    """Full-text (BM25) search over the code graph."""
    not_built("search", "issue #3: code knowledge graph")


def localize(issue: Path = typer.Option(..., help="Issue text file."), repo: Path = typer.Option(Path("."))) -> None:
    """Rank files and functions an issue is about, without a model."""
    not_built("localize", "issue #3: code knowledge graph")


@graph_app.command("show")
def show(node_id: str = typer.Argument(..., help="Node id, e.g. path.py:Class.method.")) -> None:
    """Show one node with its edges."""
    not_built("graph show", "issue #3: code knowledge graph")
