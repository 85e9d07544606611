"""The workflow's nodes: each takes the state and returns a partial update.

Nodes call agents and run commands through `Services`; routing lives in routing.py. Every node
records what it did in the trajectory, so `orch runs show` can tell which agent did what.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from orchestrator.ingest import IngestError, load_dataset_row, load_issue, prepare_repo
from orchestrator.ingest.issue import Issue
from orchestrator.workflow import differential
from orchestrator.workflow.api import SolveRequest, SolveStatus
from orchestrator.workflow.patches import changed_files, drop_files
from orchestrator.workflow.services import Services
from orchestrator.workflow.state import (
    Candidate,
    Evidence,
    IssueInfo,
    RepoInfo,
    SolveState,
    TestRun,
)

# Test output handed back to the coder is cut to its tail: the assertion and summary are there.
FEEDBACK_CHARS = 3000
EVIDENCE_CHARS = 20000


def _tail(text: str, n: int) -> str:
    return text if len(text) <= n else "[...]\n" + text[-n:]


def ingest(
    state: SolveState, sv: Services, request: SolveRequest, api_url: str, repos_dir: str | None = None
) -> dict[str, Any]:
    try:
        instance_id = request.instance_id
        repo_ref, commit = request.repo, request.commit
        if request.dataset is not None:
            if not instance_id:
                raise IngestError("--dataset needs --instance-id")
            row = load_dataset_row(request.dataset, instance_id)
            issue = Issue(body=row.get("problem_statement", ""), source="dataset", url=row.get("issue_url"))
            repo_ref = repo_ref or _dataset_repo(row.get("repo"), repos_dir)
            commit = commit or row.get("base_commit")
        elif request.issue_text is not None:
            issue = Issue(title=request.issue_title or "", body=request.issue_text, url=request.issue_url)
        elif request.issue:
            issue = load_issue(request.issue, api_url=api_url, token=os.environ.get("GITHUB_TOKEN"))
            repo_ref = repo_ref or issue.repo_clone_url
        else:
            raise IngestError("no issue given (--issue URL|FILE, or --dataset FILE --instance-id ID)")
        if not repo_ref:
            raise IngestError("no repository given (--repo PATH|URL)")
        checkout = prepare_repo(repo_ref, sv.recorder.root, commit)
    except IngestError as exc:
        status = SolveStatus.ERROR_INPUT if exc.kind == "input" else SolveStatus.ERROR_INFRA
        sv.recorder.event("run", node="ingest", action="ingest_failed", error=str(exc))
        return {"status": status.value, "message": str(exc)}
    info = IssueInfo(
        title=issue.title, text=issue.text(), url=issue.url, source=issue.source, instance_id=instance_id
    )
    sv.recorder.event(
        "tool_call", node="ingest", tool="ingest", issue_source=issue.source,
        repo=checkout.source, commit=checkout.commit,
    )
    return {
        "issue": info,
        "repo": RepoInfo(path=str(checkout.path), commit=checkout.commit, source=checkout.source),
    }


def _dataset_repo(name: str | None, repos_dir: str | None) -> str | None:
    """A dataset row's repository: `repos_dir/<owner>/<name>` when that checkout exists (machines
    that cannot reach GitHub), else its GitHub clone URL."""
    if not name:
        return None
    if repos_dir:
        local = Path(repos_dir).expanduser() / name
        if local.exists():
            return str(local)
    return f"https://github.com/{name}.git"


def index(state: SolveState, sv: Services) -> dict[str, Any]:
    stats = sv.graph(state).stats()
    sv.recorder.event("tool_call", node="index", tool="graph.index", **stats)
    return {"index_stats": stats}


def localize(state: SolveState, sv: Services) -> dict[str, Any]:
    assert state.issue is not None
    result = sv.graph(state).localize(state.issue.text, sv.top_k)
    sv.recorder.event(
        "tool_call", node="localize", tool="graph.localize",
        files=[f.get("path") for f in result.get("files", [])][:10],
        functions=[f.get("id") for f in result.get("functions", [])][:10],
    )
    return {"localization": result}


def plan(state: SolveState, sv: Services) -> dict[str, Any]:
    replanning = state.plan is not None
    feedback = state.feedback if replanning else []
    new_plan = sv.roles.plan(sv.context(state, "planner"), feedback)
    sv.recorder.write_plan(new_plan.model_dump(mode="json"))
    sv.recorder.event("agent", node="plan", role="planner", action="plan", replan=replanning,
                      subtasks=[s.model_dump() for s in new_plan.subtasks])
    update: dict[str, Any] = {"plan": new_plan, "cursor": 0, "attempts": 0, "review_rounds": 0, "feedback": []}
    if replanning:
        # A new plan starts from clean code but keeps the reproduction test, which is still valid.
        sv.reset_sandbox(state)
        update |= {"replans": state.replans + 1, "patch": "", "evidence": None, "review": None}
        if state.reproduction is not None:
            first_coder = next((i for i, s in enumerate(new_plan.subtasks) if s.role == "coder"), 0)
            update["cursor"] = first_coder
    return update


def reproduce(state: SolveState, sv: Services) -> dict[str, Any]:
    sub = state.subtask()
    assert sub is not None
    repro = sv.roles.reproduce(sv.context(state, "tester"), sub, state.feedback)
    update: dict[str, Any] = {"attempts": state.attempts + 1, "reproduction": repro}
    if repro is None:
        sv.recorder.event("agent", node="reproduce", role="tester", subtask=sub.id, action="no_reproduction")
        return update | {"feedback": ["No reproduction test was written."]}
    sv.recorder.event(
        "test_run", node="reproduce", role="tester", subtask=sub.id, name="reproduction",
        phase="before_fix", command=repro.command, failed=repro.failed_before,
        output=_tail(repro.output_before, EVIDENCE_CHARS),
    )
    if not repro.failed_before:
        update["feedback"] = [
            f"The reproduction test {repro.test_path} passed on the unmodified code, so it does not "
            "reproduce the issue. Write a test that fails because of the bug."
        ]
    return update


def code(state: SolveState, sv: Services) -> dict[str, Any]:
    sub = state.subtask()
    assert sub is not None
    ctx = sv.context(state, "coder")
    sv.roles.code(ctx, sub, state.feedback, reproduction=state.reproduction)
    repro_paths = {state.reproduction.test_path} if state.reproduction else set()
    patch = drop_files(ctx.sandbox.diff(), repro_paths)
    sv.recorder.event("agent", node="code", role="coder", subtask=sub.id, action="edit",
                      attempt=state.attempts + 1, files=changed_files(patch), patch_bytes=len(patch))
    update: dict[str, Any] = {"attempts": state.attempts + 1, "patch": patch}
    if not patch.strip():
        update["feedback"] = ["Your edits did not change the repository (no edit applied). Edit the code."]
    return update


def validate(state: SolveState, sv: Services) -> dict[str, Any]:
    sub = state.subtask()
    sandbox = sv.sandbox(state)
    runs: list[TestRun] = []
    commands: list[tuple[str, str]] = []
    if state.reproduction is not None:
        commands.append(("reproduction", state.reproduction.command))
    regression = state.reproduction.regression_command if state.reproduction else None
    if regression is None and state.patch.strip():
        regression = sv.roles.regression_command(sv.context(state, "tester"), state.patch, state.reproduction)
    if regression:
        commands.append(("regression", regression))
    for name, command in commands:
        result = sandbox.run(command, timeout=None)
        run = TestRun(
            name=name, command=command, passed=result.exit_code == 0 and not result.timed_out,
            exit_code=result.exit_code, output=_tail(result.output, EVIDENCE_CHARS),
            duration_s=round(result.duration, 3),
        )
        runs.append(run)
        sv.recorder.event("test_run", node="validate", role="tester", subtask=sub.id if sub else None,
                          name=name, phase="after_fix", command=command, passed=run.passed,
                          exit_code=run.exit_code, output=run.output)
    evidence = Evidence(runs=runs)
    update: dict[str, Any] = {"evidence": evidence}
    failing = [r for r in runs if not r.passed]
    if failing:
        update["feedback"] = [
            f"{r.name} test failed (`{r.command}`, exit {r.exit_code}):\n{_tail(r.output, FEEDBACK_CHARS)}"
            for r in failing
        ]
    elif not state.patch.strip():
        update["feedback"] = ["There is no change yet: edit the code so the reproduction test passes."]
    return update


def review(state: SolveState, sv: Services) -> dict[str, Any]:
    sub = state.subtask()
    assert sub is not None
    verdict = sv.roles.review(sv.context(state, "reviewer"), sub, state.patch, state.evidence or Evidence())
    sv.recorder.event("agent", node="review", role="reviewer", subtask=sub.id,
                      action="approve" if verdict.approved else "changes_requested", reasons=verdict.reasons)
    update: dict[str, Any] = {"review": verdict}
    if not verdict.approved:
        update |= {"review_rounds": state.review_rounds + 1,
                   "feedback": [f"Reviewer requested changes: {r}" for r in verdict.reasons] or
                   ["Reviewer requested changes."]}
    return update


def advance(state: SolveState, sv: Services) -> dict[str, Any]:
    return {"cursor": state.cursor + 1, "attempts": 0, "review_rounds": 0, "feedback": []}


def select(state: SolveState, sv: Services) -> dict[str, Any]:
    """Record the current attempt as a candidate. With more attempts to make, start the next one
    from clean code (its own reproduction included); when all are in, pick one."""
    if state.status is not None:
        return {}
    cand = Candidate(index=state.candidate_index, patch=state.patch, evidence=state.evidence or Evidence(),
                     review=state.review, reproduction=state.reproduction)
    candidates = [*state.candidates, cand]
    update: dict[str, Any] = {"candidates": candidates}
    if len(candidates) < sv.limits.candidates:
        # A plan with a tester subtask gives each attempt its own reproduction; otherwise the
        # attempts share the one they have.
        fresh = state.plan is not None and any(s.role == "tester" for s in state.plan.subtasks)
        sv.reset_sandbox(state, keep_reproduction=not fresh)
        return update | {"candidate_index": state.candidate_index + 1, "patch": "", "evidence": None,
                         "review": None, "reproduction": None if fresh else state.reproduction,
                         "feedback": [], "cursor": 0, "attempts": 0, "review_rounds": 0}
    passes: dict[int, int] = {}
    if differential.needs_differential(candidates):
        tied = differential.tied_best(candidates)
        repros = differential.distinct_reproductions(candidates)

        def record(index: int, test_path: str, ok: bool) -> None:
            sv.recorder.event("test_run", node="select", role="tester", name="differential", candidate=index,
                              test=test_path, passed=ok, phase="after_fix", command=f"candidate {index} x {test_path}")

        passes = differential.run_matrix(sv.sandbox(state), tied, repros, record)
    best = differential.choose(candidates, passes)
    sv.recorder.event("route", node="select", decision="selected", candidate=best.index,
                      scores={c.index: differential.evidence_score(c) for c in candidates},
                      differential=passes or None)
    return update | {"selected": best.index, "reproduction": best.reproduction}


def emit(state: SolveState, sv: Services) -> dict[str, Any]:
    if state.status is not None:  # ended before a candidate existed (ingest failure, ...)
        return {}
    chosen = next((c for c in state.candidates if c.index == state.selected), None)
    patch = chosen.patch if chosen else ""
    status, message = verdict(state, chosen)
    sv.recorder.write_patch(patch)
    model_name = getattr(getattr(sv.model, "preset", None), "name", None) or "orch"
    sv.recorder.write_prediction(state.issue.instance_id or state.run_id if state.issue else state.run_id,
                                 f"orch:{model_name}", patch)
    sv.recorder.event("run", node="emit", action="emit", status=status.value, message=message,
                      patch_bytes=len(patch))
    return {"status": status.value, "message": message, "patch": patch,
            "evidence": chosen.evidence if chosen else state.evidence}


def verdict(state: SolveState, chosen: Candidate | None) -> tuple[SolveStatus, str]:
    if chosen is None or not chosen.patch.strip():
        return SolveStatus.FAILED, "no candidate produced an applicable change"
    repro = chosen.reproduction or state.reproduction
    reproduced = repro is not None and repro.failed_before
    passes = chosen.evidence.passed and any(r.name == "reproduction" for r in chosen.evidence.runs)
    approved = chosen.review is not None and chosen.review.approved
    if reproduced and passes and approved:
        return SolveStatus.RESOLVED, "reproduction test failed before and passes after; reviewer approved"
    why = []
    if not reproduced:
        why.append("no reproduction test that fails before the fix")
    elif not passes:
        why.append("tests still fail")
    if not approved:
        why.append("reviewer did not approve")
    return SolveStatus.UNVALIDATED, "patch produced but " + "; ".join(why)
