"""Opens the LangGraph checkpointer a run persists to: SQLite in the run directory by default,
Postgres (a shared store, e.g. for Ray workers on several machines) when configured.

A store that cannot be used ends the run with one clear line: CheckpointerConfigError when the
configuration is wrong (no DSN, a malformed one, credentials or database the server rejects,
the extra not installed), InfraError when the server cannot be reached (it may come back, so
the run stays resumable).
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from orchestrator.records.model import CHECKPOINTS
from orchestrator.workflow.services import InfraError
from orchestrator.workflow.state import CHECKPOINT_TYPES

if TYPE_CHECKING:
    from orchestrator.config import OrchSettings

# libpq waits forever for a host that drops packets; a run should say so instead.
CONNECT_TIMEOUT_S = 10
# pg_advisory_lock key serializing checkpoint table setup ("orch" in ASCII).
SETUP_LOCK_ID = 0x6F726368
SETUP_LOCK_TIMEOUT_S = 120


class CheckpointerConfigError(Exception):
    """The configured checkpoint store cannot be used as configured."""


def open_checkpointer(settings: OrchSettings, run_dir: Path, stack: ExitStack) -> Any:
    """A checkpointer whose connection `stack` closes."""
    serde = JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)
    if settings.workflow.checkpointer == "postgres":
        return _postgres(settings.workflow.postgres_dsn, serde, stack)
    conn = sqlite3.connect(run_dir / CHECKPOINTS, check_same_thread=False)
    stack.callback(conn.close)
    # WAL with synchronous=NORMAL: a commit survives the process being killed (what resume is
    # for) without an fsync per checkpoint; only a host crash can lose the last few.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return SqliteSaver(conn, serde=serde)


def describe(settings: OrchSettings, run_dir: Path) -> str:
    """Where the run's checkpoints are, for messages (never shows a password)."""
    if settings.workflow.checkpointer == "postgres":
        return postgres_target(settings.workflow.postgres_dsn or "")
    return str(run_dir / CHECKPOINTS)


def postgres_target(dsn: str) -> str:
    """`postgres orch@127.0.0.1:55432/orch` from a DSN in URI or key=value form."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(dsn)
    except Exception:
        return "postgres (workflow.postgres_dsn)"
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgres {user}{params.get('host', 'localhost')}{port}/{params.get('dbname', '')}"


def _postgres(dsn: str | None, serde: JsonPlusSerializer, stack: ExitStack) -> Any:
    if not dsn:
        raise CheckpointerConfigError("workflow.checkpointer is postgres but workflow.postgres_dsn is not set")
    try:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
    except ImportError:
        raise CheckpointerConfigError(
            "workflow.checkpointer postgres needs the postgres extra: pip install 'orch[postgres]'"
        ) from None
    target = postgres_target(dsn)
    try:
        conninfo = psycopg.conninfo.make_conninfo(dsn)
        if "connect_timeout" not in psycopg.conninfo.conninfo_to_dict(conninfo):
            conninfo = psycopg.conninfo.make_conninfo(conninfo, connect_timeout=CONNECT_TIMEOUT_S)
        # The connection PostgresSaver.from_conn_string would open, but with our serializer.
        conn = stack.enter_context(
            psycopg.Connection.connect(conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row)
        )
    except psycopg.ProgrammingError as exc:
        raise CheckpointerConfigError(f"workflow.postgres_dsn is not a valid connection string: {_one_line(exc)}") from None
    except psycopg.OperationalError as exc:
        raise _connection_error(target, exc) from None
    saver = PostgresSaver(conn, serde=serde)
    try:
        # Creates or migrates the checkpoint tables. Many workers starting at once against one
        # store would race on CREATE TABLE, so they take turns (a lock held only for this).
        _take_setup_lock(conn, target)
        try:
            saver.setup()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_ID,))
    except psycopg.OperationalError as exc:
        raise _connection_error(target, exc) from None
    except psycopg.Error as exc:  # e.g. no privilege to create the tables
        raise CheckpointerConfigError(f"cannot set up the checkpoint tables in {target}: {_one_line(exc)}") from None
    return saver


def _take_setup_lock(conn: Any, target: str) -> None:
    # Polled, not pg_advisory_lock: a session blocked in that call is an open transaction, and
    # setup's CREATE INDEX CONCURRENTLY waits for every open transaction: a deadlock.
    deadline = time.monotonic() + SETUP_LOCK_TIMEOUT_S
    while not conn.execute("SELECT pg_try_advisory_lock(%s) AS taken", (SETUP_LOCK_ID,)).fetchone()["taken"]:
        if time.monotonic() > deadline:
            raise InfraError(f"checkpoint tables in {target} still being set up by another worker "
                             f"after {SETUP_LOCK_TIMEOUT_S}s")
        time.sleep(0.05)


def _connection_error(target: str, exc: Exception) -> Exception:
    text = _one_line(exc)
    message = f"cannot use the checkpoint store {target}: {text}"
    # The server answered and refused (password, user, database): a configuration error.
    # No answer at all (refused, timed out, unknown host): the store is down, retry later.
    if "FATAL:" in text or "fe_sendauth" in text:
        return CheckpointerConfigError(message)
    return InfraError(message)


def _one_line(exc: Exception) -> str:
    # libpq adds hints on further lines ("Is the server running on that host ...?").
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    return " ".join(lines[0].split())
