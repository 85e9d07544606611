"""The App with the real solve workflow: only the chat model is scripted (the example's session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_harness import APP_ID, OWNER, REPO, AppProcess, git, labeled, seed_bare_repo
from fake_github import FakeGitHub, ServerThread

from orchestrator.github_app import JobState

PAGEKIT = Path(__file__).resolve().parents[2] / "examples" / "python-pagekit"


@pytest.mark.slow
def test_real_workflow_answers_a_labelled_issue_with_a_draft_pr(tmp_path: Path, app_key: tuple[Path, bytes]) -> None:
    git_root = tmp_path / "git"
    seed_bare_repo(git_root, PAGEKIT / "repo")
    issue_md = (PAGEKIT / "ISSUE.md").read_text()
    title = issue_md.splitlines()[0].lstrip("# ")
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=app_key[1], git_root=git_root)
    fake.permissions["maintainer"] = "admin"
    with ServerThread(fake.asgi()) as server:
        fake.base_url = server.url
        fake.add_issue(OWNER, REPO, 7, title, issue_md, ["orch"])
        app = AppProcess(
            tmp_path / "state",
            fake.base_url,
            APP_ID,
            app_key[0],
            "orchestrator.workflow:solve",
            extra_env={
                "ORCH_MODEL__NAME": f"scripted:{PAGEKIT / 'session.yaml'}",
                "ORCH_HARNESS__SANDBOX": "local",
                "ORCH_GRAPH__BACKEND": "embedded",
                "ORCH_GRAPH__INDEX_DIR": str(tmp_path / "index"),
            },
        ).start()
        try:
            assert app.deliver("issues", labeled(fake.clone_url(OWNER, REPO), "maintainer")).status_code == 202
            [job] = app.wait_finished(timeout=240)
        finally:
            app.stop()
        assert job.state is JobState.DONE, (job.outcome, app.log()[-3000:])
        [pull] = fake.pulls
        assert pull["draft"] and "Fixes #7" in pull["body"]
        assert "(tester)" in pull["body"] and "(coder)" in pull["body"]  # the workflow's plan.json
        assert "| `reproduction` | passed |" in pull["body"]
        # The branch holds exactly the workflow's patch: the fix, not the reproduction test.
        changed = git("diff", "--name-only", "main", pull["head"]["ref"], cwd=git_root / OWNER / f"{REPO}.git").split()
        assert changed == ["pagekit/paginator.py"]
        # No installation token anywhere in the run record (trajectory, logs, patch, request).
        run_dir = app.state_dir / "runs" / job.outcome["run_id"]
        record = "".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file() and p.suffix != ".sqlite")
        assert fake.tokens and not any(token in record for token in fake.tokens)
