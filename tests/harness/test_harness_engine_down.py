"""What a machine without a running Docker engine gets: clear, labelled errors (no Docker needed)."""

from __future__ import annotations

import pytest

from harness.dataset import load_instances, load_predictions
from harness.evaluation import EvalOptions, run_evaluation
from harness.repos import RepoSource
from harness.sandbox import EngineUnavailable
from harness.sandboxes.docker import connect


def test_engine_down_is_a_clear_labelled_error(monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(EngineUnavailable, match="Docker engine unavailable at unix:///nonexistent/docker.sock"):
        connect(timeout=3)


def test_engine_down_labels_every_instance(calc_fixture, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    instances = load_instances(calc_fixture.dataset)
    opts = EvalOptions(run_dir=tmp_path / "run", repos=RepoSource(calc_fixture.repos_dir, tmp_path), cache_dir=tmp_path)
    summary = run_evaluation(instances, load_predictions("gold", instances), opts)
    assert summary["error_ids"] == summary["infra_error_ids"] == sorted(i.instance_id for i in instances)
    assert all(c.startswith("engine_unavailable: Docker engine unavailable") for c in summary["causes"].values())

