"""`orch solve --resume` continues with the settings the run started with (its sandbox above all),
whatever the configuration says now; only what the resume command line gives explicitly wins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import EXAMPLES

PAGEKIT = EXAMPLES / "python-pagekit"


def orch(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", "--set", f"run.runs_dir={tmp_path / 'runs'}", *args],
        capture_output=True, text=True, timeout=300,
        env={**{k: v for k, v in os.environ.items() if k != "ORCH_CONFIG" and not k.startswith("ORCH_HARNESS__")}, **env},
    )


def test_resume_reuses_the_sandbox_set_on_the_first_command_line(tmp_path: Path) -> None:
    first = orch(tmp_path, "--set", "harness.sandbox=local", "--set", f"graph.index_dir={tmp_path / 'index'}",
                 "solve", "--issue", str(PAGEKIT / "ISSUE.md"), "--repo", str(PAGEKIT / "repo"),
                 "--model", f"scripted:{PAGEKIT}/session.yaml", "--run-id", "capped", "--max-steps", "4", "--json",
                 env={})
    assert first.returncode == 1 and json.loads(first.stdout)["status"] == "budget_exhausted", first.stderr[-2000:]
    run_dir = tmp_path / "runs" / "capped"
    saved = json.loads((run_dir / "settings.json").read_text())["settings"]
    assert saved["harness"]["sandbox"] == "local" and saved["budget"]["steps"] == 4

    # The configuration now says docker and the resume does not repeat --set harness.sandbox:
    # the run goes on in the sandbox it started in. Explicit options (--max-steps, --set) win.
    alias = f"scripted:{PAGEKIT}/../{PAGEKIT.name}/session.yaml"
    again = orch(tmp_path, "--set", f"model.name={alias}", "solve", "--resume", "capped", "--max-steps", "20", "--json",
                 env={"ORCH_HARNESS__SANDBOX": "docker"})
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["status"] == "resolved"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["sandbox"] == "local"
    assert summary["model"] == alias
    # The saved record is what the run started with; the resume's overrides are not written back.
    assert json.loads((run_dir / "settings.json").read_text())["settings"] == saved
