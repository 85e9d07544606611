"""The Ray executor on a local Ray cluster started here: same task, same predictions as the pool."""

from __future__ import annotations

import pytest
from conftest import TASK, predictions, rows_for

from orchestrator.batch import BatchRequest, BatchStore, InstanceStatus, order_by_repo, run_batch
from orchestrator.batch.executors import LocalExecutor

ray = pytest.importorskip("ray", reason="the optional extra 'ray' is part of the dev install")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_cluster():
    from orchestrator.raycluster import keep_on_loopback

    # Loopback only (Ray would otherwise swap 127.0.0.1 for the host's address), no dashboard,
    # the smallest object store Ray accepts.
    keep_on_loopback()
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             object_store_memory=80 * 1024 * 1024, log_to_driver=False)
    assert ray.nodes()[0]["NodeManagerAddress"] == "127.0.0.1"
    yield
    ray.shutdown()


def test_ray_executor_writes_the_same_predictions_as_the_local_pool(ray_cluster, batch_settings) -> None:
    from orchestrator.batch.executors.ray import RayExecutor

    rows = rows_for({
        "acme/a": [{}, {"sleep": 0.2}, {"crash": "raise"}],
        "acme/b": [{"no_patch": True}, {"crash": "segfault"}, {"cost": 0.1}],
    })
    settings = batch_settings(**{"batch.instance_timeout": 60})

    def run(run_id: str, executor) -> BatchStore:
        try:
            outcome = run_batch(BatchRequest(run_id=run_id, rows=order_by_repo(rows), model="scripted:test", task=TASK),
                                settings, executor=executor)
        finally:
            executor.shutdown()
        return BatchStore(outcome.run_dir)

    local = run("local", LocalExecutor(2))
    on_ray = run("ray", RayExecutor(2))
    local_lines = set(local.predictions_path.read_text().splitlines())
    ray_lines = set(on_ray.predictions_path.read_text().splitlines())
    assert len(ray_lines) == len(rows) and ray_lines == local_lines
    assert len(predictions(on_ray)) == len(rows)
    statuses = {i: r.status for i, r in on_ray.latest_results().items()}
    assert statuses["acme__b-1"] is InstanceStatus.CRASHED and statuses["acme__a-2"] is InstanceStatus.CRASHED
    # Each instance ran in its own worker process inside a Ray worker, not in the driver.
    assert all((on_ray.instance_dir(r["instance_id"]) / "worker" / "output.log").exists() for r in rows)


def test_ray_timeout_kills_the_instance_and_the_batch_goes_on(ray_cluster, batch_settings) -> None:
    from orchestrator.batch.executors.ray import RayExecutor

    rows = rows_for({"acme/a": [{"hang": True}, {}]})
    executor = RayExecutor(2)
    try:
        outcome = run_batch(BatchRequest(run_id="ray-hang", rows=rows, model="scripted:test", task=TASK),
                            batch_settings(**{"batch.instance_timeout": 8, "batch.repo_warmup": False}), executor=executor)
    finally:
        executor.shutdown()
    assert outcome.counts == {"timeout": 1, "patched": 1}
