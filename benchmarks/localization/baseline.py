"""The reference point: plain BM25 over non-test files (and over their functions)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from graph_index.localize.bm25 import BM25
from graph_index.localize.text import plain_tokenize
from graph_index.localize.view import RepoView, is_test_path


def bm25_baseline(
    view: RepoView, issue_text: str, top_k: int = 10, count: Callable[[str], Counter] | None = None
) -> tuple[list[str], list[str]]:
    """Top files and top functions by plain BM25 (whole words, no identifier splitting)."""
    count = count or (lambda text: Counter(plain_tokenize(text)))
    query = plain_tokenize(issue_text)
    files = {p: count(t) for p, t in view.files.items() if not is_test_path(p)}
    file_scores = BM25(files).scores(query)
    top_files = sorted(file_scores, key=lambda p: -file_scores[p])[:top_k]
    funcs = {
        s.id: count(s.text)
        for s in view.symbols.values()
        if s.kind != "class" and not is_test_path(s.path)
    }
    func_scores = BM25(funcs).scores(query)
    top_funcs = sorted(func_scores, key=lambda i: -func_scores[i])[:top_k]
    return top_files, top_funcs  # type: ignore[return-value]
