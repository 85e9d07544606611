from __future__ import annotations

import json
from pathlib import Path

from orchestrator.records import RunRecorder, RunSummary, list_runs, load_run
from orchestrator.records.render import list_lines, run_lines
from orchestrator.workflow.differential import choose, evidence_score
from orchestrator.workflow.nodes import verdict
from orchestrator.workflow.patches import drop_files
from orchestrator.workflow.state import (
    Candidate,
    Evidence,
    Reproduction,
    Review,
    SolveState,
    TestRun,
)


def test_recorder_survives_a_torn_last_line_and_continues_seq(tmp_path: Path) -> None:
    rec = RunRecorder(tmp_path / "r1")
    rec.event("route", node="plan", decision="coder_edits")
    with (tmp_path / "r1" / "trajectory.jsonl").open("a") as fh:
        fh.write('{"seq": 2, "kind": "mod')  # what a SIGKILL mid-write leaves
    rec.write_summary(RunSummary(run_id="r1"))
    again = RunRecorder(tmp_path / "r1")
    again.event("run", action="resume")
    view = load_run(tmp_path, "r1")
    assert [e.seq for e in view.events] == [1, 2]
    assert view.summary.status == "interrupted"  # no pid: nothing is running it


def test_list_and_render(tmp_path: Path) -> None:
    for rid, status in (("20260101-a", "resolved"), ("20260102-b", "failed")):
        rec = RunRecorder(tmp_path / rid)
        rec.write_summary(RunSummary(run_id=rid, status=status, issue_title=f"issue {rid}"))
    rec.write_plan({"summary": "s", "subtasks": [{"id": "fix", "role": "coder", "goal": "g", "acceptance": "a"}]})
    rec.event("test_run", role="tester", subtask="fix", name="reproduction", phase="before_fix", command="pytest t",
              failed=True, output="E   AssertionError")
    rec.write_patch("diff --git a/x b/x\n")
    assert [s.run_id for s in list_runs(tmp_path)] == ["20260102-b", "20260101-a"]
    assert "issue 20260101-a" in "\n".join(list_lines(list_runs(tmp_path)))
    text = "\n".join(run_lines(load_run(tmp_path, "20260102-b")))
    assert "[coder] fix: g" in text and "FAILED (before fix) — reproduces the issue" in text
    assert "AssertionError" in text and "diff --git a/x b/x" in text


def test_prediction_is_swebench_shaped(tmp_path: Path) -> None:
    rec = RunRecorder(tmp_path / "r")
    rec.write_prediction("a__b-1", "orch:m", "diff")
    assert json.loads((tmp_path / "r" / "prediction.jsonl").read_text()) == {
        "instance_id": "a__b-1", "model_name_or_path": "orch:m", "model_patch": "diff"}


def test_drop_files_removes_only_named_blocks() -> None:
    diff = ("diff --git a/src/x.py b/src/x.py\n--- a/src/x.py\n+++ b/src/x.py\n@@ -1 +1 @@\n-a\n+b\n"
            "diff --git a/tests/t.py b/tests/t.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/t.py\n@@ -0,0 +1 @@\n+t\n")
    out = drop_files(diff, {"tests/t.py"})
    assert "src/x.py" in out and "tests/t.py" not in out


def _cand(i: int, patch: str, repro: bool, all_: bool, approved: bool) -> Candidate:
    runs = [TestRun(name="reproduction", command="c", passed=repro, exit_code=0),
            TestRun(name="regression", command="c", passed=all_, exit_code=0)]
    return Candidate(index=i, patch=patch, evidence=Evidence(runs=runs), review=Review(approved=approved))


def test_selection_prefers_execution_evidence_over_review() -> None:
    approved_but_failing = _cand(0, "d", repro=False, all_=True, approved=True)
    passing_unapproved = _cand(1, "d", repro=True, all_=True, approved=False)
    empty = _cand(2, "", repro=True, all_=True, approved=True)
    assert choose([approved_but_failing, passing_unapproved, empty]).index == 1
    assert evidence_score(empty)[0] == 0


def test_verdict_needs_reproduction_tests_and_review() -> None:
    repro = Reproduction(test_path="t", content="", command="c", failed_before=True)
    good = _cand(0, "d", True, True, True)
    assert verdict(SolveState(run_id="r", reproduction=repro), good)[0] == "resolved"
    assert verdict(SolveState(run_id="r"), good)[0] == "unvalidated"
    assert verdict(SolveState(run_id="r", reproduction=repro), _cand(0, "d", True, True, False))[0] == "unvalidated"
    assert verdict(SolveState(run_id="r", reproduction=repro), _cand(0, "", True, True, True))[0] == "failed"


def test_differential_breaks_ties_between_candidates() -> None:
    from orchestrator.workflow.differential import distinct_reproductions, needs_differential

    ra = Reproduction(test_path="tests/a.py", content="a", command="ca", failed_before=True)
    rb = Reproduction(test_path="tests/b.py", content="b", command="cb", failed_before=True)
    c0 = _cand(0, "p0", True, True, True).model_copy(update={"reproduction": ra})
    c1 = _cand(1, "p1", True, True, True).model_copy(update={"reproduction": rb})
    assert needs_differential([c0, c1]) and len(distinct_reproductions([c0, c1])) == 2
    assert choose([c0, c1]).index == 0  # a tie without a differential keeps the earliest
    assert choose([c0, c1], {0: 1, 1: 2}).index == 1
    same = c1.model_copy(update={"reproduction": ra})
    assert not needs_differential([c0, same])  # one shared reproduction: nothing to differ on
