"""A PostgreSQL server for the Postgres checkpointer tests: the one ORCH_TEST_POSTGRES_URI names
(CI starts one with scripts/postgres and exports it), or a private cluster started here through
scripts/postgres/postgres-server.sh on a free loopback port, in a temporary state directory,
and stopped when the context exits. When neither works, `require_service` skips the test
locally and fails it in CI.
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

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres" / "postgres-server.sh"
URI_ENV = "ORCH_TEST_POSTGRES_URI"
# initdb plus a start takes ~5 s; a busy 2-core machine can take several times that.
START_TIMEOUT_S = 180


def _free_loopback_port() -> int:
    # Free when closed; a process taking it before the server binds fails the start loudly.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reachable(uri: str) -> str | None:
    """None when `uri` accepts a connection, else why not (one line)."""
    import psycopg

    try:
        with psycopg.connect(uri, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return " ".join(str(exc).strip().splitlines()[0].split())
    return None


def _script(command: str, state_dir: Path, port: int) -> str:
    env = dict(os.environ, ORCH_POSTGRES_STATE_DIR=str(state_dir), ORCH_POSTGRES_PORT=str(port))
    done = subprocess.run(["bash", str(SCRIPT), command], env=env, capture_output=True, text=True,
                          timeout=START_TIMEOUT_S, check=True)
    return done.stdout.strip()


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URI of a reachable PostgreSQL; stops the server afterwards only if it started it."""
    from tests.conftest import require_service

    given = os.environ.get(URI_ENV)
    if given:
        why = _reachable(given)
        if why:
            require_service("PostgreSQL", f"{URI_ENV} is set but not reachable: {why}")
        yield given
        return

    state_dir = Path(tempfile.mkdtemp(prefix="orch-postgres-"))
    port = _free_loopback_port()
    try:
        try:
            uri = _script("start", state_dir, port)
            why = None
        except subprocess.CalledProcessError as exc:
            why = "\n".join(exc.stderr.strip().splitlines()[-10:])
        except subprocess.TimeoutExpired:
            why = f"start took over {START_TIMEOUT_S}s"
        if why is not None:
            # Outside the except blocks, so the report shows the reason, not a chained traceback.
            require_service("PostgreSQL", f"{URI_ENV} is not set and {SCRIPT.name} start failed: {why}")
        yield uri
    finally:
        # Also reaps a server whose start timed out; a no-op when none is running.
        try:
            _script("stop", state_dir, port)
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
