"""Full-text search on Neo4j: Lucene (`schema.FULLTEXT_INDEX`, over each file content's distinct
tokens) finds every content holding a query token (all of a phrase's tokens: a superset of the
contents holding the phrase), this process counts each phrase's instances per column of each of
their symbols (the documents) in the contents' stored columns, read once per process
(`SearchColumns`), and the shared scorer (`fts.bm25_sparse`) ranks them as FTS5 would, so
hits equal the embedded store's."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from graph_index.embedded import query_terms
from graph_index.models import SearchHit
from graph_index.neo4j_backend import fts
from graph_index.neo4j_backend.connection import Connection
from graph_index.neo4j_backend.indexing import BoundView
from graph_index.neo4j_backend.layout import FORMAT
from graph_index.neo4j_backend.nodesource import NodeSource
from graph_index.neo4j_backend.schema import FULLTEXT_INDEX
from graph_index.neo4j_backend.units import COLUMN_SEPARATOR, SEARCH_COLUMNS


@dataclass
class Columns:
    """One file content's searchable columns as its `Blob` stores them."""

    ntoks: list[int]
    """Each symbol's token count (its document length)."""
    texts: list[str]
    """The four stored columns (`units.SEARCH_COLUMNS`), one line per symbol."""
    vocab: frozenset[str]
    """Its distinct tokens (`t_set`): a phrase with a token outside it occurs nowhere here."""
    _lines: list[list[int] | None] = field(default_factory=lambda: [None] * len(SEARCH_COLUMNS))

    def line_starts(self, column: int) -> list[int]:
        """Offsets of each symbol's line in column `column` but the first's."""
        starts = self._lines[column]
        if starts is None:
            text = self.texts[column]
            starts = []
            at = text.find(COLUMN_SEPARATOR)
            while at >= 0:
                starts.append(at)
                at = text.find(COLUMN_SEPARATOR, at + 1)
            self._lines[column] = starts
        return starts

    def instances(self, column: int, pattern: str) -> dict[int, int]:
        """symbol index -> non-overlapping instances of `pattern` in its line of `column` (what
        the server counted with `size(split(line, pattern)) - 1`; lines hold no pattern across
        their separators, since every stored line is padded by a space)."""
        text = self.texts[column]
        at = text.find(pattern)
        if at < 0:
            return {}
        starts = self.line_starts(column)
        out: dict[int, int] = {}
        step = len(pattern)
        while at >= 0:
            i = bisect_right(starts, at)
            out[i] = out.get(i, 0) + 1
            at = text.find(pattern, at + step)
        return out


class SearchColumns:
    """Stored columns of the file contents searches have met, read once per process (contents
    never change; all of sympy's are ~16 MB). Counting phrase instances here rather than in Cypher
    (splitting every candidate's columns per query) took sympy's warm queries from ~550 to ~170 ms
    (broad), ~150 to ~37 ms (`Basic.atoms`) and ~2.8 to ~1.1 s (an issue's 59 terms)."""

    def __init__(self, conn: Connection, repo: str) -> None:
        self.conn = conn
        self.repo = repo
        self._by_sha: dict[str, Columns] = {}

    def get(self, shas: list[str]) -> dict[str, Columns]:
        missing = [sha for sha in shas if sha not in self._by_sha]
        if missing:
            cols = ", ".join(f"b.{c}" for c in SEARCH_COLUMNS)
            for sha, ntoks, t_set, *texts in self.conn.values(
                f"UNWIND $keys AS k MATCH (b:Blob {{key: k}}) RETURN b.sha, b.ntoks, b.t_set, {cols}",
                keys=[f"{self.repo}|{FORMAT}|{sha}" for sha in missing],
            ):
                self._by_sha[sha] = Columns(ntoks or [], [t or "" for t in texts], frozenset((t_set or "").split()))
        return {sha: self._by_sha[sha] for sha in shas if sha in self._by_sha}


def count_instances(contents: dict[str, Columns], phrases: list[list[str]]
                    ) -> list[tuple[str, int, int, list[tuple[int, float]]]]:
    """(sha, symbol index, its token count, [(phrase, weighted instances)] in phrase order) of
    every symbol holding some phrase in some column."""
    patterns = [fts.phrase_pattern(p) for p in phrases]
    w0, w1, w2, w3 = fts.COLUMN_WEIGHTS
    rows = []
    for sha, cols in contents.items():
        # symbol -> phrase -> instances per column, then weighted in the order the server summed them
        found: dict[int, dict[int, list[int]]] = {}
        vocab = cols.vocab
        for k, (phrase, pattern) in enumerate(zip(phrases, patterns, strict=True)):
            if not vocab.issuperset(phrase):
                continue
            for column in range(len(SEARCH_COLUMNS)):
                for i, n in cols.instances(column, pattern).items():
                    found.setdefault(i, {}).setdefault(k, [0, 0, 0, 0])[column] = n
        ntoks = cols.ntoks
        for i in sorted(found):
            counts = [(k, w0 * n0 + w1 * n1 + w2 * n2 + w3 * n3) for k, (n0, n1, n2, n3) in sorted(found[i].items())]
            rows.append((sha, i, ntoks[i], counts))
    return rows


def search(conn: Connection, repo: str, view: BoundView, nodes: NodeSource, columns: SearchColumns, text: str,
           k: int) -> list[SearchHit]:
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
    # Lucene finds the candidate contents, and the statistics come with them: FTS5 counts every
    # document the repository's index holds.
    result = conn.values(
        "CALL () { MATCH (b:Blob {repo: $repo}) WHERE b.format = $format "
        "RETURN sum(b.n_syms) AS n_docs, sum(b.ntok) AS n_tokens } "
        "CALL db.index.fulltext.queryNodes($index, $q, {limit: 100000000}) YIELD node AS b "
        "WHERE b.repo = $repo AND b.format = $format RETURN n_docs, n_tokens, collect(b.sha)",
        index=FULLTEXT_INDEX, q=" OR ".join(sorted(clauses)), repo=repo, format=FORMAT,
    )
    if not result or not result[0][2]:
        return []
    n_docs, n_tokens, shas = result[0]
    rows = count_instances(columns.get(sorted(shas)), [phrases[i] for i in live])
    freqs: dict[tuple, list[tuple[int, float]]] = {}
    lengths: dict[tuple, int] = {}
    found: list[tuple[str, int, tuple]] = []
    units_of_sha = view.units_of_sha
    for sha, idx, ntok, counts in rows:
        key = (sha, idx)
        freqs[key] = [(live[k], f) for k, f in counts]
        lengths[key] = ntok
        found += [(unit, idx, key) for unit in units_of_sha.get(sha, ())]
    scores = fts.bm25_sparse(freqs, lengths, n_docs or 0, n_tokens or 0)
    path_of = view.path_of_unit
    ranked = sorted((-scores[key], path_of[unit], idx, unit) for unit, idx, key in found if key in scores)[:k]
    if not ranked:
        return []
    built = nodes.sym_nodes((path_of[unit], idx) for _, _, idx, unit in ranked)
    return [SearchHit(built[(path_of[unit], idx)], -neg) for neg, _, idx, unit in ranked]
