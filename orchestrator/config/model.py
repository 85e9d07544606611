"""The one typed settings object. Each package owns its section's model; this composes them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from agents.config import BudgetSettings, ModelSettings
from graph_index.config import GraphSettings
from harness.config import HarnessSettings


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class RunSettings(_Section):
    runs_dir: Path = Path("runs")
    """Where run records (trajectory.jsonl, patch.diff, summary.json, logs) are written."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Lowest level shown on the terminal; the run directory's log.jsonl always gets debug."""


class WorkflowSettings(_Section):
    candidates: int = 1
    """Independent attempts per issue; more than one enables selection by execution evidence."""
    review_rounds: int = 2
    """How often the reviewer may send a subtask back to the coder before the run gives up on it."""
    subtask_retries: int = 2
    """Retries of a failing subtask before the planner is asked to re-plan."""
    replans: int = 1
    """How often the planner may re-plan when acceptance checks keep failing."""
    checkpointer: Literal["sqlite", "postgres"] = "sqlite"
    """Where LangGraph checkpoints go; sqlite lives in the run directory."""
    postgres_dsn: str | None = None
    """Connection string when checkpointer is postgres; run records keep it without its password."""
    localize_top_k: int = 10
    """Files and functions from LLM-free localization handed to the planner."""
    step_delay: float = 0.0
    """Seconds to pause at the start of each node (slows a run down for demos and crash tests)."""
    roles: Literal["agents", "json"] = "agents"
    """Who plays the roles: the tool-using agents, or single-shot JSON roles (one call per step)."""


class BatchSettings(_Section):
    workers: int = 0
    """Concurrent instances; 0 sizes the pool from cores and memory."""
    executor: Literal["local", "ray"] = "local"
    """Where batch tasks run: a local worker pool, or Ray (optional extra)."""
    ray_address: str | None = None
    """Ray cluster address for executor ray (None starts or joins a local one)."""
    cost_usd: float | None = None
    """Total spend cap for the whole batch; None means only per-instance caps apply."""
    instance_timeout: int = 3600
    """Seconds before one instance is stopped and recorded as timed out."""
    repo_warmup: bool = True
    """Start a repository's second instance only after its first finished, so it reuses that one's image and graph index."""


class AppSettings(_Section):
    host: str = "127.0.0.1"
    """Interface the webhook server listens on."""
    port: int = 8080
    """Port the webhook server listens on."""
    label: str = "orch"
    """Issue label that triggers a solve."""
    command: str = "/orch solve"
    """Issue comment that triggers a solve."""
    allowed_associations: list[str] = ["OWNER", "MEMBER", "COLLABORATOR"]
    """Author associations allowed to trigger orch."""
    allowed_permissions: list[str] = ["admin", "maintain", "write"]
    """Repository permissions (asked from the API) a labeller needs; label events carry no association."""
    api_url: str = "https://api.github.com"
    """GitHub REST API base URL (change it for GitHub Enterprise)."""
    issue_cost_usd: float = 2.0
    """Spend cap per issue."""
    installation_cost_usd: float = 50.0
    """Spend cap per installation per day."""
    app_id: int | None = None
    """The GitHub App's id (shown on its settings page)."""
    private_key_path: Path | None = None
    """PEM file with the App's private key; it signs the JWTs exchanged for installation tokens."""
    webhook_secret: SecretStr | None = None
    """Webhook secret. Prefer ORCH_APP__WEBHOOK_SECRET over writing it in a file."""
    state_dir: Path = Path("~/.cache/orch/app")
    """Durable job queue, delivery log, spend ledger, clones and run records of the App."""
    workers: int = 1
    """Jobs run at the same time (one per issue at most)."""
    executor: Literal["local", "ray"] = "local"
    """Where jobs run: in the server's worker threads, or as Ray tasks (optional extra `ray`)."""
    ray_address: str | None = None
    """Ray cluster address for executor ray (None starts a private local one on loopback)."""
    max_attempts: int = 3
    """Starts of one job (restarts included) before it is given up with a comment."""
    solver: str = "orchestrator.workflow:solve"
    """`module:function` called as solver(SolveRequest, OrchSettings) -> SolveResult."""
    publish_unvalidated: bool = False
    """Also open a draft PR for a patch whose execution evidence does not confirm it."""
    result_label: str = "orch:pr-opened"
    """Label that replaces the trigger label when a draft PR was opened."""
    failure_label: str = "orch:failed"
    """Label that replaces the trigger label when no PR was opened."""
    token_refresh_seconds: int = 300
    """Fetch a new installation token when the current one expires within this many seconds."""


class OrchSettings(_Section):
    run: RunSettings = RunSettings()
    """Run records and logging."""
    model: ModelSettings = ModelSettings()
    """The chat model agents use."""
    budget: BudgetSettings = BudgetSettings()
    """Limits per run, enforced before each model call."""
    graph: GraphSettings = GraphSettings()
    """The code knowledge graph."""
    harness: HarnessSettings = HarnessSettings()
    """Sandboxes and environment images."""
    workflow: WorkflowSettings = WorkflowSettings()
    """The solve workflow."""
    batch: BatchSettings = BatchSettings()
    """Batch runs over datasets."""
    app: AppSettings = AppSettings()
    """The GitHub App."""
