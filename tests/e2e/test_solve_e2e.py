"""The whole workflow on real sandboxes and the embedded graph; only the model is scripted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestrator.workflow import Budgets, SolveRequest, SolveStatus
from orchestrator.workflow.runner import run_solve
from tests.e2e.conftest import EXAMPLES, SESSIONS, e2e_settings, events
from tests.workflow.fake_github import github_server

PAGEKIT = EXAMPLES / "python-pagekit"


def pagekit_request(session: Path | None = None, **kw: object) -> SolveRequest:
    session = session or PAGEKIT / "session.yaml"
    return SolveRequest(issue=str(PAGEKIT / "ISSUE.md"), repo=str(PAGEKIT / "repo"), model=f"scripted:{session}", **kw)


def test_example_resolves_reproduction_fails_before_passes_after(tmp_path: Path, sandbox_kind: str) -> None:
    result = run_solve(pagekit_request(), e2e_settings(tmp_path, sandbox_kind))
    assert result.status == SolveStatus.RESOLVED, result.message
    evs = events(result.run_dir)
    repro = [e for e in evs if e["kind"] == "test_run" and e["data"]["name"] == "reproduction"]
    assert [(e["data"]["phase"], e["data"].get("failed", not e["data"].get("passed"))) for e in repro] == [
        ("before_fix", True),
        ("after_fix", False),
    ]
    assert "AssertionError: 2 != 3" in repro[0]["data"]["output"]
    assert result.tests["reproduction"] == "passed"
    # Regression tests are chosen from the graph and run with pytest where the sandbox has it.
    assert result.tests.get("regression", "passed") == "passed"
    # The record: patch without the reproduction test, a SWE-bench prediction, a summary.
    patch = (result.run_dir / "patch.diff").read_text()
    assert patch == result.patch and "pagekit/paginator.py" in patch and "test_issue_repro" not in patch
    pred = json.loads((result.run_dir / "prediction.jsonl").read_text())
    assert set(pred) == {"instance_id", "model_name_or_path", "model_patch"} and pred["model_patch"] == patch
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["status"] == "resolved" and summary["model_calls"] == 9 and summary["sandbox"] == sandbox_kind
    plan = json.loads((result.run_dir / "plan.json").read_text())
    assert [s["role"] for s in plan["subtasks"]] == ["tester", "coder"]
    # Every model call is in the trajectory with its tokens, labelled with the role that made it.
    calls = [e for e in evs if e["kind"] == "model_call"]
    assert [c["role"] for c in calls] == ["planner"] * 2 + ["tester"] * 2 + ["coder"] * 4 + ["reviewer"]
    # ... and every tool call an agent made, with its arguments.
    tools = [(e["role"], e["data"]["tool"]) for e in evs if e["kind"] == "tool_call" and e.get("role")]
    assert ("coder", "replace_in_file") in tools and ("tester", "submit_reproduction") in tools
    assert all(c["data"]["input_tokens"] > 0 for c in calls)


@pytest.mark.parametrize(
    ("session", "roles"), [("review_rejects_once_agents.yaml", "agents"), ("review_rejects_once.yaml", "json")]
)
def test_reviewer_rejection_sends_coder_back(tmp_path: Path, sandbox_kind: str, session: str, roles: str) -> None:
    settings = e2e_settings(tmp_path, sandbox_kind, **{"workflow.roles": roles})
    result = run_solve(pagekit_request(SESSIONS / session), settings)
    assert result.status == SolveStatus.RESOLVED, result.message
    evs = events(result.run_dir)
    flow = [(e["node"], e["data"].get("action")) for e in evs if e["kind"] == "agent" and e["node"] in ("code", "review")]
    assert flow == [("code", "edit"), ("review", "changes_requested"), ("code", "edit"), ("review", "approve")]
    decisions = [e["data"]["decision"] for e in evs if e["kind"] == "route" and e["node"] == "review"]
    assert decisions == ["changes_requested", "approved"]
    assert "-(-self.count // self.per_page)" in result.patch and "pages + 1" not in result.patch


def test_js_example_resolves_on_local_sandbox(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.fail("node is required for the JavaScript example")
    root = EXAMPLES / "js-slugkit"
    req = SolveRequest(issue=str(root / "ISSUE.md"), repo=str(root / "repo"), model=f"scripted:{root}/session.yaml")
    result = run_solve(req, e2e_settings(tmp_path, "local"))
    assert result.status == SolveStatus.RESOLVED, result.message
    assert "[^A-Za-z0-9]+" in result.patch


def test_budget_exhausted_stops_cleanly_then_resumes(tmp_path: Path, sandbox_kind: str) -> None:
    settings = e2e_settings(tmp_path, sandbox_kind)
    first = run_solve(pagekit_request(run_id="capped", budgets=Budgets(steps=4)), settings)
    assert first.status == SolveStatus.BUDGET_EXHAUSTED, first.message
    assert first.model_calls == 4 and "step limit" in first.message
    summary = json.loads((first.run_dir / "summary.json").read_text())
    assert summary["resumable"] is True and summary["status"] == "budget_exhausted"
    assert summary["sandbox"] == sandbox_kind
    assert summary["nodes_completed"][-1] == "advance"  # planner and tester finished, coder refused
    assert not (first.run_dir / "patch.diff").exists()

    again = run_solve(SolveRequest(run_id="capped", resume=True, budgets=Budgets(steps=20)), settings)
    assert again.status == SolveStatus.RESOLVED, again.message
    assert again.model_calls == 9  # spend continues; nothing was asked twice
    evs = events(again.run_dir)
    resume_at = next(i for i, e in enumerate(evs) if e["kind"] == "run" and e["data"].get("action") == "resume")
    redone = {e["node"] for e in evs[resume_at:] if e["kind"] == "node" and e["data"]["phase"] == "start"}
    assert not redone & {"ingest", "index", "localize", "plan", "reproduce"}


def test_patch_that_never_applies_ends_failed(tmp_path: Path, sandbox_kind: str) -> None:
    settings = e2e_settings(tmp_path, sandbox_kind, **{"workflow.roles": "json"})
    result = run_solve(pagekit_request(SESSIONS / "patch_never_applies.yaml"), settings)
    assert result.status == SolveStatus.FAILED
    assert "no candidate produced an applicable change" in result.message
    evs = events(result.run_dir)
    edits = [e for e in evs if e["kind"] == "agent" and e["data"].get("action") == "edit"]
    assert len(edits) == 6 and all(e["data"]["files"] == [] for e in edits)  # 3 attempts, re-plan, 3 more
    assert [e["data"]["decision"] for e in evs if e["kind"] == "route" and e["node"] == "validate"][-1] == "give_up"
    assert (result.run_dir / "patch.diff").read_text() == ""


def test_missing_issue_url_is_error_input(tmp_path: Path) -> None:
    with github_server({}) as (api, _):
        settings = e2e_settings(tmp_path, "local", **{"app.api_url": api})
        result = run_solve(
            SolveRequest(issue="https://github.example/acme/widgets/issues/404", repo=str(PAGEKIT / "repo"),
                         model=f"scripted:{PAGEKIT}/session.yaml"),
            settings,
        )
    assert result.status == SolveStatus.ERROR_INPUT
    assert "acme/widgets#404 not found" in result.message
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["status"] == "error_input" and summary["model_calls"] == 0


def test_uncloneable_repo_is_error_input(tmp_path: Path) -> None:
    result = run_solve(
        SolveRequest(issue=str(PAGEKIT / "ISSUE.md"), repo=f"file://{tmp_path}/no-such-repo.git",
                     model=f"scripted:{PAGEKIT}/session.yaml"),
        e2e_settings(tmp_path, "local"),
    )
    assert result.status == SolveStatus.ERROR_INPUT
    assert result.message.startswith("cannot clone")
    assert json.loads((result.run_dir / "summary.json").read_text())["status"] == "error_input"


def test_issue_from_github_url_resolves(tmp_path: Path) -> None:
    from orchestrator.ingest import prepare_repo
    from tests.workflow.fake_github import issue_routes

    # No --repo: the repository comes from the issue's repository (its clone_url, here a local
    # git repository so nothing leaves the machine) at its default branch head.
    upstream = prepare_repo(str(PAGEKIT / "repo"), tmp_path / "upstream")
    text = (PAGEKIT / "ISSUE.md").read_text().split("\n", 1)
    routes = issue_routes("acme", "pagekit", 12, text[0].lstrip("# "), text[1], ["Also seen with 41 items."])
    routes["/repos/acme/pagekit"]["clone_url"] = f"file://{upstream.path}"
    with github_server(routes) as (api, _):
        settings = e2e_settings(tmp_path, "local", **{"app.api_url": api})
        result = run_solve(
            SolveRequest(issue="https://github.example/acme/pagekit/issues/12", model=f"scripted:{PAGEKIT}/session.yaml"),
            settings,
        )
    assert result.status == SolveStatus.RESOLVED, result.message
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["issue_url"] == "https://github.example/acme/pagekit/issues/12"
    assert summary["repo"] == f"file://{upstream.path}" and summary["commit"] == upstream.commit
    # The agents read the issue with its comments.
    tasks = [e["data"]["detail"].get("task", "") for e in events(result.run_dir) if e["kind"] == "agent_start"]
    assert tasks and all("Also seen with 41 items." in t for t in tasks[:1])


def test_dataset_row_with_repos_dir(tmp_path: Path) -> None:
    """`--dataset FILE --instance-id ID`: problem statement and base_commit from the row, the
    repository from harness.repos_dir/<owner>/<name> (no GitHub needed)."""
    import subprocess

    from orchestrator.ingest import prepare_repo

    seed = prepare_repo(str(PAGEKIT / "repo"), tmp_path / "seed")
    bare = tmp_path / "repos" / "acme" / "pagekit"
    bare.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(seed.path), str(bare)], check=True)
    dataset = tmp_path / "lite.jsonl"
    row = {"instance_id": "acme__pagekit-12", "repo": "acme/pagekit", "base_commit": seed.commit,
           "problem_statement": (PAGEKIT / "ISSUE.md").read_text()}
    dataset.write_text(json.dumps(row) + "\n")
    settings = e2e_settings(tmp_path, "local", **{"harness.repos_dir": str(tmp_path / "repos")})
    result = run_solve(SolveRequest(dataset=dataset, instance_id="acme__pagekit-12",
                                    model=f"scripted:{PAGEKIT}/session.yaml"), settings)
    assert result.status == SolveStatus.RESOLVED, result.message
    pred = json.loads((result.run_dir / "prediction.jsonl").read_text())
    assert pred["instance_id"] == "acme__pagekit-12" and pred["model_patch"] == result.patch
    assert result.run_id.split("-", 2)[2].startswith("acme__pagekit-12")


def test_two_candidates_selected_by_execution_evidence(tmp_path: Path) -> None:
    settings = e2e_settings(tmp_path, "local", **{"workflow.roles": "json", "workflow.candidates": 2,
                                                  "workflow.subtask_retries": 1})
    result = run_solve(pagekit_request(SESSIONS / "two_candidates.yaml"), settings)
    assert result.status == SolveStatus.RESOLVED, result.message
    assert "-(-self.count // self.per_page)" in result.patch and "+ 0" not in result.patch
    evs = events(result.run_dir)
    chosen = [e for e in evs if e["kind"] == "route" and e["data"].get("decision") == "selected"]
    assert chosen[-1]["data"]["candidate"] == 1
    # The second attempt started from clean code but kept the reproduction test.
    assert [e["data"]["decision"] for e in evs if e.get("node") == "select" and e["kind"] == "route"][0] == "another_candidate"


def test_postgres_checkpointer_without_dsn_is_a_clear_input_error(tmp_path: Path) -> None:
    settings = e2e_settings(tmp_path, "local", **{"workflow.checkpointer": "postgres"})
    result = run_solve(pagekit_request(), settings)
    assert result.status == SolveStatus.ERROR_INPUT and "postgres_dsn" in result.message


def test_differential_test_decides_between_tied_candidates(tmp_path: Path) -> None:
    settings = e2e_settings(tmp_path, "local", **{"workflow.roles": "json", "workflow.candidates": 2})
    result = run_solve(pagekit_request(SESSIONS / "differential.yaml"), settings)
    assert result.status == SolveStatus.RESOLVED, result.message
    assert "-(-self.count // self.per_page)" in result.patch and "+ 1" not in result.patch
    evs = events(result.run_dir)
    matrix = {(e["data"]["candidate"], e["data"]["test"]): e["data"]["passed"]
              for e in evs if e["kind"] == "test_run" and e["data"]["name"] == "differential"}
    assert matrix == {
        (0, "tests/test_repro_partial.py"): True, (0, "tests/test_repro_counts.py"): False,
        (1, "tests/test_repro_partial.py"): True, (1, "tests/test_repro_counts.py"): True,
    }
    selected = next(e for e in evs if e["kind"] == "route" and e["data"].get("decision") == "selected")
    assert selected["data"]["candidate"] == 1 and selected["data"]["differential"] == {"0": 1, "1": 2}
