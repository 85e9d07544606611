"""`orch batch --evaluate`: real solves of the pagekit example in Docker sandboxes (scripted model),
then grading through the harness in containers, as SWE-bench grades: hidden tests from each row's
test_patch decide FAIL_TO_PASS / PASS_TO_PASS. The env spec is configs/envs/orch-examples-python-pagekit.yaml."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.docker]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "python-pagekit"
REPO = "orch-examples/python-pagekit"

# What the issue asks (three pages for 23 items at 10 per page), tested the way a maintainer's
# hidden test would, plus a behaviour the fix must keep.
HIDDEN_RIGHT = '''\
import unittest

from pagekit import Paginator


class Hidden(unittest.TestCase):
    def test_partial_last_page(self):
        pages = Paginator(list(range(23)), per_page=10)
        self.assertEqual(pages.page_count, 3)
        self.assertEqual(list(pages.page(3).items), [20, 21, 22])

    def test_exact_pages(self):
        self.assertEqual(Paginator(list(range(20)), per_page=10).page_count, 2)
'''
# A hidden test no correct fix satisfies: grading must call that prediction unresolved.
HIDDEN_WRONG = HIDDEN_RIGHT.replace("self.assertEqual(pages.page_count, 3)", "self.assertEqual(pages.page_count, 4)")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


def new_file_diff(repo: Path, path: str, text: str) -> str:
    """A git diff creating `path` with `text`, leaving the repository as it was."""
    target = repo / path
    target.write_text(text)
    git(repo, "add", "-N", path)
    diff = git(repo, "diff", "--", path)
    git(repo, "rm", "-q", "--cached", path)
    target.unlink()
    return diff


def unittest_id(test: str) -> str:
    """A test's name as `python -m unittest -v` prints it on Python 3.11 (the django log parser's form)."""
    return f"{test} (tests.test_hidden.Hidden.{test})"


def test_batch_evaluate_grades_predictions_through_the_harness(tmp_path: Path, docker_client) -> None:
    import harness

    harness.build_base("bookworm")  # the sandbox and the environment images start from it
    repo = tmp_path / "repos" / REPO
    shutil.copytree(EXAMPLE / "repo", repo, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    issue = (EXAMPLE / "ISSUE.md").read_text()
    rows = []
    for n, hidden in ((1, HIDDEN_RIGHT), (2, HIDDEN_WRONG)):
        rows.append({
            "instance_id": f"orch-examples__python-pagekit-{n}", "repo": REPO, "base_commit": base,
            "environment_setup_commit": base, "version": "0.3", "created_at": f"2024-01-0{n}",
            "problem_statement": issue, "patch": "",
            "test_patch": new_file_diff(repo, "tests/test_hidden.py", hidden),
            "FAIL_TO_PASS": json.dumps([unittest_id("test_partial_last_page")]),
            "PASS_TO_PASS": json.dumps([unittest_id("test_exact_pages")]),
        })
    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))

    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    common = [sys.executable, "-m", "orchestrator", "--set", f"run.runs_dir={tmp_path / 'runs'}",
              "--set", f"graph.index_dir={tmp_path / 'index'}", "--set", "harness.sandbox=docker",
              "--set", "harness.eval_timeout=120"]
    out = subprocess.run([*common, "batch", "--dataset", str(dataset), "--repos-dir", str(tmp_path / "repos"),
                          "--model", f"scripted:{EXAMPLE / 'session.yaml'}", "--run-id", "ev", "-j", "2", "--evaluate"],
                         env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert "patched 2" in out.stdout and "evaluation: resolved 1 of 2" in out.stdout, out.stdout

    run_dir = tmp_path / "runs" / "ev"
    summary = json.loads((run_dir / "evaluation" / "summary.json").read_text())
    assert summary["resolved_ids"] == ["orch-examples__python-pagekit-1"]
    assert summary["unresolved_ids"] == ["orch-examples__python-pagekit-2"]
    report = json.loads((run_dir / "evaluation" / "orch-examples__python-pagekit-1" / "report.json").read_text())
    status = report["orch-examples__python-pagekit-1"]["tests_status"]
    assert status["FAIL_TO_PASS"]["success"] == [unittest_id("test_partial_last_page")]
    assert status["PASS_TO_PASS"]["success"] == [unittest_id("test_exact_pages")]
    # The grade is of the batch's own prediction, the scripted fix of page_count.
    graded = (run_dir / "evaluation" / "orch-examples__python-pagekit-1" / "patch.diff").read_text()
    assert "-(-self.count // self.per_page)" in graded

    text = subprocess.run([*common, "batch", "report", "ev", "--json"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert text.returncode == 0, text.stderr[-2000:]
    assert json.loads(text.stdout)["resolved_rate"] == 0.5
