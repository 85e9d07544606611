"""The real batch task: one dataset row through the solve workflow (`orchestrator.workflow.solve`)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import structlog

# The workflow is imported at module level, not inside the function, so the batch's fork server
# (which preloads this module) pays for langgraph and the agents once, not once per instance.
import orchestrator.workflow.adapters  # noqa: F401
from orchestrator.batch.isolation import worker_dir
from orchestrator.batch.models import InstanceResult, InstanceStatus, TaskSpec
from orchestrator.config import OrchSettings
from orchestrator.records.model import REQUEST
from orchestrator.workflow import Budgets, SolveRequest, SolveStatus
from orchestrator.workflow.runner import run_solve

log = structlog.get_logger(__name__)

# What a solve imports lazily, by module name: the roles' glue, the embedded graph store with its
# tree-sitter grammars and queries, the Docker SDK. A worker forked after these are loaded
# starts solving at once; without them every instance paid ~0.5 s of imports (more where
# bytecode is not cached). A warm-up only: a module that is missing is skipped.
WARM_MODULES = (
    "orchestrator.workflow.agent_roles",
    "orchestrator.workflow.json_roles",
    "graph_index.embedded",
    "graph_index.parsing.python",
    "graph_index.parsing.javascript",
    "docker",
)


def warm_imports() -> None:
    """Load what every solve needs into this process (the fork server, once per batch)."""
    import agents

    for name in agents.__all__:  # the package resolves its exports lazily
        getattr(agents, name)
    for module in WARM_MODULES:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            log.debug("batch.warm_import_skipped", module=module, error=str(exc))


warm_imports()


def repo_source(row: dict, repos_dir: str | None) -> str | None:
    """A local clone under repos_dir when there is one; else None (the workflow clones from GitHub)."""
    repo = str(row.get("repo", ""))
    if repos_dir and repo:
        local = Path(repos_dir).expanduser() / repo
        for candidate in (local, local.with_name(local.name + ".git")):
            if candidate.exists():
                return str(candidate.resolve())
    return None


def instance_model(model: str, row: dict) -> str:
    """The model string for one row: `{instance_id}`, `{repo}` and `{repo_name}` are filled in,
    so scripted or replayed sessions can differ per instance (`scripted:sessions/{instance_id}.yaml`)."""
    repo = str(row.get("repo", ""))
    return (model.replace("{instance_id}", str(row["instance_id"])).replace("{repo_name}", repo.rsplit("/", 1)[-1])
            .replace("{repo}", repo))


def soft_wall_seconds(hard_timeout: float) -> int:
    """The solve's own time cap: a little before the batch's hard kill, so it stops cleanly first."""
    return max(1, int(hard_timeout - min(60.0, 0.1 * hard_timeout)))


def solve_instance(spec: TaskSpec) -> InstanceResult:
    """Solve one instance with the workflow, recording its run in `spec.instance_dir`."""
    settings = OrchSettings.model_validate(spec.settings)
    row = spec.instance
    instance_dir = Path(spec.instance_dir)
    resume = spec.resume and _has_run_record(instance_dir)
    if spec.repos_dir and not settings.harness.repos_dir:
        settings.harness.repos_dir = spec.repos_dir  # where image builds find the repository too
    request = SolveRequest(
        # As a dataset row, so a Docker sandbox is the harness's instance image (the repository's
        # environment installed, as in grading), like `orch solve --dataset`. The row travels in
        # the spec and is written beside the run: a Ray node need not see the batch's dataset file.
        dataset=_row_file(instance_dir, row),
        repo=repo_source(row, spec.repos_dir),
        commit=row.get("base_commit"),
        instance_id=spec.instance_id,
        model=instance_model(spec.model_name, row),
        budgets=Budgets(cost_usd=spec.cost_cap_usd, wall_seconds=min(settings.budget.wall_seconds, soft_wall_seconds(spec.timeout_s))),
        run_id=instance_dir.name,
        runs_dir=instance_dir.parent,
        resume=resume,
    )
    # The batch's settings are every attempt's settings: a resumed instance (interrupted, or
    # retried after an infrastructure failure that a settings change fixed) must not get back
    # the ones its first attempt saved, so every section counts as given for this session.
    result = run_solve(request, settings, explicit=tuple(type(settings).model_fields))
    status = {
        SolveStatus.ERROR_INFRA: InstanceStatus.INFRA_ERROR,
        SolveStatus.RESOLVED: InstanceStatus.PATCHED,
        SolveStatus.UNVALIDATED: InstanceStatus.PATCHED,
        SolveStatus.FAILED: InstanceStatus.FAILED,
        SolveStatus.BUDGET_EXHAUSTED: InstanceStatus.BUDGET_EXHAUSTED,
        SolveStatus.ERROR_INPUT: InstanceStatus.FAILED,
    }[result.status]
    if status is InstanceStatus.PATCHED and not result.patch.strip():
        status = InstanceStatus.NO_PATCH
    return InstanceResult(
        instance_id=spec.instance_id, repo=spec.repo, status=status, patch=result.patch,
        cost_usd=result.cost_usd, duration_s=result.duration_s, run_dir=str(result.run_dir),
        error=None if status is InstanceStatus.PATCHED else (result.message or None),
        detail={"solve_status": result.status.value, "tokens": result.tokens, "model_calls": result.model_calls,
                "tests": result.tests},
    )


def _row_file(instance_dir: Path, row: dict) -> Path:
    # In the worker's own directory: anything else in the instance directory means "the workflow
    # recorded this run", and a later attempt would try to resume a run that never started.
    where = worker_dir(instance_dir)
    where.mkdir(parents=True, exist_ok=True)
    path = where / "instance.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


def _has_run_record(instance_dir: Path) -> bool:
    """An earlier attempt got as far as the workflow saving its request: only then is there a run
    to resume. A kill can land after the run's directory and logs exist but before that, and
    resuming such a run fails ("no run to resume"), losing the instance's prediction."""
    return (instance_dir / REQUEST).is_file()
