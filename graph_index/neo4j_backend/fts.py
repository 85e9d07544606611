"""Full-text ranking computed in Python, so every backend ranks the same way.

SQLite FTS5 and Lucene disagree on tokens, idf and length norms, so the Neo4j backend asks
Lucene only for *candidates* (every view document holding a query token) and scores them here
with FTS5's own bm25 (k1=1.2, b=0.75, per-column weights, phrase instances, idf floor 1e-6) over
the same `unicode61`-style tokens. Corpus statistics are those of the view: N distinct
documents (one per file content and definition), their token total, and each phrase's document
count among the candidates. On a store that holds one tree these equal FTS5's, so results are
identical to the embedded backend's; a shared database's other repositories and commits never
shift a view's scores.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

K1 = 1.2
B = 0.75
COLUMN_WEIGHTS = (10.0, 4.0, 2.0, 1.0)
"""name, qualified name, docstring, body identifiers: as the embedded store's bm25 call."""

_TOKEN = re.compile(r"[^\W_]+")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
"""`_TOKEN` on case-folded ASCII text (where `\\w` is `[a-zA-Z0-9_]`), without the Unicode
class tests: ~20% less time over sympy's columns, which the parse workers tokenize."""


def tokenize(text: str) -> list[str]:
    """Tokens as FTS5's unicode61 makes them: letters and digits, case-folded, diacritics removed."""
    if not text:
        return []
    if text.isascii():
        return _ASCII_TOKEN.findall(text.lower())
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _TOKEN.findall(text.lower())


SEPARATOR = "  "
"""Tokens are stored two spaces apart, with one space before the first and after the last, so
` tok ` (one space each side) occurs once per instance even when a token repeats back to back:
the server tests a column for it with CONTAINS and counts instances by splitting on it."""


def stored_column(tokens: list[str]) -> str:
    """The stored form of a tokenized column."""
    return f" {SEPARATOR.join(tokens)} "


def column_text(text: str) -> str:
    """The stored form of a column: its tokens, two spaces apart, padded by one space."""
    return stored_column(tokenize(text))


def phrase_pattern(phrase: list[str]) -> str:
    """What one instance of `phrase` looks like inside a stored column."""
    return " " + SEPARATOR.join(phrase) + " "


def instances(column_text_: str, phrase: list[str]) -> int:
    """Instances of `phrase` in a stored column (what the server computes with split)."""
    return column_text_.count(phrase_pattern(phrase)) if phrase else 0


@dataclass(frozen=True, slots=True)
class Document:
    """One searchable definition: `key` identifies its content (same file content, same key)."""

    key: tuple
    columns: tuple[list[str], ...]

    @property
    def length(self) -> int:
        return sum(len(c) for c in self.columns)


def _count(column: list[str], phrase: list[str]) -> int:
    n = len(phrase)
    if n == 1:
        return column.count(phrase[0])
    return sum(1 for i in range(len(column) - n + 1) if column[i : i + n] == phrase)


def bm25(
    docs: Sequence[Document],
    phrases: Sequence[list[str]],
    n_docs: int,
    n_tokens: int,
    weights: Sequence[float] = COLUMN_WEIGHTS,
) -> dict[tuple, float]:
    """Positive FTS5 bm25 of every candidate that matches at least one phrase (higher is better).
    `docs` must hold every document of the corpus that matches any phrase (duplicates by key are
    counted once); `n_docs`/`n_tokens` describe the whole corpus."""
    freqs: dict[tuple, list[float]] = {}
    lengths: dict[tuple, int] = {}
    for d in docs:
        if d.key in freqs:
            continue
        row = []
        for phrase in phrases:
            f = 0.0
            if phrase:
                for w, column in zip(weights, d.columns, strict=False):
                    c = _count(column, phrase)
                    if c:
                        f += w * c
            row.append(f)
        freqs[d.key] = row
        lengths[d.key] = d.length
    return bm25_from_freqs(freqs, lengths, n_docs, n_tokens)


def bm25_from_freqs(
    freqs: dict[tuple, list[float]], lengths: dict[tuple, int], n_docs: int, n_tokens: int
) -> dict[tuple, float]:
    """bm25 from each candidate's weighted phrase frequencies (FTS5's aFreq) and token length."""
    return bm25_sparse({key: [(i, f) for i, f in enumerate(row) if f > 0] for key, row in freqs.items()},
                       lengths, n_docs, n_tokens)


def bm25_sparse(
    freqs: dict[tuple, list[tuple[int, float]]], lengths: dict[tuple, int], n_docs: int, n_tokens: int
) -> dict[tuple, float]:
    """`bm25_from_freqs` over each candidate's (phrase, frequency) pairs with a frequency above
    0, phrases in ascending order (a long query's rows are mostly zeros)."""
    if not freqs:
        return {}
    hits: dict[int, int] = {}
    for row in freqs.values():
        for i, _f in row:
            hits[i] = hits.get(i, 0) + 1
    n = max(n_docs, 1)
    avgdl = n_tokens / n if n_tokens else 1.0
    idf: dict[int, float] = {}
    for i, h in hits.items():
        value = math.log((n - h + 0.5) / (h + 0.5))
        idf[i] = value if value > 0 else 1e-6
    out: dict[tuple, float] = {}
    k1 = K1 + 1.0
    for key, row in freqs.items():
        if not row:
            continue
        norm = K1 * (1 - B + B * lengths[key] / avgdl)
        score = 0.0
        for i, f in row:
            score += idf[i] * ((f * k1) / (f + norm))
        out[key] = score
    return out
