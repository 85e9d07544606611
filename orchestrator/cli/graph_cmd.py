"""`orch index`, `orch search`, `orch localize`, `orch graph`: the code knowledge graph."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from graph_index import CodeGraph, GraphStoreError, open_graph
from orchestrator.cli.context import EXIT_FAILED, EXIT_USAGE, fail, not_built, state

graph_app = typer.Typer(help="Inspect nodes of the code graph.", no_args_is_help=True)

_BACKEND_HELP = "Graph backend: embedded (SQLite file, default) or neo4j; overrides graph.backend."


def register(root: typer.Typer) -> None:
    root.command("index")(index)
    root.command("search")(search)
    root.command("localize")(localize)
    root.add_typer(graph_app, name="graph")


def _open(ctx: typer.Context, repo: Path, commit: str | None, backend: str | None, rebuild: bool = False) -> CodeGraph:
    if backend is not None and backend not in ("embedded", "neo4j"):
        fail(f"unknown graph backend {backend!r} (embedded or neo4j)", EXIT_USAGE)
    if not repo.is_dir():
        fail(f"repository not found: {repo}", EXIT_USAGE)
    settings = state(ctx).settings(**{"graph.backend": backend}).settings.graph
    try:
        return open_graph(settings, repo, commit, rebuild=rebuild)
    except GraphStoreError as exc:
        fail(str(exc), EXIT_FAILED)


def index(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Repository to index."),
    commit: str | None = typer.Option(None, help="Commit to index (default: the working tree as on disk)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Discard the existing index file and start afresh."),
    graph: str | None = typer.Option(None, "--graph", help=_BACKEND_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
) -> None:
    """Parse a repository with tree-sitter into the code graph (incremental, content-addressed)."""
    g = _open(ctx, path, None, graph, rebuild)
    try:
        stats = g.index(path, commit)
    except GraphStoreError as exc:
        fail(str(exc), EXIT_FAILED)
    finally:
        g.close()
    if as_json:
        typer.echo(json.dumps(stats.to_dict(), indent=2))
        return
    typer.echo(f"indexed {stats.repo} at {stats.commit or 'working tree'} in {stats.seconds:.2f}s")
    typer.echo(
        f"  files: {stats.files_total} ({stats.files_parsed} parsed, {stats.files_reused} reused, "
        f"{stats.files_skipped} skipped, {stats.files_with_errors} with syntax errors)"
    )
    typer.echo(f"  nodes: {stats.nodes}  edges: {stats.edges}")
    typer.echo(f"  index: {stats.index_path}")


def search(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="Query text."),
    repo: Path = typer.Option(Path("."), help="Indexed repository."),
    k: int = typer.Option(10, "-k", "--top", help="Number of hits."),
    commit: str | None = typer.Option(None, help="Search this indexed commit (default: the latest index)."),
    graph: str | None = typer.Option(None, "--graph", help=_BACKEND_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print hits as JSON."),
) -> None:
    """Full-text (BM25) search over the code graph."""
    g = _open(ctx, repo, commit, graph)
    try:
        hits = g.search(text, k)
    except GraphStoreError as exc:
        fail(str(exc), EXIT_FAILED)
    finally:
        g.close()
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in hits], indent=2))
        return
    for hit in hits:
        n = hit.node
        typer.echo(f"{hit.score:8.3f}  {n.kind:<8} {n.id}  ({n.path}:{n.start_line})")


def localize(issue: Path = typer.Option(..., help="Issue text file."), repo: Path = typer.Option(Path("."))) -> None:
    """Rank files and functions an issue is about, without a model."""
    not_built("localize", "issue #3: code knowledge graph")


@graph_app.command("show")
def show(
    ctx: typer.Context,
    node_id: str = typer.Argument(..., help="Node id, e.g. path.py:Class.method."),
    repo: Path = typer.Option(Path("."), help="Indexed repository."),
    commit: str | None = typer.Option(None, help="Indexed commit (default: the latest index)."),
    graph: str | None = typer.Option(None, "--graph", help=_BACKEND_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the node and its edges as JSON."),
) -> None:
    """Show one node with its edges."""
    g = _open(ctx, repo, commit, graph)
    try:
        node = g.node(node_id)
        if node is None:
            matches = g.symbol(node_id)
            if len(matches) != 1:
                hint = f"; candidates: {', '.join(m.id for m in matches[:5])}" if matches else ""
                fail(f"no node {node_id!r}{hint}", EXIT_FAILED)
            node = matches[0]
        edges = g.edges(node.id)
    except GraphStoreError as exc:
        fail(str(exc), EXIT_FAILED)
    finally:
        g.close()
    if as_json:
        typer.echo(json.dumps({"node": node.to_dict(), "edges": [e.to_dict() for e in edges]}, indent=2))
        return
    typer.echo(f"{node.id}  [{node.kind}]  {node.path}:{node.start_line}-{node.end_line}")
    if node.signature:
        typer.echo(f"  {node.signature}")
    if node.docstring:
        typer.echo("  " + node.docstring.splitlines()[0])
    for e in edges:
        if e.src == node.id:
            typer.echo(f"  -> {e.kind:<10} {e.dst}" + (f"  (line {e.line})" if e.line else ""))
        else:
            typer.echo(f"  <- {e.kind:<10} {e.src}" + (f"  (line {e.line})" if e.line else ""))
