"""`orch batch` over the example repositories with the real workflow; only the model is scripted."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SESSION = f"scripted:{EXAMPLES}/{{repo_name}}/session.yaml"


def examples_dataset(tmp_path: Path, per_repo: int = 2) -> tuple[Path, Path]:
    """Dataset rows for the examples and a repos dir holding each as a git repository."""
    repos = tmp_path / "repos"
    rows = []
    for name in ("python-pagekit", "js-slugkit"):
        dest = repos / "orch-examples" / name
        shutil.copytree(EXAMPLES / name / "repo", dest, ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A"],
                    ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base"]):
            subprocess.run(["git", *cmd], cwd=dest, check=True)
        text = (EXAMPLES / name / "ISSUE.md").read_text()
        rows += [{"instance_id": f"orch-examples__{name}-{n}", "repo": f"orch-examples/{name}",
                  "problem_statement": text, "created_at": f"2024-01-0{n}"} for n in range(1, per_repo + 1)]
    dataset = tmp_path / "examples.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return dataset, repos


def orch(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    common = ["--set", f"run.runs_dir={tmp_path / 'runs'}", "--set", f"graph.index_dir={tmp_path / 'index'}",
              "--set", "harness.sandbox=local"]
    return subprocess.run([sys.executable, "-m", "orchestrator", *common, *args], env=env, capture_output=True,
                          text=True, timeout=600)


def test_batch_solves_examples_shares_one_index_per_repo_and_reports(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.fail("node is required for the JavaScript example")
    dataset, repos = examples_dataset(tmp_path)
    out = orch(tmp_path, "batch", "--dataset", str(dataset), "--repos-dir", str(repos), "--model", SESSION,
               "--run-id", "ex", "-j", "2")
    assert out.returncode == 0, out.stderr[-3000:]
    run_dir = tmp_path / "runs" / "ex"
    results = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    assert {r["detail"]["solve_status"] for r in results} == {"resolved"}, [r["error"] for r in results]
    preds = {p["instance_id"]: p for p in map(json.loads, (run_dir / "predictions.jsonl").read_text().splitlines())}
    assert len(preds) == 4
    assert "pagekit/paginator.py" in preds["orch-examples__python-pagekit-2"]["model_patch"]
    assert "slugify" in preds["orch-examples__js-slugkit-1"]["model_patch"]
    # Each instance keeps the workflow's full run record.
    record = run_dir / "instances" / "orch-examples__python-pagekit-1"
    assert (record / "trajectory.jsonl").is_file() and (record / "summary.json").is_file()
    # Two repositories, four instances: one graph index file per repository, shared.
    indexes = sorted((tmp_path / "index").glob("*.sqlite"))
    assert len(indexes) == 2
    # Batches keep Python pieces' extraction in the shared index (graph.piece_cache auto -> on).
    counts = [sqlite3.connect(p).execute("SELECT count(*) FROM chunks").fetchone()[0] for p in indexes]
    assert sorted(c > 0 for c in counts) == [False, True], counts  # the JavaScript repository has none

    report = orch(tmp_path, "batch", "report", "ex", "--json")
    assert report.returncode == 0, report.stderr
    summary = json.loads(report.stdout)
    assert summary["status_counts"] == {"patched": 4} and summary["instances"] == 4
    assert set(summary["per_repo"]) == {"orch-examples/python-pagekit", "orch-examples/js-slugkit"}
    assert summary["resolved_rate"] is None  # not graded: resolved needs --evaluate
    text = orch(tmp_path, "batch", "report", "ex").stdout
    assert "orch-examples/js-slugkit" in text and "p95" in text


def test_cli_rejects_bad_selection_and_unknown_run(tmp_path: Path) -> None:
    dataset, _ = tmp_path / "d.jsonl", None
    dataset.write_text(json.dumps({"instance_id": "a__b-1", "repo": "a/b"}) + "\n")
    bad = orch(tmp_path, "batch", "--dataset", str(dataset), "--instance-ids", "nope", "--run-id", "x")
    assert bad.returncode == 2 and "unknown instance id" in bad.stderr
    missing = orch(tmp_path, "batch", "report", "never-ran")
    assert missing.returncode == 2 and "no batch run" in missing.stderr


def test_killed_batch_of_real_solves_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    """SIGKILL mid-run with solves in flight; the re-run resumes them through the workflow's checkpoints."""
    import signal
    import time

    dataset, repos = examples_dataset(tmp_path, per_repo=3)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    args = [sys.executable, "-m", "orchestrator", "--set", f"run.runs_dir={tmp_path / 'runs'}",
            "--set", f"graph.index_dir={tmp_path / 'index'}", "--set", "harness.sandbox=local",
            "batch", "--dataset", str(dataset), "--repos-dir", str(repos), "--model", SESSION, "--run-id", "k", "-j", "2"]
    predictions = tmp_path / "runs" / "k" / "predictions.jsonl"
    with (tmp_path / "out.log").open("a") as log:
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 300
        while not (predictions.exists() and predictions.read_text().count("\n") >= 2):
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "out.log").read_text()[-3000:]
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        before = predictions.read_text().splitlines()
        assert 2 <= len(before) < 6
        again = subprocess.run(args, env=env, stdout=log, stderr=log, timeout=600)
    assert again.returncode == 0, (tmp_path / "out.log").read_text()[-3000:]
    lines = predictions.read_text().splitlines()
    assert lines[: len(before)] == before
    ids = [json.loads(line)["instance_id"] for line in lines]
    assert sorted(ids) == sorted(json.loads(r)["instance_id"] for r in dataset.read_text().splitlines())
    results = [json.loads(line) for line in (tmp_path / "runs" / "k" / "results.jsonl").read_text().splitlines()]
    assert len(results) == 6 and {r["detail"]["solve_status"] for r in results} == {"resolved"}


def test_infra_failure_in_the_workflow_is_retried_alone(tmp_path: Path) -> None:
    """A graph store that cannot be reached is the machine's fault: no prediction, and
    --retry-infra re-runs exactly that instance once the store is back."""
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dataset, repos = examples_dataset(tmp_path, per_repo=1)
    args = ["batch", "--dataset", str(dataset), "--repos-dir", str(repos), "--model", SESSION, "--run-id", "inf"]
    down = orch(tmp_path, "--set", "graph.backend=neo4j", "--set", f"graph.neo4j.uri=bolt://127.0.0.1:{port}", *args)
    assert down.returncode == 0, down.stderr[-3000:]
    run_dir = tmp_path / "runs" / "inf"
    first = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    assert {r["status"] for r in first} == {"infra_error"} and len(first) == 2
    assert "Neo4j" in first[0]["error"]
    assert not (run_dir / "predictions.jsonl").exists()
    # A plain re-run leaves infra failures alone; --retry-infra runs only them.
    assert "skipped 2" in orch(tmp_path, *args).stdout
    retried = orch(tmp_path, *args, "--retry-infra")
    assert retried.returncode == 0, retried.stderr[-3000:]
    latest = {}
    for r in map(json.loads, (run_dir / "results.jsonl").read_text().splitlines()):
        latest[r["instance_id"]] = r
    assert {(r["status"], r["attempt"]) for r in latest.values()} == {("patched", 2)}
    assert len((run_dir / "predictions.jsonl").read_text().splitlines()) == 2
