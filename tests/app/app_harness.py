"""Driving the real `orch app serve` process: start, kill, deliver signed webhooks, wait."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from orchestrator.github_app import JobStore, sign
from orchestrator.github_app.store import Job

HERE = Path(__file__).resolve().parent
SECRET = "test-webhook-secret"
OWNER, REPO, ISSUE = "octo", "demo", 7
APP_ID = 31337


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class AppProcess:
    """`python -m orchestrator app serve` as a child process, configured through ORCH_* variables."""

    def __init__(
        self, state_dir: Path, api_url: str, app_id: int, key_path: Path, solver: str, extra_env: dict[str, str] | None = None
    ) -> None:
        self.state_dir = state_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = state_dir.parent / f"server-{self.port}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ORCH_")},
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "ORCH_APP__WEBHOOK_SECRET": SECRET,
            "ORCH_APP__APP_ID": str(app_id),
            "ORCH_APP__PRIVATE_KEY_PATH": str(key_path),
            "ORCH_APP__API_URL": api_url,
            "ORCH_APP__STATE_DIR": str(state_dir),
            "ORCH_APP__PORT": str(self.port),
            "ORCH_APP__SOLVER": solver,
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self._client: httpx.Client | None = None

    def start(self, timeout: float = 30.0) -> AppProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "orchestrator", "app", "serve"], env=self.env, stdout=log, stderr=log
        )
        log.close()

        def healthy() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                return httpx.get(self.url + "/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, timeout, "the app server to answer /healthz")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a crash or a pulled plug."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def deliver(
        self,
        event: str,
        payload: dict[str, Any] | bytes,
        *,
        delivery: str | None = None,
        secret: str = SECRET,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        sent = {
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": signature if signature is not None else sign(body, secret),
            **(headers or {}),
        }
        if self._client is None:
            self._client = httpx.Client(timeout=10)
        return self._client.post(self.url + "/webhook", content=body, headers=sent)

    def jobs(self) -> list[Job]:
        path = self.state_dir / "queue.sqlite"
        return JobStore(path).jobs() if path.exists() else []

    def solver_calls(self) -> list[dict[str, Any]]:
        path = self.state_dir / "solver-calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def wait_finished(self, count: int = 1, timeout: float = 60.0) -> list[Job]:
        def finished() -> list[Job] | None:
            jobs = self.jobs()
            done = [j for j in jobs if j.state.value in ("done", "failed", "ignored")]
            return jobs if len(done) >= count else None

        try:
            return wait_for(finished, timeout, f"{count} finished job(s)")
        except AssertionError:
            raise AssertionError(f"jobs: {self.jobs()}\nserver log:\n{self.log()[-4000:]}") from None


def repository(clone_url: str) -> dict[str, Any]:
    return {
        "id": 4242,
        "name": REPO,
        "full_name": f"{OWNER}/{REPO}",
        "owner": {"login": OWNER, "type": "Organization"},
        "clone_url": clone_url,
        "default_branch": "main",
    }


def issue(number: int = ISSUE) -> dict[str, Any]:
    return {"number": number, "title": "Greeting is misspelled", "body": "greet() says Helo.", "state": "open", "html_url": "x"}


def labeled(clone_url: str, sender: str, label: str = "orch", number: int = ISSUE) -> dict[str, Any]:
    return {
        "action": "labeled",
        "label": {"name": label},
        "issue": issue(number),
        "repository": repository(clone_url),
        "installation": {"id": 1},
        "sender": {"login": sender, "type": "User"},
    }


def commented(clone_url: str, sender: str, body: str, association: str, number: int = ISSUE) -> dict[str, Any]:
    return {
        "action": "created",
        "comment": {"body": body, "author_association": association, "user": {"login": sender}},
        "issue": issue(number),
        "repository": repository(clone_url),
        "installation": {"id": 1},
        "sender": {"login": sender, "type": "User"},
    }


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Maintainer", "-c", "user.email=m@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def upstream_branches(git_root: Path) -> list[str]:
    out = git("for-each-ref", "--format=%(refname:short)", "refs/heads", cwd=git_root / OWNER / f"{REPO}.git")
    return sorted(out.split())


def upstream_file(git_root: Path, rev: str, path: str) -> str:
    return git("show", f"{rev}:{path}", cwd=git_root / OWNER / f"{REPO}.git")


def seed_bare_repo(git_root: Path, files: Path, owner: str = OWNER, repo: str = REPO) -> Path:
    """A bare repository `owner/repo.git` under git_root whose main branch holds a copy of `files`."""
    import shutil

    bare = git_root / owner / f"{repo}.git"
    bare.mkdir(parents=True)
    git("init", "--quiet", "--bare", "--initial-branch=main", cwd=bare)
    work = git_root.parent / f"seed-{repo}"
    shutil.copytree(files, work, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "seed", cwd=work)
    git("push", "--quiet", str(bare), "main", cwd=work)
    return bare
