"""Full-text search on Neo4j: Lucene (`orch_code_terms`, over each node's distinct tokens) finds
every document holding a query token (all of a phrase's tokens: a superset of the phrase's
documents, which the counts below narrow down), the server counts each phrase's instances per column, and the shared scorer
(`fts.bm25_from_freqs`) ranks them as FTS5 would, so hits equal the embedded store's."""

from __future__ import annotations

from graph_index.embedded import query_terms
from graph_index.models import SearchHit
from graph_index.neo4j_backend import fts
from graph_index.neo4j_backend.connection import Connection
from graph_index.neo4j_backend.indexing import BoundView
from graph_index.neo4j_backend.layout import FORMAT
from graph_index.neo4j_backend.nodes import RETURN_NODE, node_from
from graph_index.neo4j_backend.schema import FULLTEXT_INDEX


def search(conn: Connection, repo: str, view: BoundView, text: str, k: int) -> list[SearchHit]:
    """BM25 over names (x10), qualified names (x4), docstrings (x2) and body identifiers; the
    statistics are those of every file content the repository's index holds (as FTS5's)."""
    terms = query_terms(text)
    if not terms or k <= 0:
        return []
    phrases = [fts.tokenize(t) for t in terms]
    clauses = {(p[0] if len(p) == 1 else "(" + " AND ".join(p) + ")") for p in phrases if p}
    if not clauses:
        return []
    live = [i for i, p in enumerate(phrases) if p]
    # One row back: the server counts each phrase's instances per column (the per-record
    # cost of the driver would otherwise dominate on thousands of candidates).
    result = conn.values(
        "CALL () { MATCH (b:Blob {repo: $repo}) WHERE b.format = $format "
        "RETURN sum(b.n_syms) AS n_docs, sum(b.ntok) AS n_tokens } "
        "CALL db.index.fulltext.queryNodes($index, $q, {limit: 100000000}) YIELD node AS n "
        "WHERE n.repo = $repo "
        # One document per file content and definition, however many commits hold it.
        "WITH n_docs, n_tokens, n.sha AS sha, n.idx AS idx, collect(n.unit) AS units, head(collect(n)) AS n "
        "WITH n_docs, n_tokens, sha, idx, units, n, ' ' + n.t_name + ' ' AS c0, ' ' + n.t_qual + ' ' AS c1, "
        "' ' + n.t_doc + ' ' AS c2, ' ' + n.t_body + ' ' AS c3 "
        "RETURN n_docs, n_tokens, collect([units, sha, idx, n.ntok, [p IN $patterns | "
        "$w[0] * (size(split(c0, p)) - 1) + $w[1] * (size(split(c1, p)) - 1) + "
        "$w[2] * (size(split(c2, p)) - 1) + $w[3] * (size(split(c3, p)) - 1)]])",
        index=FULLTEXT_INDEX, q=" OR ".join(sorted(clauses)), repo=repo, format=FORMAT,
        patterns=[fts.phrase_pattern(phrases[i]) for i in live], w=list(fts.COLUMN_WEIGHTS),
    )
    if not result:  # no candidate at all (grouped aggregation over nothing yields no row)
        return []
    n_docs, n_tokens, rows = result[0]
    freqs: dict[tuple, list[float]] = {}
    lengths: dict[tuple, int] = {}
    found: list[tuple[str, int, tuple]] = []
    units = view.units
    width = len(phrases)
    for doc_units, sha, idx, ntok, counts in rows:
        key = (sha, idx)
        if len(live) == width:
            freqs[key] = counts
        else:
            row = [0.0] * width
            for i, f in zip(live, counts, strict=True):
                row[i] = f
            freqs[key] = row
        lengths[key] = ntok
        found += [(unit, idx, key) for unit in doc_units if unit in units]
    scores = fts.bm25_from_freqs(freqs, lengths, n_docs or 0, n_tokens or 0)
    path_of = view.path_of_unit
    ranked = sorted((-scores[key], path_of[unit], idx, unit) for unit, idx, key in found if key in scores)[:k]
    if not ranked:
        return []
    nodes = {(r["unit"], r["idx"]): node_from(r["n"]) for r in conn.rows(
        f"UNWIND $rows AS r MATCH (n:Code {{unit: r[0]}}) WHERE n.idx = r[1] "
        f"RETURN n.unit AS unit, n.idx AS idx, {RETURN_NODE} AS n",
        rows=[[unit, idx] for _, _, idx, unit in ranked])}
    return [SearchHit(nodes[(unit, idx)], -neg) for neg, _, idx, unit in ranked]
