"""The Postgres checkpoint store against a real server: shared by many workers, and refusing
cleanly when the configured role may not create its tables."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from orchestrator.config import load_settings
from orchestrator.workflow.checkpointers import CheckpointerConfigError, open_checkpointer


@pytest.fixture
def fresh_database(postgres_uri: str):
    """A new, empty database (so the checkpoint tables do not exist yet); dropped afterwards."""
    name = f"orch_test_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_uri, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(postgres_uri, dbname=name)
    with psycopg.connect(postgres_uri, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def postgres_settings(dsn: str):
    return load_settings(env={}, overrides={"workflow.checkpointer": "postgres", "workflow.postgres_dsn": dsn}).settings


def test_workers_opening_a_new_store_at_once_all_get_it(tmp_path: Path, fresh_database: str) -> None:
    settings = postgres_settings(fresh_database)

    def open_one(_: int) -> str:
        with ExitStack() as stack:
            saver = open_checkpointer(settings, tmp_path, stack)
            return type(saver).__name__

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(open_one, range(8))) == ["PostgresSaver"] * 8
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT count(*) FROM checkpoint_migrations").fetchone()[0] > 0


def test_a_role_that_may_not_create_tables_is_a_configuration_error(tmp_path: Path, fresh_database: str,
                                                                     postgres_uri: str) -> None:
    role, password = f"orch_ro_{secrets.token_hex(3)}", "ro-password"
    with psycopg.connect(postgres_uri, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        # Since PostgreSQL 15 only the database owner may create tables in schema public.
        dsn = make_conninfo(fresh_database, user=role, password=password)
        with ExitStack() as stack, pytest.raises(CheckpointerConfigError) as err:
            open_checkpointer(postgres_settings(dsn), tmp_path, stack)
        message = str(err.value)
        assert message.startswith("cannot set up the checkpoint tables in postgres ")
        assert "permission denied" in message and "\n" not in message
    finally:
        with psycopg.connect(postgres_uri, autocommit=True) as admin:
            admin.execute(f"DROP ROLE {role}")
