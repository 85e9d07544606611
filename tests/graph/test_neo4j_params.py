"""Query parameters: list parameters reach the server as lists, and the driver's debug line
(formatted for every RUN whether or not debug logging is on) does not repr them row by row."""

from __future__ import annotations

import pytest

from graph_index.config import Neo4jSettings
from graph_index.neo4j_backend.connection import Connection, Quiet, quiet

pytestmark = pytest.mark.neo4j


def test_quiet_lists_repr_short_and_only_lists_are_wrapped() -> None:
    rows = [{"text": "x" * 1000} for _ in range(100)]
    assert repr(Quiet(rows)) == "<100 items>"
    params = quiet({"rows": rows, "n": 3, "name": "a"})
    assert isinstance(params["rows"], Quiet) and params["rows"] == rows
    assert params["n"] == 3 and params["name"] == "a"


def test_quiet_lists_reach_the_server_as_lists(neo4j_server) -> None:
    uri, user, password = neo4j_server
    conn = Connection(Neo4jSettings(uri=uri, user=user, password=password))
    try:
        rows = [[i, f"s{i}", {"k": [i, i + 1]}] for i in range(50)]
        got = conn.values("UNWIND $rows AS r RETURN r[0], r[1], r[2].k", rows=rows)
        assert got == [[i, f"s{i}", [i, i + 1]] for i in range(50)]
        nested = conn.values("RETURN $rows AS r", rows=Quiet([Quiet([1, 2]), [3]]))
        assert nested == [[[[1, 2], [3]]]]
    finally:
        conn.close()
