"""`orch solve`: one issue to a validated diff."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from orchestrator.cli.context import EXIT_FAILED, EXIT_USAGE, state
from orchestrator.config.loader import OPTION_SOURCE


def register(root: typer.Typer) -> None:
    root.command("solve")(solve)


def solve(
    ctx: typer.Context,
    issue: str | None = typer.Option(None, help="GitHub issue URL, or a local Markdown/text file."),
    repo: str | None = typer.Option(None, help="Local repository path or clone URL."),
    commit: str | None = typer.Option(None, help="Commit to solve at (default: dataset base_commit or HEAD)."),
    dataset: Path | None = typer.Option(None, help="SWE-bench-style JSONL file (with --instance-id)."),
    instance_id: str | None = typer.Option(None, "--instance-id", help="Dataset row to solve."),
    model: str | None = typer.Option(None, help="Chat model as provider:model (e.g. scripted:PATH)."),
    resume: str | None = typer.Option(None, help="Run id to resume from its last completed node."),
    run_id: str | None = typer.Option(None, "--run-id", help="Run id for a new run (default: generated)."),
    runs_dir: Path | None = typer.Option(None, "--runs-dir", help="Where run records go (run.runs_dir)."),
    sandbox: str | None = typer.Option(None, help="auto, docker or local (harness.sandbox)."),
    budget_usd: float | None = typer.Option(None, "--budget-usd", help="Spend cap for this run in US dollars."),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Cap on model calls for this run."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> None:
    """Plan, edit, test and review a fix for one issue; emit the diff and a run record."""
    from orchestrator.progress import Progress
    from orchestrator.records import load_run
    from orchestrator.records.render import run_lines
    from orchestrator.workflow import Budgets, SolveRequest, SolveStatus
    from orchestrator.workflow.runner import run_solve

    loaded = state(ctx).settings()
    try:
        request = SolveRequest(
            issue=issue, repo=repo, commit=commit, dataset=dataset, instance_id=instance_id, model=model,
            run_id=resume or run_id, resume=resume is not None, runs_dir=runs_dir,
            sandbox=sandbox,  # type: ignore[arg-type]
            budgets=Budgets(cost_usd=budget_usd, steps=max_steps),
        )
    except ValueError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_USAGE) from None
    # On --resume these win over the settings the run was started with (settings.json).
    explicit = [key for key, source in loaded.sources.items() if source.startswith(OPTION_SOURCE)]
    with Progress(sys.stderr) as progress:
        result = run_solve(request, loaded.settings, progress=progress, explicit=explicit)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        try:
            view = load_run(result.run_dir.parent, result.run_id)
            typer.echo("\n".join(run_lines(view, with_output=False)))
        except FileNotFoundError:
            typer.echo(json.dumps({"status": result.status.value, "message": result.message}))
    if result.status == SolveStatus.ERROR_INPUT:
        typer.secho(f"error: {result.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_USAGE)
    if result.status == SolveStatus.ERROR_INFRA:
        typer.secho(f"error: {result.message}", err=True, fg=typer.colors.RED)
    if result.status not in (SolveStatus.RESOLVED,):
        raise typer.Exit(EXIT_FAILED)
