"""`orch batch`: solve many dataset instances with a worker pool or Ray; `orch batch report RUN_ID`."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime
from pathlib import Path

import typer

from orchestrator.cli.context import EXIT_FAILED, EXIT_USAGE, fail, state

app = typer.Typer(
    help="Solve SWE-bench-style datasets in bulk; resumable. `orch batch --dataset F --run-id ID ...` runs one.",
    invoke_without_command=True,
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="batch")


@app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    dataset: Path | None = typer.Option(None, "--dataset", help="SWE-bench-style JSONL (instance_id, repo, base_commit, problem_statement, ...)."),
    instance_ids: list[str] = typer.Option([], "--instance-ids", help="Only these instance ids (repeat, or comma-separated)."),
    slice_: str | None = typer.Option(None, "--slice", help="Rows a:b of the dataset, in file order."),
    filter_: str | None = typer.Option(None, "--filter", help="Only instance ids matching this regex."),
    model: str | None = typer.Option(None, "--model", help="Chat model as provider:model (default: model.name)."),
    workers: int | None = typer.Option(None, "--workers", "-j", help="Concurrent instances (default: sized from cores and memory)."),
    run_id: str | None = typer.Option(None, "--run-id", help="Batch run id; re-running it resumes (default: a new one)."),
    evaluate: bool = typer.Option(False, "--evaluate", help="Grade the predictions with the harness afterwards."),
    executor: str | None = typer.Option(None, "--executor", help="local (worker pool) or ray."),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Ray cluster to join (default: start a local one)."),
    cost_cap: float | None = typer.Option(None, "--cost-cap", help="Total spend cap for the batch in USD."),
    instance_cost: float | None = typer.Option(None, "--instance-cost", help="Spend cap per instance in USD (budget.cost_usd)."),
    instance_timeout: int | None = typer.Option(None, "--instance-timeout", help="Seconds before an instance is killed."),
    retry_infra: bool = typer.Option(False, "--retry-infra", help="Re-run only instances that failed for infrastructure reasons."),
    repos_dir: Path | None = typer.Option(None, "--repos-dir", help="Local clones as DIR/<owner>/<name> instead of cloning."),
    task: str | None = typer.Option(None, "--task", hidden=True, help="module:function of the task (tests, benchmarks)."),
) -> None:
    """Solve every selected instance; predictions stream to <runs_dir>/<run-id>/predictions.jsonl."""
    if ctx.invoked_subcommand is not None:
        return
    if dataset is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(EXIT_USAGE)

    from orchestrator.batch import (
        BatchRequest,
        ManifestMismatchError,
        RunLockedError,
        SelectionError,
        load_dataset,
        order_by_repo,
        parse_slice,
        run_batch,
        select,
    )
    from orchestrator.batch.runner import DEFAULT_TASK

    loaded = state(ctx).settings(**{
        "batch.workers": workers, "batch.executor": executor, "batch.ray_address": ray_address,
        "batch.cost_usd": cost_cap, "batch.instance_timeout": instance_timeout, "budget.cost_usd": instance_cost,
    })
    settings = loaded.settings
    ids = [part for item in instance_ids for part in item.replace(",", " ").split()]
    try:
        rows = select(load_dataset(dataset), instance_ids=ids, slice_=parse_slice(slice_) if slice_ else None, pattern=filter_)
    except SelectionError as exc:
        fail(str(exc), EXIT_USAGE)
    if not rows:
        fail("the selection is empty", EXIT_USAGE)
    run_id = run_id or datetime.now(UTC).strftime("batch-%Y%m%d-%H%M%S")
    request = BatchRequest(
        run_id=run_id, rows=order_by_repo(rows), model=model or settings.model.name, dataset=str(dataset.resolve()),
        retry_infra=retry_infra, task=task or DEFAULT_TASK, repos_dir=str(repos_dir.resolve()) if repos_dir else None,
        selection={"instance_ids": ids, "slice": slice_, "filter": filter_},
    )
    # SIGTERM stops like Ctrl-C: workers are killed, their instances stay unfinished and resume next time.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        outcome = run_batch(request, settings)
    except (RunLockedError, ManifestMismatchError) as exc:
        fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo(f"interrupted; resume with the same command (--run-id {run_id})", err=True)
        raise typer.Exit(130) from None
    counts = ", ".join(f"{k} {v}" for k, v in sorted(outcome.counts.items())) or "nothing to do"
    typer.echo(f"batch {run_id}: {counts}; skipped {outcome.skipped} finished earlier; "
               f"{outcome.wall_s:.1f}s with {outcome.workers} {outcome.executor} worker(s); spent ${outcome.spent_usd:.4f}")
    if outcome.budget_stopped:
        typer.echo(f"total cost cap reached: {outcome.not_started} instance(s) not started (raise --cost-cap and re-run)")
    typer.echo(f"predictions: {outcome.run_dir / 'predictions.jsonl'}")
    if evaluate:
        from orchestrator.batch.evaluate import EvaluationUnavailable, evaluate_batch

        try:
            summary = evaluate_batch(outcome.run_dir, dataset, settings, workers=outcome.workers, repos_dir=repos_dir)
        except EvaluationUnavailable as exc:
            fail(f"--evaluate: {exc}", EXIT_FAILED)
        except Exception as exc:  # the harness failed as a whole (e.g. no Docker); predictions stand
            fail(f"--evaluate failed ({type(exc).__name__}: {exc}); predictions are complete, "
                 f"grade later with `orch eval`", EXIT_FAILED)
        typer.echo(f"evaluation: resolved {len(summary.get('resolved_ids', []))} of {len(rows)}")


@app.command("report")
def report(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., help="Batch run id."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON."),
) -> None:
    """Resolved rate, cost and time per instance (mean/p50/p95), status counts, per-repository table."""
    from orchestrator.batch import batch_dir, load_summary, render

    settings = state(ctx).settings().settings
    try:
        summary = load_summary(batch_dir(settings, run_id))
    except FileNotFoundError as exc:
        fail(str(exc), EXIT_USAGE)
    typer.echo(json.dumps(summary, indent=2) if as_json else render(summary))
