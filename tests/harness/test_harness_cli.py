"""`orch eval` and `orch env` through the real CLI: thin commands over the harness API."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def orch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("ORCH_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "orchestrator", *args], capture_output=True, text=True, env=full_env, timeout=600)


DOWN = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def test_eval_with_engine_down_labels_errors_and_exits_nonzero(calc_fixture, tmp_path) -> None:
    out = orch(
        "eval", "--dataset", str(calc_fixture.dataset), "--predictions", "gold", "--run-id", "down",
        "--repos-dir", str(calc_fixture.repos_dir), "--runs-dir", str(tmp_path), env=DOWN,
    )
    assert out.returncode == 1, out.stderr
    assert "infrastructure errors" in out.stderr and "Docker engine unavailable" in out.stderr
    summary = json.loads((tmp_path / "eval" / "down" / "summary.json").read_text())
    assert summary["error_instances"] == 2 and summary["resolved_instances"] == 0


def test_env_list_with_engine_down_is_one_clear_line() -> None:
    out = orch("env", "list", env=DOWN)
    assert out.returncode == 1
    assert out.stderr.startswith("error: Docker engine unavailable")


def test_eval_rejects_a_missing_predictions_file(calc_fixture, tmp_path) -> None:
    out = orch("eval", "--dataset", str(calc_fixture.dataset), "--predictions", str(tmp_path / "nope.jsonl"), "--run-id", "x")
    assert out.returncode == 2 and "no such file" in out.stderr


@pytest.mark.docker
def test_eval_empty_predictions_via_cli(calc_fixture, tmp_path, docker_client) -> None:
    out = orch(
        "eval", "--dataset", str(calc_fixture.dataset), "--predictions", "empty", "--run-id", "e",
        "--instance-ids", "fixtures__calc-1", "--runs-dir", str(tmp_path), "--report", str(tmp_path / "r.json"),
    )
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["empty_patch_ids"] == ["fixtures__calc-1"] and report["resolved_ids"] == []
