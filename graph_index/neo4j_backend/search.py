"""Full-text search on Neo4j: Lucene (`schema.FULLTEXT_INDEX`, over each file content's distinct
tokens) finds every content holding a query token (all of a phrase's tokens: a superset of the
contents holding the phrase), the server counts each phrase's instances per column of each of
their symbols (the documents), and the shared scorer (`fts.bm25_from_freqs`) ranks them as FTS5
would, so hits equal the embedded store's."""

from __future__ import annotations

from graph_index.embedded import query_terms
from graph_index.models import SearchHit
from graph_index.neo4j_backend import fts
from graph_index.neo4j_backend.connection import Connection
from graph_index.neo4j_backend.indexing import BoundView
from graph_index.neo4j_backend.layout import FORMAT
from graph_index.neo4j_backend.nodesource import NodeSource
from graph_index.neo4j_backend.schema import FULLTEXT_INDEX
from graph_index.neo4j_backend.units import COLUMN_SEPARATOR


def search(conn: Connection, repo: str, view: BoundView, nodes: NodeSource, text: str, k: int) -> list[SearchHit]:
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
    # One row back: of every symbol of the candidate contents, the server keeps those with a
    # column holding some phrase (CONTAINS on the padded stored columns, cheaper than counting)
    # and counts each phrase's instances per column of those (the per-record cost of the driver
    # would otherwise dominate on thousands of candidates). A content holding a phrase's tokens
    # need not hold the phrase in one symbol: dropping the symbols that hold none changes no
    # statistic (`fts.bm25_from_freqs` counts a phrase's documents among those counting it).
    # Most of the query's time is reading the candidates' columns (~40 ms for sympy's 314
    # contents holding `basic` or `atoms`, ~140 ms for 876).
    result = conn.values(
        "CALL () { MATCH (b:Blob {repo: $repo}) WHERE b.format = $format "
        "RETURN sum(b.n_syms) AS n_docs, sum(b.ntok) AS n_tokens } "
        "CALL db.index.fulltext.queryNodes($index, $q, {limit: 100000000}) YIELD node AS b "
        "WHERE b.repo = $repo AND b.format = $format "
        "WITH n_docs, n_tokens, b.sha AS sha, b.ntoks AS ntoks, split(b.t_name, $nl) AS c0, split(b.t_qual, $nl) AS c1, "
        "split(b.t_doc, $nl) AS c2, split(b.t_body, $nl) AS c3 "
        "UNWIND [i IN range(0, size(ntoks) - 1) WHERE any(p IN $patterns WHERE c3[i] CONTAINS p OR c2[i] CONTAINS p "
        "OR c1[i] CONTAINS p OR c0[i] CONTAINS p)] AS i "
        "RETURN n_docs, n_tokens, collect([sha, i, ntoks[i], [p IN $patterns | "
        "$w[0] * (size(split(c0[i], p)) - 1) + $w[1] * (size(split(c1[i], p)) - 1) + "
        "$w[2] * (size(split(c2[i], p)) - 1) + $w[3] * (size(split(c3[i], p)) - 1)]])",
        index=FULLTEXT_INDEX, q=" OR ".join(sorted(clauses)), repo=repo, format=FORMAT,
        patterns=[fts.phrase_pattern(phrases[i]) for i in live], w=list(fts.COLUMN_WEIGHTS),
        nl=COLUMN_SEPARATOR,
    )
    if not result:  # no symbol counts any phrase (grouped aggregation over nothing yields no row)
        return []
    n_docs, n_tokens, rows = result[0]
    freqs: dict[tuple, list[float]] = {}
    lengths: dict[tuple, int] = {}
    found: list[tuple[str, int, tuple]] = []
    units_of_sha = view.units_of_sha
    width = len(phrases)
    for sha, idx, ntok, counts in rows:
        key = (sha, idx)
        if len(live) == width:
            freqs[key] = counts
        else:
            row = [0.0] * width
            for i, f in zip(live, counts, strict=True):
                row[i] = f
            freqs[key] = row
        lengths[key] = ntok
        found += [(unit, idx, key) for unit in units_of_sha.get(sha, ())]
    scores = fts.bm25_from_freqs(freqs, lengths, n_docs or 0, n_tokens or 0)
    path_of = view.path_of_unit
    ranked = sorted((-scores[key], path_of[unit], idx, unit) for unit, idx, key in found if key in scores)[:k]
    if not ranked:
        return []
    built = nodes.sym_nodes((path_of[unit], idx) for _, _, idx, unit in ranked)
    return [SearchHit(built[(path_of[unit], idx)], -neg) for neg, _, idx, unit in ranked]
