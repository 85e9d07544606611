"""`orch index`, `orch search`, `orch localize`, `orch graph`: the code knowledge graph."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from graph_index import CodeGraph, GraphStoreError, open_graph
from orchestrator.cli.context import EXIT_FAILED, EXIT_USAGE, fail, state

graph_app = typer.Typer(help="Inspect nodes of the code graph.", no_args_is_help=True)

_BACKEND_HELP = "Graph backend: embedded (SQLite file, default) or neo4j; overrides graph.backend."


def register(root: typer.Typer) -> None:
    root.command("index")(index)
    root.command("search")(search)
    root.command("localize")(localize)
    root.add_typer(graph_app, name="graph")


@contextmanager
def _graph(
    ctx: typer.Context, repo: Path, commit: str | None, backend: str | None, rebuild: bool = False
) -> Iterator[CodeGraph]:
    """An open graph for one command; store errors become one line and exit 1, and it is always closed."""
    g = _open(ctx, repo, commit, backend, rebuild)
    try:
        yield g
    except GraphStoreError as exc:
        fail(str(exc), EXIT_FAILED)
    finally:
        g.close()


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
    with _graph(ctx, path, None, graph, rebuild) as g:
        stats = g.index(path, commit)
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
    with _graph(ctx, repo, commit, graph) as g:
        hits = g.search(text, k)
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in hits], indent=2))
        return
    for hit in hits:
        n = hit.node
        typer.echo(f"{hit.score:8.3f}  {n.kind:<8} {n.id}  ({n.path}:{n.start_line})")


def localize(
    ctx: typer.Context,
    issue: Path = typer.Option(..., help="File holding the issue text (title and body); `-` reads stdin."),
    repo: Path = typer.Option(Path("."), help="Repository to localize in."),
    commit: str | None = typer.Option(None, help="Commit to localize at (default: the working tree as on disk)."),
    top: int = typer.Option(10, "--top", "-k", min=1, help="How many files and functions to return."),
    graph: str | None = typer.Option(None, "--graph", help=_BACKEND_HELP),
    as_json: bool = typer.Option(False, "--json", help='Print {"files": [...], "functions": [...]} as JSON.'),
) -> None:
    """Rank the files and functions an issue is about, without a model (indexes first if needed)."""
    from graph_index import NotIndexedError
    from graph_index.localize import localize as run_localize

    if str(issue) == "-":
        import sys

        text = sys.stdin.read()
    elif issue.is_file():
        text = issue.read_text(encoding="utf-8", errors="replace")
    else:
        fail(f"issue file not found: {issue}", EXIT_USAGE)
    with _graph(ctx, repo, commit, graph) as g:
        if commit is None:
            g.index(repo, None)  # incremental: only files whose content changed are parsed
        else:
            try:
                g.files()
            except NotIndexedError:
                g.index(repo, commit)
        result = run_localize(g, text, top_k=top)
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
        return
    typer.echo("files")
    for i, f in enumerate(result.files, 1):
        typer.echo(f"{i:3d}. {f.score:7.3f}  {f.path}")
        for note in f.evidence[:3]:
            typer.echo(f"{'':15s}{note}")
    typer.echo("functions")
    for i, fn in enumerate(result.functions, 1):
        typer.echo(f"{i:3d}. {fn.score:7.3f}  {fn.id}")
        for note in fn.evidence[:2]:
            typer.echo(f"{'':15s}{note}")


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
    with _graph(ctx, repo, commit, graph) as g:
        node = g.node(node_id)
        if node is None:
            matches = g.symbol(node_id)
            if len(matches) != 1:
                hint = f"; candidates: {', '.join(m.id for m in matches[:5])}" if matches else ""
                fail(f"no node {node_id!r}{hint}", EXIT_FAILED)
            node = matches[0]
        edges = g.edges(node.id)
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
