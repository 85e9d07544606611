"""`orch demo`: the offline main job on embedded defaults (what `make demo` runs)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from orchestrator.cli.context import EXIT_FAILED, EXIT_USAGE, fail, state

EXAMPLES = ("python-pagekit", "js-slugkit")
# Examples whose toolchain the locally built base image lacks; `auto` runs them on the local sandbox.
_NEEDS_HOST_TOOLCHAIN = {"js-slugkit": "Node.js"}


def register(root: typer.Typer) -> None:
    root.command("demo")(demo)


def examples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "examples"


def demo(
    ctx: typer.Context,
    example: str = typer.Option("python-pagekit", help=f"Which example: {', '.join(EXAMPLES)}."),
    sandbox: str | None = typer.Option(None, help="auto (docker when the engine answers, else local), docker, local."),
    runs_dir: Path | None = typer.Option(None, "--runs-dir", help="Where the run record goes (run.runs_dir)."),
) -> None:
    """Run an example repository's issue through the whole workflow offline, with a scripted model."""
    from orchestrator.progress import Progress
    from orchestrator.records import load_run
    from orchestrator.records.render import run_lines
    from orchestrator.workflow import SolveRequest, SolveStatus
    from orchestrator.workflow.adapters import base_image_present, resolve_sandbox_kind
    from orchestrator.workflow.runner import run_solve

    root = examples_dir() / example
    if example not in EXAMPLES or not root.is_dir():
        fail(f"unknown example {example!r}; choose one of {', '.join(EXAMPLES)}", EXIT_USAGE)
    st = state(ctx)
    # The demo's own output tells the story; library logs only when something goes wrong.
    st.log_level = st.log_level or "warning"
    loaded = st.settings(**{"graph.backend": "embedded"})
    requested = sandbox or loaded.settings.harness.sandbox
    kind = resolve_sandbox_kind(requested)
    note = "  (unisolated: no Docker engine answered)" if kind == "local" and requested == "auto" else ""
    if kind == "docker" and requested == "auto" and example in _NEEDS_HOST_TOOLCHAIN:
        kind = "local"
        note = f"  (unisolated: the base image has no {_NEEDS_HOST_TOOLCHAIN[example]})"
    elif kind == "docker" and requested == "auto" and not base_image_present(loaded.settings):
        kind = "local"
        note = (f"  (unisolated: Docker answers but orch-base:{loaded.settings.harness.base_release} is not "
                "built; `orch env build-base` builds it)")
    session = root / "session.yaml"
    banner = "SCRIPTED MODEL: every model reply is pre-written in " + str(session.relative_to(root.parent.parent))
    typer.secho("orch offline demo", bold=True)
    typer.secho(f"  {banner}; no model service is called.", fg=typer.colors.YELLOW)
    typer.echo(f"  example: {example}   graph: embedded   sandbox: {kind}{note}")
    typer.echo("")
    request = SolveRequest(issue=str(root / "ISSUE.md"), repo=str(root / "repo"), model=f"scripted:{session}",
                           sandbox=kind, runs_dir=runs_dir)  # type: ignore[arg-type]
    with Progress(sys.stderr) as progress:
        result = run_solve(request, loaded.settings, progress=progress)
    try:
        view = load_run(result.run_dir.parent, result.run_id)
        typer.echo("\n".join(run_lines(view)))
    except FileNotFoundError:
        pass
    typer.echo("")
    typer.secho(f"[scripted model] {result.status.value}: {result.message}", bold=True,
                fg=typer.colors.GREEN if result.status == SolveStatus.RESOLVED else typer.colors.RED)
    typer.echo(f"record: {result.run_dir}   (orch runs show {result.run_id})")
    if result.status != SolveStatus.RESOLVED:
        raise typer.Exit(EXIT_FAILED)
