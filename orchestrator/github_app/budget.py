"""Cost caps for one job: App configuration, lowered (never raised) by the repository's `.orch.yml`."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestrator.config.model import AppSettings

POLICY_FILES = (".orch.yml", ".orch.yaml")


class PolicyError(Exception):
    """The repository's `.orch.yml` is unreadable; the message is meant for the issue thread."""


class RepoPolicy(BaseModel):
    """What a repository may say about orch runs on it."""

    model_config = ConfigDict(extra="ignore")

    issue_cost_usd: float | None = Field(None, ge=0)
    """Lower per-issue cap for this repository."""
    installation_cost_usd: float | None = Field(None, ge=0)
    """Lower daily cap for the installation while working on this repository."""


def read_repo_policy(repo_dir: Path) -> RepoPolicy:
    for name in POLICY_FILES:
        path = repo_dir / name
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return RepoPolicy.model_validate(data)
        except (yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{name} is not valid: {_first_line(exc)}") from None
    return RepoPolicy()


def job_budget(app: AppSettings, policy: RepoPolicy, installation_spent_usd: float) -> float:
    """Dollars one solve may spend: the per-issue cap, within what is left of the daily cap.

    The repository's file is untrusted content, so its caps only ever lower the App's.
    """
    issue_cap = min(app.issue_cost_usd, _or_inf(policy.issue_cost_usd))
    installation_cap = min(app.installation_cost_usd, _or_inf(policy.installation_cost_usd))
    return max(0.0, min(issue_cap, installation_cap - installation_spent_usd))


def budget_day(now: datetime | None = None) -> str:
    """The ledger's day for the per-installation cap (UTC)."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d")


def _or_inf(value: float | None) -> float:
    return math.inf if value is None else value


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc']) or 'top level'}: {err['msg']}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
