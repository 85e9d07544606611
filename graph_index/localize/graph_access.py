"""Answers localization's questions from any `CodeGraph` backend, through the protocol only."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

from graph_index.graph import CodeGraph
from graph_index.localize.history import HistorySource, PastCommit, read_files, read_log
from graph_index.localize.issue import extract
from graph_index.localize.literals import Hit, grep
from graph_index.localize.text import STOPWORDS, split_identifier
from graph_index.localize.view import Symbol
from graph_index.models import EdgeKind, Node, NodeKind, is_unresolved

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FLAG = re.compile(r"(?<![\w-])--?([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\b")
"""A hyphenated command-line flag or option (`--collect-only`, `--msg-template`)."""
_DEF_KINDS = (NodeKind.CLASS, NodeKind.FUNCTION, NodeKind.TEST)
NAMED_STRENGTH = 0.6
SEARCH_TERMS = 30
"""Words sent to the graph's full-text search (the most salient of the issue)."""
FILE_HIT_DECAY = (1.0, 0.5, 0.25)
SEARCH_HITS = 400
"""Symbol hits asked of the full-text search; files and functions are ranked from these."""
"""A file's lexical score: its best symbol hits, each worth less than the one before."""
NESTED_DEPTH = 6
"""DEFINES hops from a file to the deepest nested function looked for (file, module, class,
method, then three levels of nesting)."""


def _kind(node: Node) -> str:
    if node.kind == NodeKind.CLASS:
        return "class"
    if node.kind == NodeKind.MODULE:
        return "module"
    return "method" if node.is_method else "function"


def search_query(text: str, limit: int = SEARCH_TERMS, named_first: bool = True) -> str:
    """The issue's most telling distinct words, unstemmed (full-text indexes match whole words),
    with identifier parts: `_print_MatrixSymbol` -> print matrix symbol matrixsymbol. Parts of
    identifiers the issue names deliberately (backticks, code, call syntax) come first, then the
    most repeated words; backends cap how many terms a query may use."""
    counts: Counter[str] = Counter()
    for word in _WORD.findall(text):
        parts = split_identifier(word)
        # dict, not set: ties in `most_common` keep first-seen order, so the query (and the
        # ranking) is the same in every process whatever the hash seed.
        terms = dict.fromkeys(parts)
        if len(parts) > 1:
            terms["".join(parts)] = None
        counts.update(t for t in terms if len(t) > 2 and t not in STOPWORDS and not t.isdigit())
    order = [t for t, _ in counts.most_common()]
    if named_first:
        named: dict[str, None] = {}
        for ident, strength in sorted(extract(text).identifiers.items(), key=lambda kv: -kv[1]):
            if strength >= NAMED_STRENGTH:
                for part in split_identifier(ident):
                    if part in counts:
                        named.setdefault(part, None)
        order = list(named) + [t for t in order if t not in named]
    # Code spells a flag as one identifier: `--collect-only` is `collectonly` or `collect_only`
    # there (a snake_case word reaches full-text indexes as the phrase of its parts).
    flags: dict[str, None] = {}
    for m in _FLAG.finditer(text):
        parts = m.group(1).split("-")
        flags.setdefault("_".join(parts), None)
        flags.setdefault("".join(parts), None)
    order = list(flags) + [t for t in order if t not in flags]
    return " ".join(order[:limit])


class GraphAccess:
    def __init__(
        self, graph: CodeGraph, query: Callable[[str], str] = search_query, history: HistorySource | None = None
    ):
        self.graph = graph
        self.history = history
        self._query = query
        self.hits = SEARCH_HITS
        self._file_symbols: dict[str, list[Symbol]] = {}
        self.decay = FILE_HIT_DECAY
        self._node = lru_cache(maxsize=65536)(graph.node)
        self._search_cache: dict[str, list] = {}

    def files(self) -> list[str]:
        return self.graph.files()

    def _symbol(self, node: Node) -> Symbol | None:
        """The node as the function/class localization ranks: nested functions fold into the
        top-level function or method that holds them (the granularity gold data uses)."""
        while node.parent and node.kind != NodeKind.CLASS:
            parent = self._node(node.parent)
            if parent is None or parent.kind == NodeKind.MODULE:
                break
            if parent.kind == NodeKind.CLASS:
                grand = self._node(parent.parent) if parent.parent else None
                if grand is None or grand.kind == NodeKind.MODULE:
                    break
            node = parent
        if node.kind not in _DEF_KINDS:
            return None
        return Symbol(
            id=node.id,
            path=node.path,
            qualname=node.qualname,
            name=node.name,
            kind=_kind(node),
            start_line=node.start_line,
            end_line=node.end_line,
            text=" ".join(filter(None, (node.signature, node.docstring))),
        )

    def definitions(self, name: str) -> list[Symbol]:
        out = []
        for n in self.graph.symbol(name):
            if n.kind in _DEF_KINDS and (n.name == name or n.qualname == name or n.qualname.endswith("." + name)):
                s = self._symbol(n)
                if s is not None and s.id not in {o.id for o in out}:
                    out.append(s)
        return out

    def module_path(self, dotted: str) -> str | None:
        node = self._node(dotted)
        return node.path if node is not None and node.kind == NodeKind.MODULE else None

    def file_symbols(self, path: str) -> list[Symbol]:
        if path not in self._file_symbols:
            self._file_symbols[path] = self._load_file_symbols(path)
        return list(self._file_symbols[path])

    def _load_file_symbols(self, path: str) -> list[Symbol]:
        sub = self.graph.neighbors(path, depth=3, edge_kinds=[EdgeKind.DEFINES])
        modules = {n.id for n in sub.nodes if n.kind == NodeKind.MODULE}
        top_classes = {n.id for n in sub.nodes if n.kind == NodeKind.CLASS and n.parent in modules}
        # Top-level definitions and methods of top-level classes: the granularity gold data uses.
        return [
            Symbol(n.id, n.path, n.qualname, n.name, _kind(n), n.start_line, n.end_line,
                   " ".join(filter(None, (n.signature, n.docstring))))
            for n in sub.nodes
            if n.path == path and n.kind in _DEF_KINDS and (n.parent in modules or n.parent in top_classes)
        ]

    def nested_functions(self, path: str) -> list[Symbol]:
        sub = self.graph.neighbors(path, depth=NESTED_DEPTH, edge_kinds=[EdgeKind.DEFINES])
        funcs = {n.id for n in sub.nodes if n.path == path and n.kind in (NodeKind.FUNCTION, NodeKind.TEST)}
        return [
            Symbol(n.id, n.path, n.qualname, n.name, "function", n.start_line, n.end_line,
                   " ".join(filter(None, (n.signature, n.docstring))))
            for n in sub.nodes
            if n.id in funcs and n.parent in funcs
        ]

    def _module_links(self, path: str) -> tuple[set[str], set[str]]:
        mods = [e.dst for e in self.graph.edges(path) if e.kind == EdgeKind.DEFINES and e.src == path]
        imports: set[str] = set()
        importers: set[str] = set()
        for mod in mods:
            for e in self.graph.edges(mod):
                if e.kind != EdgeKind.IMPORTS:
                    continue
                other = e.dst if e.src == mod else e.src
                if is_unresolved(other):
                    continue
                node = self._node(other)
                if node is None or not node.path or node.path == path:
                    continue
                (imports if e.src == mod else importers).add(node.path)
        return imports, importers

    def imports_of(self, path: str) -> set[str]:
        return self._module_links(path)[0]

    def importers_of(self, path: str) -> set[str]:
        return self._module_links(path)[1]

    def callees(self, symbol_id: str) -> set[str]:
        return {n.id for n in self.graph.callees(symbol_id, 1).nodes[1:] if not is_unresolved(n.id)}

    def callers(self, symbol_id: str) -> set[str]:
        return {n.id for n in self.graph.callers(symbol_id, 1).nodes[1:] if not is_unresolved(n.id)}

    def tested_code(self, test_id: str) -> set[str]:
        return {
            e.dst
            for e in self.graph.edges(test_id)
            if e.kind == EdgeKind.TESTS and e.src == test_id and not is_unresolved(e.dst)
        }

    def _search(self, issue_text: str, k: int) -> list:
        text = self._query(issue_text)
        key = f"{k}\0{text}"
        if key not in self._search_cache:
            self._search_cache = {key: self.graph.search(text, k)}
        return self._search_cache[key]

    def lexical_files(self, issue_text: str, k: int) -> dict[str, float]:
        per_file: dict[str, list[float]] = {}
        for hit in self._search(issue_text, SEARCH_HITS)[: self.hits]:
            per_file.setdefault(hit.node.path, []).append(hit.score)
        out = {}
        for path, scores in per_file.items():
            scores.sort(reverse=True)
            out[path] = sum(w * s for w, s in zip(self.decay, scores, strict=False))
        return dict(sorted(out.items(), key=lambda kv: -kv[1])[:k])

    def lexical_functions(self, issue_text: str, k: int) -> dict[str, float]:
        out: dict[str, float] = {}
        for hit in self._search(issue_text, SEARCH_HITS)[: self.hits]:
            if hit.node.kind not in (NodeKind.FUNCTION, NodeKind.TEST):
                continue
            sym = self._symbol(hit.node)
            if sym is not None and sym.kind != "class":
                out[sym.id] = max(out.get(sym.id, 0.0), hit.score)
        return dict(sorted(out.items(), key=lambda kv: -kv[1])[:k])

    def literal_hits(self, patterns: list[str]) -> list[Hit]:
        # From the repository on disk, not the store: every backend answers alike.
        return grep(self.graph.repo_path, self.graph.commit, patterns, self.files())

    def _history_source(self) -> HistorySource | None:
        # From the repository on disk, like literal hits: history before the view's commit (a
        # working tree's HEAD), unless the caller says where history lives (a bare mirror).
        root = self.graph.repo_path
        if self.history is None and (root / ".git").exists():
            return HistorySource(root, self.graph.commit or "HEAD")
        return self.history

    def past_commits(self) -> list[PastCommit]:
        return read_log(self._history_source())

    def commit_files(self, shas: list[str]) -> dict[str, tuple[str, ...]]:
        return read_files(self._history_source(), shas)


__all__ = ["GraphAccess", "search_query"]
