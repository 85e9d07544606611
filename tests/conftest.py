"""Shared test policy: service-backed tests skip locally but fail in CI.

CI sets ORCH_REQUIRE_SERVICES=1. Then a missing Docker engine or Neo4j server fails the run, and
any other skip is turned into a failure too, because a skipped test proves nothing.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("ORCH_REQUIRE_SERVICES") == "1"

# Fixture repositories contain test files of their own; they are data, not part of this suite.
collect_ignore_glob = ["fixtures/*"]


def require_service(name: str, why: str) -> None:
    """Call when a service is unavailable: skip locally, fail when CI requires services."""
    message = f"{name} unavailable: {why}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (ORCH_REQUIRE_SERVICES=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def docker_client():
    """A connected docker SDK client, or skip/fail naming why Docker is unavailable."""
    import docker

    try:
        client = docker.from_env(timeout=10)
        client.ping()
    except Exception as exc:  # any failure to reach the engine means "no Docker" here
        require_service("Docker engine", f"{type(exc).__name__}: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def neo4j_server():
    """(uri, user, password) of a real Neo4j for the whole session: the server NEO4J_URI names, or
    a private one started on loopback by scripts/neo4j (skips locally / fails in CI without one)."""
    from support.neo4j_server import neo4j_server as serve

    with serve() as credentials:
        yield credentials


@pytest.fixture(scope="session")
def postgres_uri():
    """URI of a real PostgreSQL for the whole session: the server ORCH_TEST_POSTGRES_URI names, or
    a private cluster started on loopback by scripts/postgres (skips locally / fails in CI without one)."""
    from support.postgres_server import postgres_server

    with postgres_server() as uri:
        yield uri


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under ORCH_REQUIRE_SERVICES=1, which counts as a failure: {report.longrepr}"
