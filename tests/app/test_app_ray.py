"""The same job as a Ray task (app.executor=ray) on a private loopback cluster the server starts.

Ray is part of the dev install; without it the server refuses to start and this test fails.
"""

from __future__ import annotations

import json

import pytest
from app_harness import ISSUE, OWNER, REPO, labeled
from fake_github import FakeGitHub

from orchestrator.github_app import JobState

pytestmark = pytest.mark.slow


def test_job_runs_as_a_ray_task_and_opens_one_draft_pr(start_app, fake_github: FakeGitHub) -> None:
    app = start_app(timeout=120, ORCH_APP__EXECUTOR="ray")
    assert app.deliver("issues", labeled(fake_github.clone_url(OWNER, REPO), "maintainer")).status_code == 202
    [job] = app.wait_finished(timeout=120)
    assert job.state is JobState.DONE, job.outcome
    [pull] = fake_github.pulls
    assert pull["draft"] and f"Fixes #{ISSUE}" in pull["body"]
    [connected] = [json.loads(line) for line in app.log().splitlines() if '"app_ray_connected"' in line]
    # Ray swaps 127.0.0.1 for the host's interface address unless told it is one machine.
    assert connected["nodes"] == ["127.0.0.1"]
    # The solver ran in a Ray worker process, not in the server.
    [call] = app.solver_calls()
    seen = json.loads((app.state_dir / "runs" / call["run_id"] / "seen.json").read_text())
    assert app.proc is not None and seen["pid"] != app.proc.pid
