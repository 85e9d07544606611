from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def orch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {**os.environ, **(env or {})}
    full_env.pop("ORCH_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", *args], capture_output=True, text=True, env=full_env, timeout=60
    )


def test_help_lists_every_command_group() -> None:
    out = orch("--help")
    assert out.returncode == 0
    for group in ("solve", "index", "search", "localize", "eval", "batch", "runs", "app", "env", "config"):
        assert group in out.stdout


def test_config_show_json_names_sources() -> None:
    out = orch("--set", "graph.backend=neo4j", "config", "show", "--json", env={"ORCH_RUN__LOG_LEVEL": "debug"})
    assert out.returncode == 0, out.stderr
    rows = {r["key"]: r for r in json.loads(out.stdout)}
    assert rows["graph.backend"] == {"key": "graph.backend", "value": "neo4j", "source": "option graph.backend"}
    assert rows["run.log_level"]["source"] == "env ORCH_RUN__LOG_LEVEL"
    assert rows["harness.sandbox"]["source"] == "configs/default.yaml"


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["-c", "/definitely/missing.yaml", "config", "show"], {}),
        (["config", "show"], {"ORCH_WORKFLOW__CANDIDATES": "lots"}),
        (["--set", "nonsense", "config", "show"], {}),
    ],
)
def test_bad_configuration_exits_2_with_one_line(args: list[str], env: dict[str, str]) -> None:
    out = orch(*args, env=env)
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), out.stderr


def test_unknown_key_in_file_names_key_and_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("harness:\n  sandboxx: docker\n")
    out = orch("-c", str(f), "config", "show")
    assert out.returncode == 2
    assert "harness.sandboxx" in out.stderr and str(f) in out.stderr
