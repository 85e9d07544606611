"""The shared full-text scorer equals SQLite FTS5's bm25 (what the embedded store ranks with),
and the Cypher passthrough's guard refuses writes. Pure: no server."""

from __future__ import annotations

import sqlite3

import pytest

from graph_index.neo4j_backend import fts
from graph_index.neo4j_backend.readonly import WriteQueryRefused, check_read_only

DOCS = [
    ("save", "Base.save", "Save x to the store.", "save self store write_all data"),
    ("load", "Base.load", "Load data back; data is JSON.", "load self data json parse data"),
    ("MatrixSymbol", "MatrixSymbol", "A symbolic matrix. Déterminant aware.", "matrix symbol shape rows cols"),
    ("helper", "helper", "", "helper inner n n n"),
    ("", "", "Module docstring about data stores.", "Module docstring about data stores."),
    ("det", "Matrix.det", "Determinant of a matrix.", "det matrix bareiss berkowitz lu self self"),
]
QUERIES = [
    ["data"], ["save", "data"], ["matrix", "determinant"], ["write", "all"], ["write_all"],
    ["json", "parse", "nothing"], ["self"], ["n"], ["determinant"], ["matrixsymbol"],
]


def _fts5(query_terms: list[str]) -> dict[int, float]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(name, qualname, doc, body, content='', tokenize='unicode61')")
    db.executemany("INSERT INTO t(rowid, name, qualname, doc, body) VALUES (?, ?, ?, ?, ?)",
                   [(i, *d) for i, d in enumerate(DOCS)])
    match = " OR ".join(f'"{t}"' for t in query_terms)
    rows = db.execute("SELECT rowid, bm25(t, 10.0, 4.0, 2.0, 1.0) FROM t WHERE t MATCH ?", (match,)).fetchall()
    return {rowid: -score for rowid, score in rows}


@pytest.mark.parametrize("terms", QUERIES, ids=["-".join(q) for q in QUERIES])
def test_bm25_equals_sqlite_fts5_bit_for_bit(terms: list[str]) -> None:
    docs = [fts.Document((i,), tuple(fts.tokenize(c) for c in d)) for i, d in enumerate(DOCS)]
    n_tokens = sum(d.length for d in docs)
    ours = fts.bm25(docs, [fts.tokenize(t) for t in terms], len(docs), n_tokens)
    assert {k[0]: v for k, v in ours.items()} == _fts5(terms)


def test_server_side_instance_counts_match_token_counts() -> None:
    column = fts.column_text("data data, more data_data; Data")
    assert column == " data  data  more  data  data  data "
    assert fts.instances(column, ["data"]) == 5
    assert fts.instances(column, ["data", "data"]) == 2  # non-overlapping, as Cypher's split counts
    assert fts.instances(column, ["more", "data"]) == 1
    assert fts.tokenize("Déjà vu_2x") == ["deja", "vu", "2x"]


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n:X)",
        "MATCH (n) SET n.x = 1",
        "match (n) detach delete n",
        "MATCH (n) REMOVE n.x",
        "MERGE (n:Code {uid: 'x'})",
        "LOAD CSV FROM 'file:///x' AS row RETURN row",
        "CALL dbms.killQueries(['x'])",
        "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})",
        "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS",
        "DROP INDEX orch_code_unit",
        "MATCH (n) FOREACH (x IN [1] | SET n.y = x)",
    ],
)
def test_write_queries_are_refused(query: str) -> None:
    with pytest.raises(WriteQueryRefused, match="read-only"):
        check_read_only(query)


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (s:Sym {repo: $repo})-[:CALLS]->(t) RETURN s.id, t.id LIMIT 5",
        "MATCH (n:Code) WHERE n.docstring CONTAINS 'create' RETURN n.id",  # a literal, not a clause
        "MATCH (n:Code {name: 'delete'}) RETURN n.id // SET in a comment",
        "CALL db.index.fulltext.queryNodes('orch_code_text', 'save') YIELD node RETURN node.id",
        "MATCH (n:Code) WITH n.kind AS kind, count(*) AS c RETURN kind, c",
        "MATCH (n:`CREATE`) RETURN n",
    ],
)
def test_read_queries_pass_the_guard(query: str) -> None:
    check_read_only(query)
