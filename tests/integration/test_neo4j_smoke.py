"""A real Neo4j over Bolt: the server from scripts/neo4j (or NEO4J_URI) speaks to the official driver."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError
from support.neo4j_server import Neo4jCredentials, neo4j_server

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="session")
def neo4j_credentials() -> Iterator[Neo4jCredentials]:
    with neo4j_server() as credentials:
        yield credentials


def test_node_written_over_bolt_reads_back(neo4j_credentials: Neo4jCredentials) -> None:
    uri, user, password = neo4j_credentials
    # A unique token keeps this test independent of whatever else a shared server holds.
    token = uuid.uuid4().hex
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        driver.execute_query("CREATE (:OrchSmoke {token: $token, n: 42})", token=token)
        try:
            records, _, _ = driver.execute_query(
                "MATCH (s:OrchSmoke {token: $token}) RETURN s.token AS token, s.n AS n",
                token=token,
            )
            assert [(r["token"], r["n"]) for r in records] == [(token, 42)]
        finally:
            driver.execute_query("MATCH (s:OrchSmoke {token: $token}) DELETE s", token=token)


def test_wrong_password_is_refused(neo4j_credentials: Neo4jCredentials) -> None:
    uri, user, password = neo4j_credentials
    # One failed attempt only: Neo4j locks the user for a few seconds after three.
    with (
        GraphDatabase.driver(uri, auth=(user, password + "-wrong")) as driver,
        pytest.raises(AuthError),
    ):
        driver.verify_connectivity()
