"""Execution harness: sandboxes, environment images, patch application, test running, grading.

Public surface; everything else is internal. Never imports graph_index, agents or orchestrator.
"""

from harness.api import (
    build_base,
    build_environment,
    evaluate_predictions,
    list_environment_images,
    prune_environment_images,
)
from harness.dataset import Instance, Prediction, load_instances, load_predictions
from harness.grading import ResolvedStatus, TestStatus, Verdict, grade
from harness.images import ImageBuildError, ImageInfo
from harness.patching import UnsafePatch, check_patch
from harness.prune import PruneRequest, PruneResult, parse_duration
from harness.sandbox import CommandResult, EngineUnavailable, PatchResult, Sandbox, SandboxError
from harness.sandboxes import DockerSandbox, Limits, LocalSandbox, connect, reap_orphans
from harness.specs import SpecError

__all__ = [
    "CommandResult",
    "DockerSandbox",
    "EngineUnavailable",
    "ImageBuildError",
    "ImageInfo",
    "Instance",
    "Limits",
    "LocalSandbox",
    "PatchResult",
    "PruneRequest",
    "PruneResult",
    "Prediction",
    "ResolvedStatus",
    "Sandbox",
    "SandboxError",
    "SpecError",
    "TestStatus",
    "UnsafePatch",
    "Verdict",
    "build_base",
    "build_environment",
    "check_patch",
    "connect",
    "evaluate_predictions",
    "grade",
    "list_environment_images",
    "load_instances",
    "load_predictions",
    "parse_duration",
    "prune_environment_images",
    "reap_orphans",
]
