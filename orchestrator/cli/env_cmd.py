"""`orch env`: environment images (base -> environment -> instance)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from orchestrator.cli.context import EXIT_FAILED, EXIT_USAGE, fail, state

app = typer.Typer(help="Build and list environment images for sandboxes.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="env")


@app.command("build-base")
def build_base(
    ctx: typer.Context,
    release: str | None = typer.Argument(None, help="bookworm | bullseye | trixie (default harness.base_release)."),
) -> None:
    """Build orch-base:<release> from a Debian root file system (no registry needed)."""
    from harness import EngineUnavailable, ImageBuildError
    from harness import build_base as build

    settings = state(ctx).settings().settings.harness
    try:
        typer.echo(build(release or settings.base_release, settings))
    except (EngineUnavailable, ImageBuildError) as exc:
        fail(f"{exc}\n{getattr(exc, 'log_tail', '')}".rstrip(), EXIT_FAILED)


@app.command("build")
def build(
    ctx: typer.Context,
    dataset: Path = typer.Option(..., "--dataset", help="SWE-bench-style JSONL."),
    instance_id: str = typer.Option(..., "--instance-id", help="The row to build an image for."),
    repos_dir: Path | None = typer.Option(None, "--repos-dir", help="DIR/<owner>/<name> git repositories."),
) -> None:
    """Build base, environment and instance images for one instance; prints the image tag."""
    from harness import EngineUnavailable, ImageBuildError, build_environment

    settings = state(ctx).settings().settings.harness
    try:
        typer.echo(build_environment(dataset=dataset, instance_id=instance_id, settings=settings, repos_dir=repos_dir))
    except (EngineUnavailable, ImageBuildError) as exc:
        fail(f"{exc}\n{getattr(exc, 'log_tail', '')}".rstrip(), EXIT_FAILED)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)


@app.command("list")
def list_images(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Rows as JSON."),
) -> None:
    """List environment images (base, env, instance) with their content keys and sizes."""
    from harness import EngineUnavailable, list_environment_images

    try:
        rows = list_environment_images(state(ctx).settings().settings.harness)
    except EngineUnavailable as exc:
        fail(str(exc), EXIT_FAILED)
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in rows], indent=2))
        return
    for r in rows:
        typer.echo(f"{r.kind:9} {r.tag:70} {r.size_mb:>8.1f} MB  {r.created}")


@app.command("prune")
def prune(
    ctx: typer.Context,
    instance: bool = typer.Option(True, "--instance/--no-instance", help="Instance images (cheap to rebuild)."),
    env: bool = typer.Option(False, "--env", help="Also environment images (minutes of installs each to rebuild)."),
    base: bool = typer.Option(False, "--base", help="Also base images (debootstrap to rebuild)."),
    older_than: str | None = typer.Option(None, "--older-than", help="Only images at least this old: 30m, 12h, 7d, 2w."),
    match: str | None = typer.Option(None, "--match", help="Only tags matching this glob, e.g. 'orch-inst:django*'; leaves dangling images."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be removed; remove nothing."),
    as_json: bool = typer.Option(False, "--json", help="The result as JSON."),
) -> None:
    """Remove orch's images to reclaim disk; images in use by a container are kept and named."""
    from harness import EngineUnavailable, PruneRequest, parse_duration, prune_environment_images

    state(ctx).settings()  # loads the configuration, and with it logging to stderr, not stdout
    kinds = frozenset(k for k, on in (("instance", instance), ("env", env), ("base", base)) if on)
    try:
        req = PruneRequest(
            kinds=kinds, older_than_s=parse_duration(older_than) if older_than else None, match=match, dry_run=dry_run
        )
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        result = prune_environment_images(req)
    except EngineUnavailable as exc:
        fail(str(exc), EXIT_FAILED)
    if as_json:
        typer.echo(json.dumps({
            "dry_run": result.dry_run, "removed": [r.__dict__ for r in result.removed],
            "skipped": [{"tag": t, "reason": why} for t, why in result.skipped], "freed_mb": result.freed_mb,
        }, indent=2))
        return
    verb = "would remove" if dry_run else "removed"
    for r in result.removed:
        typer.echo(f"{verb} {r.kind:9} {r.tag:70} {r.size_mb:>8.1f} MB")
    for tag, why in result.skipped:
        typer.echo(f"kept    {tag}: {why}")
    # Sizes count layers shared with other images, so the sum overstates what is freed.
    typer.echo(f"{verb} {len(result.removed)} image(s) (at most {result.freed_mb:.1f} MB); kept {len(result.skipped)}")
