"""The database schema, created on first use. Every statement is `IF NOT EXISTS`, so setting it
up twice (or from many workers at once) changes nothing.

Labels (all scoped by a `repo` key, so repositories never collide):
- `Blob {key: repo|sha}`: one file content's extracted facts (`syms`, its definitions, and `refs`,
  each marshalled and compressed), parsed once, and its symbols' searchable columns (what
  full-text search counts in);
- `Code {uid: unit|id}` plus a kind label (`Repository`, `Directory`, `File`): a node's
  properties as one file content at one path shows them. A *unit* is a file content at a path
  (or a directory, or the repository); units are shared by every commit that contains them.
  Modules and definitions have no `Code` node: their properties are a function of the file's
  content and path, built by the client from the `Blob`'s `syms` (`nodesource`);
- `Sym {key: repo|id}`: the stable anchor of an id; CONTAINS/DEFINES/IMPORTS/CALLS/INHERITS/
  REFERENCES/TESTS relationships join anchors and carry `g`, the group (one unit's out-edges under
  one resolution) they belong to, and `line`;
- `Unit`/`Group {key}`: completion markers, written after their nodes/relationships, so an
  interrupted index knows what to redo;
- `Res {key}`: one file unit's resolution: the reads it made of the rest of its view (packed
  keys), a digest of their answers, and its group; a later view whose answers match reuses the
  group without resolving the file (`graph_index.dependencies`);
- `View {key}`: the units and groups of one tree; `Commit {key: repo|sha}` points at a view.
"""

from __future__ import annotations

from graph_index.models import EdgeKind

FULLTEXT_INDEX = "orch_blob_tokens"
FULLTEXT_PROPERTY = "t_set"
"""Lucene only finds candidates, so it indexes one field per file content (`Blob`): the distinct
tokens of its symbols' four searchable columns (`t_set`, see `units.search_props`); the
searching process counts phrase instances in each candidate's symbols' columns, kept on the
`Blob` (`search.SearchColumns`). One
document per definition (`Code` nodes carrying `t_set` and the columns, `orch_code_tokens`) cost
sympy's first index ~2.6 s more server CPU (6 alternated pairs: means 11.0 vs 13.5 s and 8.6 vs
11.3 s); four fields with every repeat ~2 s more again.

The index is eventually consistent: Lucene is updated by a background thread after each commit
instead of inside it, so its upkeep leaves the writers' commit path (sympy's first index: the
`Code` node writes ~3.5 s -> ~2.8 s of server CPU). Indexing waits for it once at the end
(`Writer.await_search`), so what `index()` wrote is searchable when it returns."""
RETIRED = ("orch_code_text", "orch_code_terms", "orch_code_tokens", "orch_code_sname", "orch_code_squal",
           *(f"orch_rel_{kind.value.lower()}_g" for kind in EdgeKind))
"""Indexes earlier versions created and nothing reads any more (dropping them is idempotent);
`orch_code_terms` was the full-text index when it was updated inside each commit (index options
cannot change in place, so the index changed its name), `orch_code_tokens` the one over `Code`
nodes (one document per definition); `orch_rel_*_g` indexed each
relationship's group for deletes, which find them from the anchors instead (`Writer.delete_relationships`);
`orch_code_sname`/`orch_code_squal` found definitions by name when they had `Code` nodes (lookups
go through the anchors' `orch_sym_name` now)."""

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT orch_code_uid IF NOT EXISTS FOR (n:Code) REQUIRE n.uid IS UNIQUE",
    "CREATE CONSTRAINT orch_sym_key IF NOT EXISTS FOR (n:Sym) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT orch_blob_key IF NOT EXISTS FOR (n:Blob) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT orch_unit_key IF NOT EXISTS FOR (n:Unit) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT orch_group_key IF NOT EXISTS FOR (n:Group) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT orch_view_key IF NOT EXISTS FOR (n:View) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT orch_commit_key IF NOT EXISTS FOR (n:Commit) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT orch_res_key IF NOT EXISTS FOR (n:Res) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX orch_res_unit IF NOT EXISTS FOR (n:Res) ON (n.unit)",
    "CREATE INDEX orch_res_group IF NOT EXISTS FOR (n:Res) ON (n.group)",
    "CREATE INDEX orch_res_repo IF NOT EXISTS FOR (n:Res) ON (n.repo)",
    "CREATE INDEX orch_code_unit IF NOT EXISTS FOR (n:Code) ON (n.unit)",
    "CREATE INDEX orch_code_repo IF NOT EXISTS FOR (n:Code) ON (n.repo)",
    "CREATE INDEX orch_sym_repo IF NOT EXISTS FOR (n:Sym) ON (n.repo)",
    "CREATE INDEX orch_sym_name IF NOT EXISTS FOR (n:Sym) ON (n.name)",
    "CREATE INDEX orch_blob_repo IF NOT EXISTS FOR (n:Blob) ON (n.repo)",
    "CREATE INDEX orch_unit_repo IF NOT EXISTS FOR (n:Unit) ON (n.repo)",
    "CREATE INDEX orch_group_repo IF NOT EXISTS FOR (n:Group) ON (n.repo)",
    "CREATE INDEX orch_view_repo IF NOT EXISTS FOR (n:View) ON (n.repo)",
    "CREATE INDEX orch_view_tree IF NOT EXISTS FOR (n:View) ON (n.tree)",
    "CREATE INDEX orch_commit_repo IF NOT EXISTS FOR (n:Commit) ON (n.repo)",
    *(f"DROP INDEX {name} IF EXISTS" for name in RETIRED),
    # Pre-tokenized text (see fts.tokenize) with the whitespace analyzer, so Lucene's terms are
    # exactly the tokens the shared BM25 scorer counts.
    f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:Blob) ON EACH [n.{FULLTEXT_PROPERTY}] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace', `fulltext.eventually_consistent`: true}}",
)


def ensure_schema(run) -> None:
    """Create constraints and indexes that are missing, then wait until they are online."""
    for statement in STATEMENTS:
        run(statement)
    run("CALL db.awaitIndexes(300)")
