"""The harness's entry points for the CLI and the layers above: one call per user action."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.config import HarnessSettings
from harness.dataset import load_instances, load_predictions
from harness.evaluation import EvalOptions, InstanceResult, run_evaluation
from harness.images import ImageBuilder, ImageInfo
from harness.prune import PruneRequest, PruneResult, prune_images
from harness.repos import RepoSource
from harness.sandboxes.docker import Limits, connect
from harness.specs import default_registry


def _cache(settings: HarnessSettings) -> Path:
    return Path(settings.cache_dir).expanduser()


def _repos(settings: HarnessSettings, repos_dir: Path | str | None) -> RepoSource:
    chosen = repos_dir if repos_dir is not None else settings.repos_dir
    return RepoSource(Path(chosen).expanduser() if chosen else None, _cache(settings))


def _builder(settings: HarnessSettings) -> ImageBuilder:
    return ImageBuilder(
        connect(), _cache(settings), build_network=settings.build_network,
        base_source=settings.base_source, registry_image=settings.registry_image,
    )


def evaluate_predictions(
    *,
    dataset: Path | str,
    predictions: Path | str,
    out_dir: Path | str,
    settings: HarnessSettings | None = None,
    workers: int = 1,
    repos_dir: Path | str | None = None,
    instance_ids: list[str] | None = None,
    report: Path | str | None = None,
    on_result: Callable[[InstanceResult], None] | None = None,
) -> dict[str, Any]:
    """Grade `predictions` (a file, `gold` or `empty`) on `dataset`; resumable in `out_dir`.

    Returns the summary (official SWE-bench field names), also written to `report` or
    `out_dir/summary.json`. Per-instance failures never raise: they are labelled in the summary.
    """
    settings = settings or HarnessSettings()
    instances = load_instances(dataset, instance_ids)
    preds = load_predictions(str(predictions), instances)
    opts = EvalOptions(
        run_dir=Path(out_dir),
        repos=_repos(settings, repos_dir),
        cache_dir=_cache(settings),
        limits=Limits(cpus=settings.cpus, memory=settings.memory, pids=settings.pids, command_timeout=settings.command_timeout),
        eval_timeout=settings.eval_timeout,
        workers=workers,
        build_network=settings.build_network,
        base_source=settings.base_source,
        registry_image=settings.registry_image,
    )
    return run_evaluation(instances, preds, opts, report_path=Path(report) if report else None, on_result=on_result)


def build_base(release: str, settings: HarnessSettings | None = None) -> str:
    """Build (or find) `orch-base:<release>`; returns the tag."""
    return _builder(settings or HarnessSettings()).ensure_base(release)


def build_environment(
    *, dataset: Path | str, instance_id: str, settings: HarnessSettings | None = None, repos_dir: Path | str | None = None
) -> str:
    """Build (or find) base, environment and instance images for one dataset row; returns the tag."""
    settings = settings or HarnessSettings()
    (inst,) = load_instances(dataset, [instance_id])
    spec = default_registry().get(inst.repo, inst.version)
    return _builder(settings).ensure_instance(
        inst.instance_id, inst.repo, inst.base_commit, spec, _repos(settings, repos_dir), inst.environment_setup_commit or inst.base_commit
    )


def list_environment_images(settings: HarnessSettings | None = None) -> list[ImageInfo]:
    return _builder(settings or HarnessSettings()).list_images()


def prune_environment_images(req: PruneRequest) -> PruneResult:
    """Remove orch images `req` selects (default: instance images and dangling rebuilds)."""
    return prune_images(connect(), req)
