"""The App end to end: the real `orch app serve` over HTTP, the fake GitHub API, a bare repository.

The solve workflow is played by the stand-in solvers in stand_in_solver.py (deterministic
functions with `solve`'s signature), so these tests need no chat model.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from app_harness import (
    ISSUE,
    OWNER,
    REPO,
    commented,
    labeled,
    upstream_branches,
    upstream_file,
    wait_for,
)
from fake_github import FakeGitHub

from orchestrator.github_app import JobState, sign


def _comments(fake: FakeGitHub) -> list[str]:
    return fake.issue_comments(OWNER, REPO, ISSUE)


def test_labelled_issue_becomes_exactly_one_draft_pr(start_app, fake_github: FakeGitHub, git_root: Path) -> None:
    app = start_app()
    began = time.monotonic()
    response = app.deliver("issues", labeled(fake_github.clone_url(OWNER, REPO), "maintainer"))
    answered_in = time.monotonic() - began
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    assert answered_in < 1.0

    [job] = app.wait_finished()
    assert job.state is JobState.DONE, job.outcome

    [pull] = fake_github.pulls
    assert pull["draft"] is True
    assert pull["base"]["ref"] == "main" and pull["head"]["ref"] == f"orch/issue-{ISSUE}-job-{job.id}"
    body = pull["body"]
    assert f"Fixes #{ISSUE}" in body
    assert "The greeting drops an l." in body and "2. Fix the greeting in greet.py (coder)" in body  # plan.json
    assert "`tests/test_greet.py::test_hello` | passed" in body  # the test evidence
    assert "$0.42 of a $1.50 cap" in body  # the spend, under the repository's lower cap

    # The branch really holds the fix, on top of main.
    assert upstream_branches(git_root) == ["main", pull["head"]["ref"]]
    assert 'return "Hello, " + name' in upstream_file(git_root, pull["head"]["ref"], "greet.py")
    assert 'return "Helo, " + name' in upstream_file(git_root, "main", "greet.py")

    assert [r["content"] for r in fake_github.reactions] == ["eyes"]
    comments = _comments(fake_github)
    assert len(comments) == 2 and "working on this issue" in comments[0]
    assert pull["html_url"] in comments[1]
    assert fake_github.labels(OWNER, REPO, ISSUE) == ["orch:pr-opened"]

    [call] = app.solver_calls()
    assert call["budget_usd"] == 1.5  # .orch.yml lowered app.issue_cost_usd (2.0)

    # No installation token ever reached the solver: not its environment, not the clone's config.
    seen = (app.state_dir / "runs" / call["run_id"] / "seen.json").read_text()
    assert fake_github.tokens, "the job must have used installation tokens"
    for token in fake_github.tokens:
        assert token not in seen
    assert "test-webhook-secret" not in seen
    assert "x-access-token" not in json.loads(seen)["git_config"]
    assert app.proc is not None and json.loads(seen)["pid"] == app.proc.pid  # inline executor


def test_bad_signatures_are_rejected_and_nothing_is_queued(start_app, fake_github: FakeGitHub) -> None:
    app = start_app()
    payload = labeled(fake_github.clone_url(OWNER, REPO), "maintainer")
    assert app.deliver("issues", payload, secret="not-the-secret").status_code == 401
    assert app.deliver("issues", payload, signature="").status_code == 401
    assert app.deliver("issues", payload, signature="sha256=zz").status_code == 400
    assert app.deliver("issues", payload, signature="sha1=" + "0" * 40).status_code == 400
    # A valid signature over different bytes does not carry over to a tampered body.
    body = json.dumps(payload).encode()
    tampered = body.replace(b'"maintainer"', b'"attacker1"')
    assert app.deliver("issues", tampered, signature=sign(body, "test-webhook-secret")).status_code == 401

    time.sleep(1.5)  # a worker would have picked up anything queued by now
    assert app.jobs() == []
    assert fake_github.requests == [] and fake_github.pulls == []


def test_duplicate_delivery_is_ignored(start_app, fake_github: FakeGitHub) -> None:
    app = start_app()
    payload = labeled(fake_github.clone_url(OWNER, REPO), "maintainer")
    first = app.deliver("issues", payload, delivery="delivery-1")
    app.wait_finished()
    again = app.deliver("issues", payload, delivery="delivery-1")
    assert first.status_code == 202
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    time.sleep(1.0)
    assert len(app.jobs()) == 1
    assert len(fake_github.pulls) == 1
    assert len(app.solver_calls()) == 1


def test_unauthorized_trigger_is_ignored_without_spend(start_app, fake_github: FakeGitHub) -> None:
    app = start_app()
    clone = fake_github.clone_url(OWNER, REPO)
    # A user with read access adds the label: only the API knows, so the job asks and stops.
    assert app.deliver("issues", labeled(clone, "drive-by")).status_code == 202
    # A stranger comments the command: the association in the payload is enough to ignore it.
    response = app.deliver("issue_comment", commented(clone, "stranger", "/orch solve", "NONE"))
    assert response.status_code == 200 and response.json()["status"] == "ignored"

    [job] = app.wait_finished()
    assert job.state is JobState.IGNORED
    assert app.solver_calls() == []
    assert fake_github.pulls == [] and fake_github.reactions == [] and _comments(fake_github) == []
    assert not any(path.startswith("/git/") for _, path in fake_github.requests)  # never even cloned
    assert job.outcome["cost_usd"] == 0.0


def test_failed_solve_comments_the_reason_and_opens_no_pr(start_app, fake_github: FakeGitHub, git_root: Path) -> None:
    app = start_app("stand_in_solver:stand_in_failure")
    app.deliver("issues", labeled(fake_github.clone_url(OWNER, REPO), "maintainer"))
    [job] = app.wait_finished()
    assert job.state is JobState.FAILED
    assert fake_github.pulls == []
    assert upstream_branches(git_root) == ["main"]
    result = _comments(fake_github)[-1]
    assert "could not produce a pull request" in result
    assert "review rejected the patch twice" in result  # the reason
    assert "Run summary" in result and '"status": "failed"' in result  # the run record's summary
    assert fake_github.labels(OWNER, REPO, ISSUE) == ["orch:failed"]


def test_restart_mid_job_resumes_it(start_app, fake_github: FakeGitHub) -> None:
    app = start_app("stand_in_solver:stand_in_blocking_fix")
    app.deliver("issues", labeled(fake_github.clone_url(OWNER, REPO), "maintainer"))
    wait_for(lambda: (app.state_dir / "solver-started").exists(), 30, "the solve to start")
    app.kill()
    [job] = app.jobs()
    assert job.state is JobState.RUNNING  # the crash left it mid-flight

    (app.state_dir / "solver-release").touch()
    restarted = start_app("stand_in_solver:stand_in_blocking_fix")
    [job] = restarted.wait_finished()
    assert job.state is JobState.DONE and job.attempts == 2
    assert len(fake_github.pulls) == 1
    calls = restarted.solver_calls()
    assert [c["resume"] for c in calls] == [True]  # the first attempt's run record exists
    # Markers kept the restarted job from posting its status comment twice.
    assert sum("working on this issue" in c for c in _comments(fake_github)) == 1


def test_second_trigger_while_running_is_ignored_with_a_comment(start_app, fake_github: FakeGitHub) -> None:
    app = start_app("stand_in_solver:stand_in_blocking_fix")
    clone = fake_github.clone_url(OWNER, REPO)
    assert app.deliver("issues", labeled(clone, "maintainer")).status_code == 202
    wait_for(lambda: (app.state_dir / "solver-started").exists(), 30, "the solve to start")
    busy = app.deliver("issue_comment", commented(clone, "maintainer", "/orch solve please", "MEMBER"))
    assert busy.status_code == 202 and busy.json()["status"] == "busy"
    wait_for(lambda: any("already working on this issue" in c for c in _comments(fake_github)), 30, "the notice")
    (app.state_dir / "solver-release").touch()
    jobs = app.wait_finished(2)
    assert sorted(j.kind.value for j in jobs) == ["notice", "solve"]
    assert len(fake_github.pulls) == 1
    assert len(app.solver_calls()) == 1


def test_comment_command_triggers_a_solve(start_app, fake_github: FakeGitHub) -> None:
    app = start_app()
    response = app.deliver("issue_comment", commented(fake_github.clone_url(OWNER, REPO), "maintainer", "/orch solve", "COLLABORATOR"))
    assert response.status_code == 202
    [job] = app.wait_finished()
    assert job.state is JobState.DONE
    assert len(fake_github.pulls) == 1


def test_pr_that_cannot_be_opened_leaves_no_branch_behind(start_app, fake_github: FakeGitHub, git_root: Path) -> None:
    fake_github.reject_pulls = True
    app = start_app()
    app.deliver("issues", labeled(fake_github.clone_url(OWNER, REPO), "maintainer"))
    [job] = app.wait_finished()
    assert job.state is JobState.FAILED and "create pull request failed with status 422" in job.outcome["reason"]
    assert fake_github.pulls == []
    assert upstream_branches(git_root) == ["main"]  # pushed, then deleted again: no half-made PR
    assert "create pull request failed" in _comments(fake_github)[-1]
    assert job.outcome["cost_usd"] == 0.42  # the spend is still accounted for


def test_a_job_that_keeps_dying_is_given_up_with_a_comment(start_app, fake_github: FakeGitHub) -> None:
    app = start_app("stand_in_solver:stand_in_blocking_fix", ORCH_APP__MAX_ATTEMPTS="1")
    app.deliver("issues", labeled(fake_github.clone_url(OWNER, REPO), "maintainer"))
    wait_for(lambda: (app.state_dir / "solver-started").exists(), 30, "the solve to start")
    app.kill()
    restarted = start_app("stand_in_solver:stand_in_blocking_fix", ORCH_APP__MAX_ATTEMPTS="1")
    [job] = restarted.wait_finished()
    assert job.state is JobState.FAILED and job.attempts == 2
    assert "started 1 times without finishing" in _comments(fake_github)[-1]
    assert fake_github.pulls == [] and len(restarted.solver_calls()) == 0
