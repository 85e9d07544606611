"""A Neo4j server for integration tests: the one named by NEO4J_URI, or one started here.

With NEO4J_URI set (CI starts a server once and exports it), its credentials come from
NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD. Otherwise a private server is started through
scripts/neo4j/neo4j-server.sh on a free loopback port, in a temporary state directory, and
stopped when the context exits. When neither works the test is skipped, or fails when
ORCH_REQUIRE_SERVICES=1, because CI must never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple, NoReturn

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "neo4j" / "neo4j-server.sh"
DEFAULT_USER = "neo4j"
DEFAULT_PASSWORD = "orch-test-password"
# Covers a first build (Maven downloads ~125 MB) plus a cold start on a busy 2-core machine.
START_TIMEOUT_S = 900


class Neo4jCredentials(NamedTuple):
    uri: str
    user: str
    password: str


def credentials_from_env() -> Neo4jCredentials | None:
    """The server named by NEO4J_URI, if any."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        return None
    return Neo4jCredentials(
        uri=uri,
        user=os.environ.get("NEO4J_USER") or DEFAULT_USER,
        password=os.environ.get("NEO4J_PASSWORD") or DEFAULT_PASSWORD,
    )


def free_loopback_port() -> int:
    # The port is free when we close the socket; another process could still take it before
    # Neo4j binds, which then fails the start loudly rather than silently sharing a server.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unavailable(why: str) -> NoReturn:
    """Skip locally; fail when CI requires services."""
    message = f"Neo4j unavailable: {why}"
    if os.environ.get("ORCH_REQUIRE_SERVICES") == "1":
        pytest.fail(
            f"{message} (ORCH_REQUIRE_SERVICES=1, so this is a failure, not a skip)", pytrace=False
        )
    pytest.skip(message)


def _script(command: str, state_dir: Path, port: int, password: str) -> str:
    env = dict(
        os.environ,
        ORCH_NEO4J_STATE_DIR=str(state_dir),
        ORCH_NEO4J_PORT=str(port),
        ORCH_NEO4J_PASSWORD=password,
    )
    done = subprocess.run(
        ["bash", str(SCRIPT), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=True,
    )
    return done.stdout.strip()


def _start(state_dir: Path, port: int, password: str) -> str:
    """The server's Bolt URI; skips or fails the test when it cannot be started."""
    try:
        return _script("start", state_dir, port, password)
    except subprocess.CalledProcessError as exc:
        tail = "\n".join(exc.stderr.strip().splitlines()[-15:])
        why = f"NEO4J_URI is not set and {SCRIPT.name} start failed:\n{tail}"
    except subprocess.TimeoutExpired:
        why = f"NEO4J_URI is not set and {SCRIPT.name} start took over {START_TIMEOUT_S}s"
    # Outside the except blocks, so the report shows the reason, not a chained traceback.
    unavailable(why)


@contextmanager
def neo4j_server() -> Iterator[Neo4jCredentials]:
    """Credentials of a reachable Neo4j; stops the server afterwards only if it started it."""
    from_env = credentials_from_env()
    if from_env is not None:
        yield from_env
        return

    if shutil.which("java") is None:
        unavailable("NEO4J_URI is not set and java is not installed to run scripts/neo4j")
    state_dir = Path(tempfile.mkdtemp(prefix="orch-neo4j-"))
    port = free_loopback_port()
    password = os.environ.get("ORCH_NEO4J_PASSWORD") or DEFAULT_PASSWORD
    try:
        uri = _start(state_dir, port, password)
        yield Neo4jCredentials(uri=uri, user=DEFAULT_USER, password=password)
    finally:
        # Also reaps a server whose start timed out; a no-op when none is running.
        try:
            _script("stop", state_dir, port, password)
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
