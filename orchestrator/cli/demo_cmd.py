"""`orch demo`: the offline main job on embedded defaults (what `make demo` runs)."""

from __future__ import annotations

import typer

from orchestrator.cli.context import state


def register(root: typer.Typer) -> None:
    root.command("demo")(demo)


def demo(ctx: typer.Context) -> None:
    """Run the offline demo: an example repository's issue through orch, with a scripted model."""
    loaded = state(ctx).settings()
    typer.secho("orch offline demo (scripted model, embedded graph, no network)", bold=True)
    typer.echo(f"  graph backend: {loaded.settings.graph.backend}")
    typer.echo(f"  sandbox:       {loaded.settings.harness.sandbox}")
    typer.secho(
        "  The end-to-end workflow (issue #7) is not built yet; this demo shows only the parts that exist.",
        fg=typer.colors.YELLOW,
    )
