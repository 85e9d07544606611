"""The runner with real worker processes and the stand-in solver: isolation, caps, resume, retries."""

from __future__ import annotations

import json

import pytest
from conftest import TASK, predictions, rows_for

from orchestrator.batch import (
    BatchRequest,
    BatchStore,
    InstanceStatus,
    ManifestMismatchError,
    RunLockedError,
    batch_dir,
    load_summary,
    order_by_repo,
    run_batch,
)
from orchestrator.batch.standin import standin_patch


def _request(rows, run_id="r", **kw) -> BatchRequest:
    return BatchRequest(run_id=run_id, rows=order_by_repo(rows), model="scripted:test", task=TASK, **kw)


@pytest.mark.slow
def test_poisoned_instances_do_not_stop_the_others(batch_settings) -> None:
    rows = rows_for({
        "acme/ok": [{}, {"sleep": 0.2}, {}],
        "acme/poison": [{"crash": "segfault"}, {"crash": "raise"}, {"crash": "exit"}, {"hang": True}, {"infra": True}],
    })
    settings = batch_settings(**{"batch.instance_timeout": 6})
    outcome = run_batch(_request(rows), settings)
    store = BatchStore(outcome.run_dir)
    latest = store.latest_results()
    status = {iid: r.status for iid, r in latest.items()}
    assert status == {
        "acme__ok-0": InstanceStatus.PATCHED, "acme__ok-1": InstanceStatus.PATCHED, "acme__ok-2": InstanceStatus.PATCHED,
        "acme__poison-0": InstanceStatus.CRASHED, "acme__poison-1": InstanceStatus.CRASHED,
        "acme__poison-2": InstanceStatus.CRASHED, "acme__poison-3": InstanceStatus.TIMEOUT,
        "acme__poison-4": InstanceStatus.INFRA_ERROR,
    }
    assert "SIGSEGV" in latest["acme__poison-0"].error and "exit code 3" in latest["acme__poison-2"].error
    preds = {p["instance_id"]: p for p in predictions(store)}
    # Every finished instance has exactly one prediction; the infra failure has none (it is retryable).
    assert set(preds) == set(status) - {"acme__poison-4"}
    assert preds["acme__ok-1"]["model_patch"] == standin_patch("acme__ok-1")
    assert preds["acme__poison-3"]["model_patch"] == "" and preds["acme__ok-0"]["model_name_or_path"] == "scripted:test"
    # The worker's fatal output is kept with the instance's record.
    assert "simulated solver bug" in (store.instance_dir("acme__poison-1") / "worker" / "output.log").read_text()


def test_rerun_skips_finished_and_retry_infra_runs_only_infra_failures(batch_settings) -> None:
    rows = rows_for({"acme/a": [{}, {"infra_once": True}, {"crash": "raise"}]})
    settings = batch_settings()
    first = run_batch(_request(rows), settings)
    assert first.counts == {"patched": 1, "infra_error": 1, "crashed": 1}
    again = run_batch(_request(rows), settings)
    assert again.counts == {} and again.skipped == 3
    retried = run_batch(_request(rows, retry_infra=True), settings)
    assert retried.counts == {"patched": 1} and retried.skipped == 2
    store = BatchStore(first.run_dir)
    assert store.latest_results()["acme__a-1"].attempt == 2
    ids = [p["instance_id"] for p in predictions(store)]
    assert sorted(ids) == ["acme__a-0", "acme__a-1", "acme__a-2"]


def test_total_cost_cap_stops_starting_instances_and_lowers_the_last_cap(batch_settings) -> None:
    rows = rows_for({"acme/a": [{"cost": 0.4}] * 5})
    settings = batch_settings(**{"batch.workers": 1, "batch.cost_usd": 1.0, "budget.cost_usd": 0.5})
    outcome = run_batch(_request(rows), settings)
    assert outcome.budget_stopped and outcome.not_started == 2
    assert outcome.counts == {"patched": 2, "budget_exhausted": 1}
    assert outcome.spent_usd == pytest.approx(1.0)
    summary = load_summary(outcome.run_dir)
    assert summary["status_counts"] == {"budget_exhausted": 1, "patched": 2, "pending": 2}


def test_a_second_process_cannot_work_on_the_same_run_and_the_model_cannot_change(batch_settings) -> None:
    rows = rows_for({"acme/a": [{}]})
    settings = batch_settings()
    store = BatchStore(batch_dir(settings, "r"))
    store.acquire()
    try:
        with pytest.raises(RunLockedError):
            run_batch(_request(rows), settings)
    finally:
        store.release()
    run_batch(_request(rows), settings)
    with pytest.raises(ManifestMismatchError):
        run_batch(BatchRequest(run_id="r", rows=rows, model="other:model", task=TASK), settings)


def test_a_result_journalled_without_its_prediction_gets_it_on_resume(batch_settings) -> None:
    """The one window a kill can hit: after the journal line, before the prediction line."""
    rows = rows_for({"acme/a": [{}, {}]})
    settings = batch_settings()
    outcome = run_batch(_request(rows), settings)
    store = BatchStore(outcome.run_dir)
    lines = store.predictions_path.read_text().splitlines()
    # Simulate the kill: drop the last prediction line and leave a torn partial line instead.
    store.predictions_path.write_text(lines[0] + "\n" + lines[1][:17])
    run_batch(_request(rows), settings)
    after = predictions(store)
    assert sorted(p["instance_id"] for p in after) == ["acme__a-0", "acme__a-1"]
    assert json.loads(lines[1]) in after


def test_workers_report_host_cpu_not_wall_time(batch_settings) -> None:
    outcome = run_batch(_request(rows_for({"acme/a": [{"sleep": 1.0}]}), run_id="cpu"), batch_settings())
    [result] = BatchStore(outcome.run_dir).results()
    # A second asleep costs (almost) no CPU; the figure is what the instance cost the host.
    assert result.duration_s >= 1.0 and 0 <= result.detail["worker_cpu_s"] < 0.6


def test_the_real_task_preloads_what_a_solve_imports() -> None:
    """The fork server imports the task module; every worker forked from it must find the
    workflow's lazily imported parts (roles, graph store and parsers, Docker SDK) loaded."""
    import subprocess
    import sys

    code = ("import sys, orchestrator.batch.task as t; "
            "print(sorted(m for m in (*t.WARM_MODULES, 'agents.roles.coder', 'agents.scripted') if m not in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
