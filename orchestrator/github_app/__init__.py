"""The GitHub App: a webhook server that turns labelled issues into draft pull requests.

Deliveries are verified and queued by `webhook`, run by the `worker` pool as `job`s, which clone,
call the solve workflow through an injectable solver and publish through `client` and `gitops`.
"""

from orchestrator.github_app.auth import InstallationTokens
from orchestrator.github_app.errors import AppConfigError, GitHubApiError
from orchestrator.github_app.events import Trigger, decide
from orchestrator.github_app.job import JobOutcome, run_job
from orchestrator.github_app.manifest import app_manifest
from orchestrator.github_app.server import create_app, serve
from orchestrator.github_app.signature import sign, verify
from orchestrator.github_app.solver import Solver, load_solver
from orchestrator.github_app.store import Job, JobState, JobStore

__all__ = [
    "AppConfigError",
    "GitHubApiError",
    "InstallationTokens",
    "Job",
    "JobOutcome",
    "JobState",
    "JobStore",
    "Solver",
    "Trigger",
    "app_manifest",
    "create_app",
    "decide",
    "load_solver",
    "run_job",
    "serve",
    "sign",
    "verify",
]
