"""The plain data localization ranks over, independent of the store that produced it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TEST_PATH = re.compile(r"(^|/)(tests?|testing)(/|$)|(^|/)test_[^/]*\.py$|_tests?\.py$|(^|/)conftest\.py$")
_DOC_PATH = re.compile(r"(^|/)(docs?|doc_src|examples?|demos?|benchmarks?|asv_bench|scripts?|tools)(/|$)")


def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH.search(path))


def is_aux_path(path: str) -> bool:
    """Docs, examples, benchmarks and scripts: rarely where an issue gets fixed."""
    return bool(_DOC_PATH.search(path)) or path.startswith(("setup.py", "."))


@dataclass(frozen=True)
class Symbol:
    """A class, function or method. `id` is `path.py:Class.method`."""

    id: str
    path: str
    qualname: str
    name: str
    kind: str
    start_line: int = 0
    end_line: int = 0
    text: str = ""
    """What lexical matching reads: signature, docstring and, when the store keeps it, the body."""


@dataclass
class RepoView:
    """Files, symbols and the edges localization follows, as plain data."""

    files: dict[str, str]
    """Repository-relative path -> text used for lexical matching (content, or a skeleton)."""
    symbols: dict[str, Symbol] = field(default_factory=dict)
    imports: dict[str, set[str]] = field(default_factory=dict)
    """File path -> file paths it imports (resolved inside the repository)."""
    calls: dict[str, set[str]] = field(default_factory=dict)
    """Symbol id -> symbol ids it calls (resolved ones only)."""
    tests: dict[str, set[str]] = field(default_factory=dict)
    """Test symbol id -> symbol ids it exercises (TESTS edges)."""
    nested: dict[str, list[Symbol]] = field(default_factory=dict)
    """File path -> functions nested in its functions or methods (not in `symbols`)."""

    def symbols_by_path(self) -> dict[str, list[Symbol]]:
        out: dict[str, list[Symbol]] = {}
        for sym in self.symbols.values():
            out.setdefault(sym.path, []).append(sym)
        return out
