"""Batch evaluation end to end on a tiny fixture instance, in real containers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.dataset import load_instances, load_predictions
from harness.evaluation import EvalOptions, run_evaluation
from harness.repos import RepoSource
from harness.sandboxes.docker import Limits
from harness.specs import SpecRegistry


def _variant(fx, iid: str) -> dict:
    return {**fx.rows["fixtures__calc-1"], "instance_id": iid}


def _patch(fx, new_body: str) -> str:
    return fx.gold.replace("+    return a + b", new_body)


@pytest.fixture(scope="module")
def evaluated(calc_fixture, tmp_path_factory, docker_client, base_image):
    """One run over every outcome the harness must label, then the same run id again."""
    fx = calc_fixture
    root = tmp_path_factory.mktemp("eval")
    ids = ["fixtures__calc-gold", "fixtures__calc-empty", "fixtures__calc-evil", "fixtures__calc-hang", "fixtures__calc-oom", "fixtures__calc-wrong"]
    rows = [_variant(fx, i) for i in ids] + [fx.rows["fixtures__broken-1"]]
    dataset = root / "dataset.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    preds = {
        "fixtures__calc-gold": fx.gold,
        "fixtures__calc-empty": "",
        "fixtures__calc-evil": "diff --git a/../../etc/cron.d/x b/../../etc/cron.d/x\n--- a/../../etc/cron.d/x\n+++ b/../../etc/cron.d/x\n@@ -0,0 +1 @@\n+* * * * * root sh\n",
        "fixtures__calc-hang": _patch(fx, "+    while True: pass"),
        "fixtures__calc-oom": _patch(fx, "+    return len(bytearray(2 * 1024 ** 3)) + a + b"),
        "fixtures__calc-wrong": _patch(fx, "+    return a * b"),
        "fixtures__broken-1": fx.gold,
    }
    pred_file = root / "preds.jsonl"
    pred_file.write_text("".join(json.dumps({"instance_id": k, "model_name_or_path": "t", "model_patch": v}) + "\n" for k, v in preds.items()))
    instances = load_instances(dataset)
    predictions = load_predictions(str(pred_file), instances)
    opts = EvalOptions(
        run_dir=root / "run",
        repos=RepoSource(fx.repos_dir, root / "cache"),
        cache_dir=Path.home() / ".cache" / "orch",
        limits=Limits(memory="256m", pids=256),
        eval_timeout=15,
        workers=2,
        specs=SpecRegistry.load(official=None, user_dirs=[fx.specs_dir], pins=None),
    )
    summary = run_evaluation(instances, predictions, opts)
    results = {i: json.loads((opts.run_dir / i / "result.json").read_text()) for i in preds}
    stamps = {i: (opts.run_dir / i / "result.json").stat().st_mtime_ns for i in preds}
    again = run_evaluation(instances, predictions, opts)
    stamps_again = {i: (opts.run_dir / i / "result.json").stat().st_mtime_ns for i in preds}
    return summary, results, opts.run_dir, again, stamps, stamps_again


pytestmark = pytest.mark.docker


def test_gold_resolves_with_official_artifacts(evaluated) -> None:
    summary, results, run_dir, *_ = evaluated
    assert summary["resolved_ids"] == ["fixtures__calc-gold"]
    d = run_dir / "fixtures__calc-gold"
    for name in ("eval.sh", "patch.diff", "test_output.txt", "report.json"):
        assert (d / name).is_file(), name
    report = json.loads((d / "report.json").read_text())["fixtures__calc-gold"]
    assert report["resolved"] and report["patch_successfully_applied"]
    assert report["tests_status"]["FAIL_TO_PASS"]["success"] == ["test_add (test_calc.CalcTests.test_add)"]
    assert "OK" in (d / "test_output.txt").read_text()


def test_empty_patch_is_not_resolved(evaluated) -> None:
    summary, results, *_ = evaluated
    assert summary["empty_patch_ids"] == ["fixtures__calc-empty"]
    assert "fixtures__calc-empty" not in summary["resolved_ids"]


def test_wrong_fix_is_unresolved_with_the_failing_test_named(evaluated) -> None:
    summary, results, *_ = evaluated
    assert "fixtures__calc-wrong" in summary["unresolved_ids"]
    assert "test_add" in results["fixtures__calc-wrong"]["cause"]


def test_malicious_patch_is_refused(evaluated) -> None:
    summary, results, *_ = evaluated
    r = results["fixtures__calc-evil"]
    assert r["status"] == "error" and r["error_kind"] == "patch"
    assert r["cause"].startswith("patch_refused") and "escapes the repository" in r["cause"]
    assert summary["patch_error_ids"] == ["fixtures__calc-evil"]


def test_hung_test_times_out(evaluated) -> None:
    _, results, *_ = evaluated
    r = results["fixtures__calc-hang"]
    assert r["status"] == "unresolved" and r["timed_out"] and r["cause"].startswith("timeout")


def test_memory_kill_is_labelled(evaluated) -> None:
    _, results, *_ = evaluated
    r = results["fixtures__calc-oom"]
    assert r["status"] == "unresolved" and r["oom_killed"] and r["cause"].startswith("oom_killed")


def test_build_failure_is_an_infra_error_and_the_run_goes_on(evaluated) -> None:
    summary, results, run_dir, *_ = evaluated
    r = results["fixtures__broken-1"]
    assert r["status"] == "error" and r["error_kind"] == "infra" and r["cause"].startswith("build_failed (instance)")
    assert "cannot build" in (run_dir / "fixtures__broken-1" / "image_build.log").read_text()
    assert summary["infra_error_ids"] == ["fixtures__broken-1"]
    assert summary["completed_instances"] == 4  # gold, wrong, hang, oom: all graded despite it


def test_rerun_resumes_and_retries_only_infra_errors(evaluated) -> None:
    summary, _, _, again, stamps, stamps_again = evaluated
    assert {k: v for k, v in again.items() if k != "causes"} == {k: v for k, v in summary.items() if k != "causes"}
    changed = sorted(i for i in stamps if stamps[i] != stamps_again[i])
    assert changed == ["fixtures__broken-1"]
