"""A run killed with SIGKILL mid-way resumes from its last checkpoint without redoing nodes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import EXAMPLES, events

PAGEKIT = EXAMPLES / "python-pagekit"


def orch(tmp_path: Path, sandbox: str, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "orchestrator",
        "--set", f"run.runs_dir={tmp_path / 'runs'}",
        "--set", f"graph.index_dir={tmp_path / 'index'}",
        "--set", f"harness.sandbox={sandbox}",
        *args,
    ]


def _containers_of(request: pytest.FixtureRequest, sandbox: str, pid: int) -> list:
    """The docker sandboxes process `pid` started (none on the local sandbox)."""
    if sandbox != "docker":
        return []
    from harness.sandboxes.docker import OWNER_LABEL

    client = request.getfixturevalue("docker_client")
    return client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={socket.gethostname()}:{pid}"})


def _wait_for(path: Path, predicate, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    if predicate(json.loads(line)):
                        return
                except ValueError:
                    continue
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting in {path}")


KILL_POINTS = pytest.mark.parametrize(
    ("kill_at", "calls_before", "done_before"),
    [
        ("code", 4, {"ingest", "index", "localize", "plan", "reproduce"}),
        # After the coder: the resumed process must rebuild the sandbox with the checkpointed patch.
        ("review", 8, {"ingest", "index", "localize", "plan", "reproduce", "code", "validate"}),
    ],
)


@KILL_POINTS
def test_killed_run_resumes_without_redoing_completed_nodes(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    sandbox_kind: str,
    kill_at: str,
    calls_before: int,
    done_before: set[str],
) -> None:
    kill_and_resume(tmp_path, request, sandbox_kind, kill_at, calls_before, done_before)
    assert (tmp_path / "runs" / "killed" / "checkpoints.sqlite").exists()


@KILL_POINTS
def test_killed_run_resumes_from_postgres_checkpoints(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    postgres_uri: str,
    kill_at: str,
    calls_before: int,
    done_before: set[str],
) -> None:
    """The same kill, with checkpoints in PostgreSQL. The checkpointer is chosen with --set on the
    first command only: the resume finds it in the run's saved settings. The connection string
    (it carries the password) comes from the environment, as a deployment would give it."""
    import psycopg

    kill_and_resume(tmp_path, request, "local", kill_at, calls_before, done_before,
                    first_args=("--set", "workflow.checkpointer=postgres"),
                    env={"ORCH_WORKFLOW__POSTGRES_DSN": postgres_uri})
    run_dir = tmp_path / "runs" / "killed"
    assert not (run_dir / "checkpoints.sqlite").exists()
    saved = json.loads((run_dir / "settings.json").read_text())
    assert saved["settings"]["workflow"]["checkpointer"] == "postgres"
    assert "orch-test-password" not in (run_dir / "settings.json").read_text()  # no secret in the record
    with psycopg.connect(postgres_uri) as conn:
        rows = conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", (saved["thread_id"],)).fetchone()
    assert rows is not None and rows[0] > 0


def kill_and_resume(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    sandbox_kind: str,
    kill_at: str,
    calls_before: int,
    done_before: set[str],
    first_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> None:
    """Start the pagekit example as `orch solve`, SIGKILL it when `kill_at` starts, resume it with
    `orch solve --resume` and check that nothing completed before the kill ran again."""
    # The killed process cannot clean up its local sandbox (a worktree under TMPDIR): keep it
    # inside tmp_path so it goes with the test's own directory.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**{k: v for k, v in os.environ.items() if k != "ORCH_CONFIG"}, "TMPDIR": str(scratch), **(env or {})}
    proc = subprocess.Popen(
        orch(tmp_path, sandbox_kind, "--set", "workflow.step_delay=1.0", *first_args, "solve",
             "--issue", str(PAGEKIT / "ISSUE.md"), "--repo", str(PAGEKIT / "repo"),
             "--model", f"scripted:{PAGEKIT}/session.yaml", "--run-id", "killed"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    # Whatever the resume below does, the killed process's docker sandbox does not outlive the test.
    request.addfinalizer(
        lambda: [c.remove(force=True, v=True) for c in _containers_of(request, sandbox_kind, proc.pid)]
    )
    run_dir = tmp_path / "runs" / "killed"
    try:
        # `kill_at` has started (and sleeps): every node before it is checkpointed, it is not.
        _wait_for(run_dir / "trajectory.jsonl",
                  lambda e: e["kind"] == "node" and e["node"] == kill_at and e["data"]["phase"] == "start")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        orphans = _containers_of(request, sandbox_kind, proc.pid)
    assert proc.returncode == -signal.SIGKILL
    assert len(orphans) == (sandbox_kind == "docker")  # SIGKILL left the run's container behind
    killed = json.loads((run_dir / "summary.json").read_text())
    assert killed["status"] == "running"  # what a killed run leaves behind ...
    listed = subprocess.run(orch(tmp_path, sandbox_kind, "runs", "list", "--json"), capture_output=True, text=True, env=env)
    assert json.loads(listed.stdout)[0]["status"] == "interrupted"  # ... and how readers show it
    assert sum(1 for e in events(run_dir) if e["kind"] == "model_call") == calls_before

    out = subprocess.run(orch(tmp_path, sandbox_kind, "solve", "--resume", "killed", "--json"),
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["status"] == "resolved" and result["model_calls"] == 9
    assert json.loads((run_dir / "summary.json").read_text())["sandbox"] == sandbox_kind
    assert _containers_of(request, sandbox_kind, proc.pid) == []  # the resumed run reaped it

    evs = events(run_dir)
    resume_at = next(i for i, e in enumerate(evs) if e["kind"] == "run" and e["data"].get("action") == "resume")
    redone = [e["node"] for e in evs[resume_at:] if e["kind"] == "node" and e["data"]["phase"] == "start"]
    assert redone[0] == kill_at and not set(redone) & done_before
    roles_after = [e["role"] for e in evs[resume_at:] if e["kind"] == "model_call"]
    # The scripted session continued where it stopped: nothing was asked twice.
    assert roles_after == (["planner"] * 2 + ["tester"] * 2 + ["coder"] * 4 + ["reviewer"])[calls_before:]
    restored = "sandbox_restored" in [e["data"].get("action") for e in evs[resume_at:]]
    assert restored == (kill_at == "review")
    assert "pagekit/paginator.py" in (run_dir / "patch.diff").read_text()
