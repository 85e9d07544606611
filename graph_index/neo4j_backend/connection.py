"""One driver per graph: the official `neo4j` driver over Bolt, its own connection pool, managed
transactions that retry transient errors, and every connection failure turned into one line
naming the URI and what failed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase, Query
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_index.config import Neo4jSettings
from graph_index.errors import GraphStoreError

T = TypeVar("T")

CONNECT_TIMEOUT_S = 10.0
"""Fail fast on a closed port or a wrong host rather than hanging a worker."""
RETRY_TIME_S = 30.0
"""How long managed transactions keep retrying transient errors (deadlocks, leader changes)."""
FIRST_RETRY_S = 0.05
"""The first retry's delay (then doubled each time, as the driver does): the transient error
indexing meets is a deadlock between its two writer threads creating relationships at one
dense node, over as soon as the other transaction commits; the driver's default 1 s wait cost
sympy's first index ~1 s (~0.25x of its ratio to the embedded store) each time one occurred."""


class Quiet(list):
    """A query parameter list the driver packs as any list, with a short repr: the driver formats
    a debug line holding repr() of every RUN's parameters whether or not debug logging is on,
    which for a 2,000-row batch cost the client more CPU than packing it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} items>"


def quiet(params: dict[str, Any]) -> dict[str, Any]:
    """`params` with every list parameter a `Quiet` one."""
    return {k: Quiet(v) if isinstance(v, list) else v for k, v in params.items()}


def connection_error(uri: str, exc: BaseException) -> GraphStoreError:
    """One actionable line for a failure to reach or log in to the server."""
    if isinstance(exc, AuthError):
        what = "authentication failed (check graph.neo4j.user / graph.neo4j.password)"
    elif isinstance(exc, ServiceUnavailable):
        what = f"server unreachable ({_first_line(exc)})"
    else:
        what = f"{type(exc).__name__}: {_first_line(exc)}"
    return GraphStoreError(f"cannot use Neo4j at {uri}: {what}")


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


class Connection:
    """A pooled driver bound to one database; reads and writes run as managed transactions."""

    def __init__(self, settings: Neo4jSettings) -> None:
        self.uri = settings.uri
        self.database = settings.database
        try:
            self.driver = GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                connection_timeout=CONNECT_TIMEOUT_S,
                max_transaction_retry_time=RETRY_TIME_S,
                initial_retry_delay=FIRST_RETRY_S,
                max_connection_pool_size=16,
                # Our own queries name properties an empty database has not seen yet.
                notifications_min_severity="OFF",
            )
            self.driver.verify_connectivity()
        except (DriverError, Neo4jError, ValueError, OSError) as exc:
            self._close_quietly()
            raise connection_error(settings.uri, exc) from None

    def _close_quietly(self) -> None:
        driver = getattr(self, "driver", None)
        if driver is not None:
            # Closing a driver that never connected must not mask why it did not.
            with contextlib.suppress(Exception):
                driver.close()

    def close(self) -> None:
        self.driver.close()

    def _session(self) -> neo4j.Session:
        return self.driver.session(database=self.database)

    def write(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run `work` in a write transaction, retried on transient errors."""
        return self._run("write", work)

    def read(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run `work` in a read transaction, retried on transient errors."""
        return self._run("read", work)

    def _run(self, mode: str, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        try:
            with self._session() as session:
                run = session.execute_write if mode == "write" else session.execute_read
                return run(work)
        except (ServiceUnavailable, AuthError) as exc:
            raise connection_error(self.uri, exc) from None
        except ClientError as exc:
            raise GraphStoreError(f"Neo4j at {self.uri} refused a query: {exc.code}: {_first_line(exc)}") from None

    def rows(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        """All rows of a read query, as dicts."""
        return self._auto(cypher, params, lambda r: r.data())

    def values(self, cypher: str, **params: Any) -> list[list[Any]]:
        """All rows of a read query, as value lists (cheaper than dicts for big results)."""
        return self._auto(cypher, params, lambda r: r.values())

    def _auto(self, cypher: str, params: dict[str, Any], convert: Callable[[neo4j.Record], T]) -> list[T]:
        """One read query as an auto-commit transaction: one round trip where a managed
        transaction needs three (BEGIN, RUN, COMMIT), which halves small lookups (~0.7 ms vs
        ~1.9 ms a query). Reads are idempotent, so a transient failure falls back to a managed
        transaction, which retries."""
        try:
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                return [convert(r) for r in session.run(Query(cypher), quiet(params))]  # type: ignore[arg-type]
        except (TransientError, SessionExpired):
            return self.read(lambda tx: [convert(r) for r in tx.run(cypher, quiet(params))])
        except (ServiceUnavailable, AuthError) as exc:
            raise connection_error(self.uri, exc) from None
        except ClientError as exc:
            raise GraphStoreError(f"Neo4j at {self.uri} refused a query: {exc.code}: {_first_line(exc)}") from None

    def execute(self, cypher: str, **params: Any) -> None:
        """One write statement in its own transaction."""
        self.write(lambda tx: tx.run(cypher, quiet(params)).consume())

    def run_in_transactions(self, cypher: str, **params: Any) -> None:
        """A statement with `CALL { ... } IN TRANSACTIONS`, which commits as it goes and so must
        run in an auto-commit transaction (not retried: use it for idempotent work)."""
        try:
            with self._session() as session:
                session.run(Query(cypher), quiet(params)).consume()  # type: ignore[arg-type]
        except (ServiceUnavailable, AuthError) as exc:
            raise connection_error(self.uri, exc) from None
        except ClientError as exc:
            raise GraphStoreError(f"Neo4j at {self.uri} refused a query: {exc.code}: {_first_line(exc)}") from None

    def schema(self, statement: str) -> None:
        """A schema statement (constraints, indexes) in an auto-commit transaction, as Neo4j requires."""
        try:
            with self._session() as session:
                session.run(Query(statement)).consume()  # type: ignore[arg-type]
        except (ServiceUnavailable, AuthError) as exc:
            raise connection_error(self.uri, exc) from None
