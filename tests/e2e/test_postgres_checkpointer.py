"""`orch solve` with checkpoints in PostgreSQL when the store cannot be used: one clear line on
stderr, no stack trace, the CLI's exit codes (2 = configuration, 1 = the store is down)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.e2e.conftest import EXAMPLES

PAGEKIT = EXAMPLES / "python-pagekit"


def solve(tmp_path: Path, dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ORCH_CONFIG" and not k.startswith("ORCH_WORKFLOW__")}
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", "--set", f"run.runs_dir={tmp_path / 'runs'}",
         "--set", f"graph.index_dir={tmp_path / 'index'}", "--set", "harness.sandbox=local",
         "--set", "workflow.checkpointer=postgres", "--set", f"workflow.postgres_dsn={dsn}",
         "solve", "--issue", str(PAGEKIT / "ISSUE.md"), "--repo", str(PAGEKIT / "repo"),
         "--model", f"scripted:{PAGEKIT}/session.yaml", *args],
        capture_output=True, text=True, env=env, timeout=300,
    )


def with_params(uri: str, **params: object) -> str:
    return make_conninfo(uri, **params)


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_wrong_password_is_one_line_and_a_configuration_error(tmp_path: Path, postgres_uri: str) -> None:
    out = solve(tmp_path, with_params(postgres_uri, password="not-the-password"), "--run-id", "badpw")
    assert out.returncode == 2, out.stderr
    [line] = error_lines(out.stderr)
    target = conninfo_to_dict(postgres_uri)
    assert line.startswith(f"error: cannot use the checkpoint store postgres {target['user']}@127.0.0.1:{target['port']}/")
    assert 'password authentication failed for user "' in line
    assert "not-the-password" not in out.stderr + out.stdout


def test_missing_database_is_a_configuration_error(tmp_path: Path, postgres_uri: str) -> None:
    out = solve(tmp_path, with_params(postgres_uri, dbname="no_such_db"), "--run-id", "nodb")
    assert out.returncode == 2, out.stderr
    [line] = error_lines(out.stderr)
    assert 'database "no_such_db" does not exist' in line


def test_malformed_dsn_is_a_configuration_error(tmp_path: Path) -> None:
    out = solve(tmp_path, "host=127.0.0.1 port", "--run-id", "malformed")
    assert out.returncode == 2, out.stderr
    [line] = error_lines(out.stderr)
    assert line.startswith("error: workflow.postgres_dsn is not a valid connection string:")


def test_unreachable_server_stops_resumably_and_resumes_once_reachable(tmp_path: Path, postgres_uri: str) -> None:
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    down = with_params(postgres_uri, port=closed_port)
    out = solve(tmp_path, down, "--run-id", "down")
    assert out.returncode == 1, out.stderr
    [line] = error_lines(out.stderr)
    assert line.startswith("error: cannot use the checkpoint store postgres ")
    assert f":{closed_port}/" in line and "Connection refused" in line
    summary = json.loads((tmp_path / "runs" / "down" / "summary.json").read_text())
    assert summary["status"] == "error_infra" and summary["resumable"] is True

    # The store is back (here: the right port): the run starts properly on resume.
    again = solve(tmp_path, postgres_uri, "--resume", "down", "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["status"] == "resolved"
