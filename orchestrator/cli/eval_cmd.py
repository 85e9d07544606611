"""`orch eval`: grade predictions in sandboxes like the SWE-bench harness."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import typer

from orchestrator.cli.context import EXIT_FAILED, EXIT_USAGE, fail, state


def register(root: typer.Typer) -> None:
    root.command("eval")(eval_predictions)


def eval_predictions(
    ctx: typer.Context,
    dataset: Path = typer.Option(..., "--dataset", help="SWE-bench-style JSONL (instance_id, repo, base_commit, ...)."),
    predictions: str = typer.Option(..., "--predictions", help="Predictions JSONL, or `gold`, or `empty`."),
    run_id: str = typer.Option(..., "--run-id", help="Names the run directory; reusing it resumes."),
    instance_ids: list[str] = typer.Option([], "--instance-ids", help="Only these instances (repeat or comma-separate)."),
    repos_dir: Path | None = typer.Option(None, "--repos-dir", help="DIR/<owner>/<name> git repositories (no cloning)."),
    workers: int = typer.Option(1, "-j", "--workers", help="Instances evaluated in parallel."),
    report: Path | None = typer.Option(None, "--report", help="Summary JSON path (default <run dir>/summary.json)."),
    runs_dir: Path | None = typer.Option(None, "--runs-dir", help="Where runs go (run.runs_dir); this run is <runs_dir>/eval/<run-id>."),
) -> None:
    """Grade predictions (FAIL_TO_PASS / PASS_TO_PASS) in environment images; resumable."""
    from harness import evaluate_predictions

    settings = state(ctx).settings().settings
    if predictions not in ("gold", "empty") and not Path(predictions).is_file():
        fail(f"--predictions {predictions}: no such file (or use `gold` / `empty`)", EXIT_USAGE)
    if not dataset.is_file():
        fail(f"--dataset {dataset}: no such file", EXIT_USAGE)
    ids = [i for item in instance_ids for i in item.split(",") if i]
    run_dir = (runs_dir or settings.run.runs_dir).expanduser() / "eval" / run_id

    def progress(r) -> None:  # one line per finished instance
        colour = {"resolved": typer.colors.GREEN, "error": typer.colors.RED}.get(r.status, typer.colors.YELLOW)
        typer.secho(f"{r.instance_id}: {r.status}" + (f" ({r.cause})" if r.cause else ""), fg=colour, err=True)

    # SIGTERM (a CI timeout, `kill`) must unwind like Ctrl-C so sandbox containers are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        summary = evaluate_predictions(
            dataset=dataset, predictions=predictions, out_dir=run_dir, settings=settings.harness, workers=workers,
            repos_dir=repos_dir, instance_ids=ids or None, report=report, on_result=progress,
        )
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    brief = {k: v for k, v in summary.items() if not k.endswith("_ids") and k != "causes"}
    typer.echo(json.dumps({**brief, "resolved_ids": summary["resolved_ids"], "error_ids": summary["error_ids"],
                           "summary": str(report or run_dir / "summary.json")}, indent=2))
    if summary["infra_error_ids"]:
        typer.secho(f"{len(summary['infra_error_ids'])} instance(s) hit infrastructure errors; "
                    "rerun with the same --run-id to retry them", fg=typer.colors.RED, err=True)
        raise typer.Exit(EXIT_FAILED)
