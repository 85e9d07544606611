"""`orch app`: clear configuration errors, the manifest, the job list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app_harness import labeled

from orchestrator.config.model import AppSettings
from orchestrator.github_app import JobStore, decide


def orch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", *args], capture_output=True, text=True, env={**base, **(env or {})}, timeout=120
    )


def test_serve_names_what_is_missing_and_exits_2(tmp_path: Path) -> None:
    out = orch("app", "serve", "--state-dir", str(tmp_path))
    assert out.returncode == 2 and "app.webhook_secret is not set" in out.stderr
    out = orch("app", "serve", "--state-dir", str(tmp_path), env={"ORCH_APP__WEBHOOK_SECRET": "s", "ORCH_APP__APP_ID": "1"})
    assert out.returncode == 2 and "app.private_key_path is not set" in out.stderr


def test_manifest_asks_for_the_least_the_app_needs() -> None:
    out = orch("app", "manifest", "--webhook-url", "https://orch.example.org/webhook", "--name", "orch-test")
    assert out.returncode == 0, out.stderr
    manifest = json.loads(out.stdout)
    assert manifest["name"] == "orch-test"
    assert manifest["hook_attributes"] == {"url": "https://orch.example.org/webhook", "active": True}
    assert manifest["default_permissions"] == {
        "issues": "write",
        "contents": "write",
        "pull_requests": "write",
        "metadata": "read",
    }
    assert sorted(manifest["default_events"]) == ["issue_comment", "issues"]
    assert manifest["public"] is False


def test_jobs_lists_the_queue(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "queue.sqlite")
    trigger = decide("issues", "d1", labeled("https://github.com/octo/demo.git", "m"), AppSettings()).trigger
    store.admit("d1", "issues", trigger, "labelled")
    out = orch("app", "jobs", "--state-dir", str(tmp_path), "--json")
    assert out.returncode == 0, out.stderr
    [row] = [json.loads(line) for line in out.stdout.splitlines()]
    assert row["repo"] == "octo/demo" and row["issue"] == 7 and row["state"] == "queued"
