"""The read-only Cypher passthrough's guard: agents may write graph queries (the CodexGraph
idea), never graph updates. A lexical check refuses write clauses with a clear message; the
query then runs in a read transaction, which the server itself refuses to let write."""

from __future__ import annotations

import re

from graph_index.errors import GraphStoreError

_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`")
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_WRITE = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|FOREACH|LOAD\s+CSV|IN\s+TRANSACTIONS|"
    r"GRANT|DENY|REVOKE|ALTER|RENAME|START\s+DATABASE|STOP\s+DATABASE)\b",
    re.I,
)
_PROCEDURE = re.compile(r"\bCALL\s+([A-Za-z_][\w.]*)", re.I)
READ_PROCEDURES = ("db.index.fulltext.querynodes", "db.labels", "db.relationshiptypes", "db.propertykeys",
                   "db.schema.visualization", "db.schema.nodetypeproperties", "db.schema.reltypeproperties")


class WriteQueryRefused(GraphStoreError):
    """A passthrough query contains a clause that could change the graph."""


def check_read_only(query: str) -> None:
    """Raise `WriteQueryRefused` when `query` could write; string literals and comments are ignored."""
    code = _STRINGS.sub("''", _COMMENTS.sub(" ", query))
    match = _WRITE.search(code)
    if match:
        clause = " ".join(match.group(1).upper().split())
        raise WriteQueryRefused(f"the graph is read-only here: {clause} is a write clause; use MATCH ... RETURN")
    for proc in _PROCEDURE.findall(code):
        if proc.lower() not in READ_PROCEDURES:
            raise WriteQueryRefused(
                f"the graph is read-only here: procedure {proc} is not allowed (allowed: {', '.join(READ_PROCEDURES)})"
            )
