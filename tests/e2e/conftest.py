"""End-to-end fixtures: real sandboxes, the embedded graph, scripted models only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.config import OrchSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SESSIONS = Path(__file__).resolve().parent / "sessions"


def e2e_settings(tmp_path: Path, sandbox: str, **overrides: object) -> OrchSettings:
    merged = {
        "run.runs_dir": str(tmp_path / "runs"),
        "graph.index_dir": str(tmp_path / "index"),
        "graph.backend": "embedded",
        "harness.sandbox": sandbox,
        **overrides,
    }
    return load_settings(env={}, overrides=merged).settings


def events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture(params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def sandbox_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "docker":
        request.getfixturevalue("docker_client")
        request.getfixturevalue("base_image")
    return request.param


@pytest.fixture(scope="session")
def base_image(docker_client) -> str:
    """The locally built base image the docker sandbox starts from."""
    from orchestrator.config import load_settings

    release = load_settings(env={}).settings.harness.base_release
    name = f"orch-base:{release}"
    try:
        docker_client.images.get(name)
    except Exception:
        from tests.conftest import require_service

        require_service("orch base image", f"{name} is not built (harness builds it: see harness/resources/base-image.sh)")
    return name
