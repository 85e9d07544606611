"""Okapi BM25 over in-memory documents (plain data in, scores out)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping


class BM25:
    """Postings-based BM25; documents are term-frequency maps keyed by any hashable id."""

    def __init__(
        self,
        docs: Mapping[Hashable, Counter[str]],
        k1: float = 1.2,
        b: float = 0.75,
        lengths: Mapping[Hashable, int] | None = None,
    ):
        """`lengths`: each document's length in terms, when `docs` keeps only some of its terms
        (those of one query: scoring many documents once need not index all their words)."""
        self.k1, self.b = k1, b
        self.n = len(docs)
        lengths = dict(lengths) if lengths is not None else {key: sum(tf.values()) for key, tf in docs.items()}
        self.avgdl = (sum(lengths.values()) / self.n) if self.n else 0.0
        self.postings: dict[str, list[tuple[Hashable, int]]] = {}
        for key, tf in docs.items():
            for term, count in tf.items():
                self.postings.setdefault(term, []).append((key, count))
        self.norm = {
            key: k1 * (1 - b + b * (length / self.avgdl if self.avgdl else 0.0))
            for key, length in lengths.items()
        }

    def idf(self, term: str) -> float:
        df = len(self.postings.get(term, ()))
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, query_terms: Iterable[str]) -> dict[Hashable, float]:
        """Score every document sharing a term with the query; repeated query terms count once
        per repetition, so terms an issue stresses weigh more."""
        out: dict[Hashable, float] = {}
        for term, qtf in Counter(query_terms).items():
            posting = self.postings.get(term)
            if not posting:
                continue
            weight = self.idf(term) * (1 + math.log(qtf))
            k1 = self.k1
            norm = self.norm
            for key, tf in posting:
                out[key] = out.get(key, 0.0) + weight * tf * (k1 + 1) / (tf + norm[key])
        return out
