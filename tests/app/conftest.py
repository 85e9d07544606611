"""Fixtures for the GitHub App: a throwaway App key, a bare upstream repository, the fake API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from app_harness import APP_ID, ISSUE, OWNER, REPO, AppProcess, seed_bare_repo
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_github import FakeGitHub, ServerThread

GREET = 'def greet(name):\n    return "Helo, " + name\n'
TEST = 'from greet import greet\n\n\ndef test_hello():\n    assert greet("you") == "Hello, you"\n'


@pytest.fixture(scope="session")
def app_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """(private key PEM file, public key PEM) of a throwaway RSA key for the App's JWTs."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("app-key") / "app.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return path, public


@pytest.fixture
def git_root(tmp_path: Path) -> Path:
    """Bare repositories served over HTTP by the fake; octo/demo has a seeded greeting typo."""
    files = tmp_path / "files"
    (files / "tests").mkdir(parents=True)
    (files / "greet.py").write_text(GREET)
    (files / "tests" / "test_greet.py").write_text(TEST)
    # Lower than app.issue_cost_usd (2.0): the repository may tighten the cap, never loosen it.
    (files / ".orch.yml").write_text("issue_cost_usd: 1.5\n")
    seed_bare_repo(tmp_path / "git", files)
    return tmp_path / "git"


@pytest.fixture
def fake_github(git_root: Path, app_key: tuple[Path, bytes]) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=app_key[1], git_root=git_root)
    fake.permissions.update({"maintainer": "write", "drive-by": "read"})
    server = ServerThread(fake.asgi())
    fake.base_url = server.url
    fake.add_issue(OWNER, REPO, ISSUE, "Greeting is misspelled", "greet() says Helo.", ["orch"])
    with server:
        yield fake


@pytest.fixture
def start_app(tmp_path: Path, fake_github: FakeGitHub, app_key: tuple[Path, bytes]) -> Iterator[Callable[..., AppProcess]]:
    """Starts `orch app serve` against the fake with a stand-in solver; stops every one at teardown."""
    started: list[AppProcess] = []

    def start(solver: str = "stand_in_solver:stand_in_fix", timeout: float = 30.0, **env: str) -> AppProcess:
        proc = AppProcess(tmp_path / "state", fake_github.base_url, APP_ID, app_key[0], solver, env).start(timeout)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()

