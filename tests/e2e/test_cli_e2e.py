"""`orch solve`, `orch runs` and `orch demo` as a user runs them (subprocesses, local sandbox)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import EXAMPLES

PAGEKIT = EXAMPLES / "python-pagekit"


def orch(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ORCH_CONFIG"}
    cmd = [sys.executable, "-m", "orchestrator", "--set", f"run.runs_dir={tmp_path / 'runs'}",
           "--set", f"graph.index_dir={tmp_path / 'index'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def test_solve_then_runs_list_and_show(tmp_path: Path) -> None:
    out = orch(tmp_path, "solve", "--issue", str(PAGEKIT / "ISSUE.md"), "--repo", str(PAGEKIT / "repo"),
               "--model", f"scripted:{PAGEKIT}/session.yaml", "--sandbox", "local", "--run-id", "cli-1")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "status     resolved" in out.stdout and "+        return -(-self.count // self.per_page)" in out.stdout
    assert "ingest" in out.stderr and "review" in out.stderr  # progress: one line per node off a TTY

    listed = orch(tmp_path, "runs", "list")
    assert listed.returncode == 0 and "cli-1" in listed.stdout and "resolved" in listed.stdout
    rows = json.loads(orch(tmp_path, "runs", "list", "--json").stdout)
    assert rows[0]["run_id"] == "cli-1" and rows[0]["model_calls"] == 9

    shown = orch(tmp_path, "runs", "show", "cli-1")
    assert shown.returncode == 0
    text = shown.stdout
    for expected in ("== plan", "[tester] reproduce", "[coder] fix-page-count", "planner     ↳ submit_plan",
                     "coder       ↳ replace_in_file(path=pagekit/paginator.py)",
                     "FAILED (before fix) — reproduces the issue", "passed (after fix)",
                     "reviewer  [fix-page-count] approved", "== diff"):
        assert expected in text, expected


def test_solve_exit_codes_for_bad_input(tmp_path: Path) -> None:
    out = orch(tmp_path, "solve", "--issue", str(tmp_path / "missing.md"), "--repo", str(PAGEKIT / "repo"),
               "--model", f"scripted:{PAGEKIT}/session.yaml", "--sandbox", "local")
    assert out.returncode == 2 and "neither an http(s) issue URL nor an existing file" in out.stderr
    missing = orch(tmp_path, "solve", "--resume", "no-such-run")
    assert missing.returncode == 2 and "no run 'no-such-run'" in missing.stderr
    unknown = orch(tmp_path, "runs", "show", "nope")
    assert unknown.returncode == 2


def test_demo_prints_plan_steps_evidence_and_diff_labelled_scripted(tmp_path: Path) -> None:
    out = orch(tmp_path, "demo", "--sandbox", "local", "--runs-dir", str(tmp_path / "demo-runs"))
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert "SCRIPTED MODEL" in text and "[scripted model] resolved" in text
    for section in ("== plan", "== steps", "reproduction: `python3 -m unittest", "== diff", "sandbox: local"):
        assert section in text, section
