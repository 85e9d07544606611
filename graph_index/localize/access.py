"""The few questions localization asks of a repository, and an in-memory answerer.

`graph_access.GraphAccess` answers them from any `CodeGraph` backend; `ViewAccess` answers them
from a plain `RepoView` (tests, benchmarks' reference view). Ranking never sees which one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import cached_property
from typing import Protocol

from graph_index.localize.bm25 import BM25
from graph_index.localize.history import HistorySource, PastCommit, read_files, read_log
from graph_index.localize.literals import Hit, scan
from graph_index.localize.text import tokenize
from graph_index.localize.view import RepoView, Symbol


class RepoAccess(Protocol):
    def files(self) -> list[str]: ...

    def definitions(self, name: str) -> list[Symbol]:
        """Classes and functions whose name or qualified name is `name`."""
        ...

    def module_path(self, dotted: str) -> str | None:
        """The file of a dotted module name (`pkg.mod` -> `pkg/mod.py`), if it is in the repository."""
        ...

    def file_symbols(self, path: str) -> list[Symbol]:
        """Top-level classes and functions and the methods of top-level classes."""
        ...

    def nested_functions(self, path: str) -> list[Symbol]:
        """Functions defined inside other functions or methods (closures, local helpers)."""
        ...

    def imports_of(self, path: str) -> set[str]:
        """Files `path` imports."""
        ...

    def importers_of(self, path: str) -> set[str]:
        """Files that import `path`."""
        ...

    def callees(self, symbol_id: str) -> set[str]: ...

    def callers(self, symbol_id: str) -> set[str]: ...

    def tested_code(self, test_id: str) -> set[str]:
        """Symbol ids a test exercises (TESTS edges)."""
        ...

    def lexical_files(self, issue_text: str, k: int) -> dict[str, float]:
        """BM25 of files against the issue's words, best `k`."""
        ...

    def lexical_functions(self, issue_text: str, k: int) -> dict[str, float]:
        """BM25 of functions (id -> score), best `k`."""
        ...

    def literal_hits(self, patterns: list[str]) -> list[Hit]:
        """Source lines holding any of `patterns` verbatim (empty when that cannot be answered)."""
        ...

    def past_commits(self) -> list[PastCommit]:
        """Recent commits reachable from the view's commit, newest first, without their files
        (empty without history)."""
        ...

    def commit_files(self, shas: list[str]) -> dict[str, tuple[str, ...]]:
        """sha -> the files that past commit changed."""
        ...


def _top(scores: dict, k: int) -> dict:
    return dict(sorted(scores.items(), key=lambda kv: -kv[1])[:k])


class ViewAccess:
    """Answers from a `RepoView` held in memory; BM25 indexes are built on first use."""

    def __init__(
        self, view: RepoView, terms: Callable[[str], Counter[str]] | None = None, history: HistorySource | None = None
    ):
        self.view = view
        self.history = history
        # Callers indexing many similar views pass a memoized term counter.
        self._terms = terms or (lambda text: Counter(tokenize(text)))

    def files(self) -> list[str]:
        return sorted(self.view.files)

    @cached_property
    def _by_name(self) -> dict[str, list[Symbol]]:
        out: dict[str, list[Symbol]] = {}
        for sym in self.view.symbols.values():
            out.setdefault(sym.name, []).append(sym)
            if sym.qualname != sym.name:
                out.setdefault(sym.qualname, []).append(sym)
        return out

    @cached_property
    def _by_path(self) -> dict[str, list[Symbol]]:
        return self.view.symbols_by_path()

    @cached_property
    def _modules(self) -> dict[str, str]:
        out = {}
        for p in self.view.files:
            if not p.endswith(".py"):
                continue
            mod = p[:-3].replace("/", ".").removesuffix(".__init__")
            out[mod] = p
            for prefix in ("src.", "lib."):
                if mod.startswith(prefix):
                    out.setdefault(mod[len(prefix) :], p)
        return out

    @cached_property
    def _importers(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for src, dsts in self.view.imports.items():
            for d in dsts:
                out.setdefault(d, set()).add(src)
        return out

    @cached_property
    def _callers(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for src, dsts in self.view.calls.items():
            for d in dsts:
                out.setdefault(d, set()).add(src)
        return out

    @cached_property
    def _file_bm25(self) -> BM25:
        return BM25({p: self._terms(p + "\n" + t) for p, t in self.view.files.items()})

    @cached_property
    def _func_bm25(self) -> BM25:
        return BM25(
            {
                s.id: self._terms(s.qualname + "\n" + s.text)
                for s in self.view.symbols.values()
                if s.kind != "class"
            }
        )

    def definitions(self, name: str) -> list[Symbol]:
        return list(self._by_name.get(name, ()))

    def module_path(self, dotted: str) -> str | None:
        return self._modules.get(dotted)

    def file_symbols(self, path: str) -> list[Symbol]:
        return list(self._by_path.get(path, ()))

    def nested_functions(self, path: str) -> list[Symbol]:
        return list(self.view.nested.get(path, ()))

    def imports_of(self, path: str) -> set[str]:
        return set(self.view.imports.get(path, ()))

    def importers_of(self, path: str) -> set[str]:
        return set(self._importers.get(path, ()))

    def callees(self, symbol_id: str) -> set[str]:
        return set(self.view.calls.get(symbol_id, ()))

    def callers(self, symbol_id: str) -> set[str]:
        return set(self._callers.get(symbol_id, ()))

    def tested_code(self, test_id: str) -> set[str]:
        return set(self.view.tests.get(test_id, ()))

    def lexical_files(self, issue_text: str, k: int) -> dict[str, float]:
        return _top(self._file_bm25.scores(tokenize(issue_text)), k)  # type: ignore[arg-type]

    def lexical_functions(self, issue_text: str, k: int) -> dict[str, float]:
        return _top(self._func_bm25.scores(tokenize(issue_text)), k)  # type: ignore[arg-type]

    def literal_hits(self, patterns: list[str]) -> list[Hit]:
        return scan(self.view.files, patterns)

    def past_commits(self) -> list[PastCommit]:
        return read_log(self.history)

    def commit_files(self, shas: list[str]) -> dict[str, tuple[str, ...]]:
        return read_files(self.history, shas)
