"""`orch batch --executor ray --ray-address` joins a Ray cluster it did not start: a head node
started here with `ray start --head` on loopback (token authentication on, as Ray enables it),
in its own session so that every process of the cluster is stopped when the test ends."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TASK, rows_for

pytest.importorskip("ray", reason="the optional extra 'ray' is part of the dev install")

pytestmark = pytest.mark.slow

RAY = Path(sys.executable).with_name("ray")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(root: int) -> set[int]:
    """Live processes below `root`, from /proc (Ray's workers, their batch workers and fork servers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class RayHead:
    address: str
    env: dict[str, str]
    """What a driver needs to join: loopback stays loopback, and the cluster's auth token."""
    session_logs: Path


@pytest.fixture(scope="module")
def ray_head() -> Iterator[RayHead]:
    # A short private temp dir: Ray's unix sockets live under it and their paths are length-limited.
    temp_dir = Path(tempfile.mkdtemp(prefix="orch-ray-", dir="/tmp"))
    port = free_port()
    env = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": secrets.token_hex(32), "RAY_USAGE_STATS_ENABLED": "0"}
    log = (temp_dir / "head.log").open("w")
    head = subprocess.Popen(
        [str(RAY), "start", "--head", "--block", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=2",
         "--include-dashboard=false", f"--dashboard-port={free_port()}", f"--ray-client-server-port={free_port()}",
         "--object-store-memory=100000000", f"--temp-dir={temp_dir}", "--disable-usage-stats"],
        env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while "will now block forever" not in (temp_dir / "head.log").read_text():
            assert head.poll() is None, (temp_dir / "head.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (temp_dir / "head.log").read_text()[-3000:]
            time.sleep(0.5)
        yield RayHead(f"127.0.0.1:{port}", env, temp_dir / "session_latest" / "logs")
    finally:
        seen = descendants(head.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            head.wait(15)
        # Whatever did not drain in time, in the head's group or below it (workers may start groups).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)
        for pid in seen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        head.wait(10)
        log.close()
        deadline = time.monotonic() + 10
        while any(alive(p) for p in seen) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = sorted(p for p in seen if alive(p))
        shutil.rmtree(temp_dir, ignore_errors=True)
        assert not left, f"Ray processes outlived the test: {left}"


def orch_batch(tmp_path: Path, dataset: Path, run_id: str, *extra: str, env: dict[str, str] | None = None
               ) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "RAY_"))}
    out = (tmp_path / f"{run_id}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "--set", f"run.runs_dir={tmp_path / 'runs'}",
         "--set", "batch.instance_timeout=60", "batch", "--dataset", str(dataset), "--run-id", run_id,
         "--model", "scripted:test", "--task", TASK, "-j", "2", *extra],
        env={**base, **(env or {})}, stdout=out, stderr=subprocess.STDOUT, text=True,
    )


def test_batch_joins_an_external_ray_cluster_and_writes_the_local_predictions(
    ray_head: RayHead, tmp_path: Path, write_dataset
) -> None:
    rows = rows_for({
        "acme/a": [{}, {"sleep": 0.3}, {"crash": "raise"}],
        "acme/b": [{"no_patch": True}, {"crash": "segfault"}, {}],
    })
    dataset = write_dataset(rows)
    on_ray = orch_batch(tmp_path, dataset, "ray", "--executor", "ray", "--ray-address", ray_head.address,
                        env=ray_head.env)
    assert on_ray.wait(300) == 0, (tmp_path / "ray.log").read_text()[-3000:]
    local = orch_batch(tmp_path, dataset, "local")
    assert local.wait(300) == 0, (tmp_path / "local.log").read_text()[-3000:]

    ray_lines = (tmp_path / "runs" / "ray" / "predictions.jsonl").read_text().splitlines()
    local_lines = (tmp_path / "runs" / "local" / "predictions.jsonl").read_text().splitlines()
    assert len(ray_lines) == len(rows) and sorted(ray_lines) == sorted(local_lines)
    assert "with 2 ray worker(s)" in (tmp_path / "ray.log").read_text()
    # The batch process was a driver of that cluster (its core-worker log sits in the cluster's
    # session), not of a cluster of its own.
    assert list(ray_head.session_logs.glob(f"python-core-driver-*_{on_ray.pid}.log")), \
        sorted(p.name for p in ray_head.session_logs.iterdir())


def test_a_token_cluster_refuses_a_driver_without_the_token(ray_head: RayHead, tmp_path: Path, write_dataset) -> None:
    """Joining is real: without the cluster's token the batch cannot connect, and says so."""
    dataset = write_dataset(rows_for({"acme/a": [{}]}))
    env = {k: v for k, v in ray_head.env.items() if k != "RAY_AUTH_TOKEN"}
    proc = orch_batch(tmp_path, dataset, "refused", "--executor", "ray", "--ray-address", ray_head.address, env=env)
    assert proc.wait(180) != 0
    assert not (tmp_path / "runs" / "refused" / "predictions.jsonl").exists()
