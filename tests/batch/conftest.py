"""Batch tests drive the real runner, real worker processes and the stand-in solver (not a solver:
see orchestrator/batch/standin.py); only the chat model is ever scripted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.batch import BatchStore
from orchestrator.batch.standin import STANDIN_TASK
from orchestrator.config import OrchSettings, load_settings


def rows_for(spec: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """{"owner/repo": [standin directives per instance]} -> dataset rows with stable ids."""
    rows = []
    for repo, directives in spec.items():
        for n, how in enumerate(directives):
            rows.append({
                "instance_id": f"{repo.replace('/', '__')}-{n}", "repo": repo, "base_commit": f"c{n}",
                "created_at": f"2020-01-{n + 1:02d}", "problem_statement": "stand-in", "standin": how,
            })
    return rows


@pytest.fixture
def write_dataset(tmp_path: Path) -> Callable[[list[dict[str, Any]]], Path]:
    def write(rows: list[dict[str, Any]]) -> Path:
        path = tmp_path / "dataset.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return path

    return write


@pytest.fixture
def batch_settings(tmp_path: Path) -> Callable[..., OrchSettings]:
    def make(**overrides: Any) -> OrchSettings:
        base = {"run.runs_dir": str(tmp_path / "runs"), "batch.workers": 2, "batch.instance_timeout": 20}
        return load_settings(env={}, overrides={**base, **overrides}).settings

    return make


def predictions(store: BatchStore) -> list[dict[str, Any]]:
    """The predictions file read line by line, failing on any line that is not one JSON object."""
    lines = store.predictions_path.read_text().splitlines() if store.predictions_path.exists() else []
    return [json.loads(line) for line in lines]


TASK = STANDIN_TASK
