"""`orch app`: the GitHub App (webhook server and job worker)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from orchestrator.cli.context import EXIT_USAGE, fail, state

app = typer.Typer(help="Run the GitHub App that answers labelled issues with draft PRs.", no_args_is_help=True)

# Read once into the settings; removed from the process environment afterwards so that nothing
# the solver starts on the host (e.g. a local sandbox) inherits it.
_SECRET_ENV = ("ORCH_APP__WEBHOOK_SECRET",)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="app")


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Interface to listen on (app.host)."),
    port: int | None = typer.Option(None, help="Port to listen on (app.port)."),
    state_dir: Path | None = typer.Option(None, help="Queue, ledger, clones and run records (app.state_dir)."),
    workers: int | None = typer.Option(None, help="Jobs run at the same time (app.workers)."),
) -> None:
    """Serve the webhook endpoint and run queued jobs until interrupted."""
    from orchestrator.github_app import AppConfigError
    from orchestrator.github_app import serve as serve_app

    settings = state(ctx).settings(
        **{"app.host": host, "app.port": port, "app.state_dir": state_dir, "app.workers": workers}
    ).settings
    for name in _SECRET_ENV:
        os.environ.pop(name, None)
    try:
        serve_app(settings)
    except AppConfigError as exc:
        fail(f"configuration error: {exc}", EXIT_USAGE)


@app.command("manifest")
def manifest(
    webhook_url: str = typer.Option(..., help="Public URL of this server's /webhook route."),
    name: str | None = typer.Option(None, help="App name (must be unique on GitHub)."),
    homepage: str | None = typer.Option(None, help="Homepage URL shown on the App's page."),
) -> None:
    """Print the App manifest as JSON, for GitHub's register-from-manifest flow."""
    from orchestrator.github_app import app_manifest

    typer.echo(json.dumps(app_manifest(webhook_url, name, homepage), indent=2))


@app.command("jobs")
def jobs(
    ctx: typer.Context,
    state_dir: Path | None = typer.Option(None, help="The App's state dir (app.state_dir)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per job."),
) -> None:
    """List the App's jobs and how they ended."""
    from orchestrator.github_app import JobStore

    settings = state(ctx).settings(**{"app.state_dir": state_dir}).settings
    path = settings.app.state_dir.expanduser() / "queue.sqlite"
    if not path.is_file():
        fail(f"no job queue at {path}", EXIT_USAGE)
    for job in JobStore(path).jobs():
        row = {
            "id": job.id,
            "kind": job.kind.value,
            "repo": job.repo,
            "issue": job.issue,
            "state": job.state.value,
            "attempts": job.attempts,
            "reason": job.outcome.get("reason", ""),
            "pr_url": job.outcome.get("pr_url"),
        }
        if as_json:
            typer.echo(json.dumps(row))
        else:
            typer.echo(f"{row['id']:>5} {row['kind']:<6} {row['repo']}#{row['issue']:<6} {row['state']:<8} {row['pr_url'] or row['reason']}")
