"""What one file's resolution depended on, so a later view can reuse it without resolving again.

A file's edges are a function of its own content (its sha), its module id, and the answers to
the reads resolution makes of the rest of the view: `Resolver.observe` names them, e.g. "member
`Symbol` of module `sympy/__init__.py`", "the module `.core` names from `sympy/abc.py`",
"bases of class `sympy/core/expr.py:Expr`". `TrackingResolver` records those reads (key ->
answer) per file. Reads are recorded at that granularity, not as "file X changed": nearly every
sympy file reads `sympy/__init__.py`, which changes in most commits, but few read a name whose
answer changes.

Another view may reuse a file's edges when every recorded read gives the same answer there
(`ReadCheck`); reads are re-run, not assumed, so a changed answer anywhere down a chain of
re-exports or base classes is seen. Resolution memoizes results per file context across files
(e.g. the refs of a base class's file resolved while another file asked for its bases); each such
memo entry keeps the reads made while computing it, and a hit adds them to the reader's record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from graph_index.parsing.facts import Ref
from graph_index.resolve import Entity, FileTable, Resolver, ViewTables

NEVER = ("never",)
"""A read whose answer is unknown (memo entry computed inside a cycle): never equal elsewhere."""

Reads = dict[tuple, Any]


class TrackingResolver(Resolver):
    """A `Resolver` that records, per file being resolved, the reads it made of the rest of the
    view. Same answers as `Resolver`: only bookkeeping is added."""

    def __init__(self, view: ViewTables) -> None:
        super().__init__(view)
        self._rec: Reads | None = None
        """Where reads go now; None inside a read (its own reads are its business)."""
        self._memo_reads: dict[tuple, Reads | None] = {}
        self._open: list[tuple] = []
        """Memo entries being computed, innermost last."""
        self.extra: dict[str, Callable] = {}
        """Reads answered outside the resolver (e.g. `code` by the view graph), by kind."""

    # -- recording ---------------------------------------------------------------------------------
    def record(self, fn: Callable[[], Any]) -> tuple[Any, Reads]:
        """`fn()` with every read it makes recorded; returns its value and the reads."""
        outer, self._rec = self._rec, {}
        try:
            value = fn()
            return value, self._rec
        finally:
            self._rec = outer

    def observe(self, key: tuple, fn: Callable, *args):  # noqa: ANN201
        """`fn(*args)`, recorded under `key` as a read of the file being resolved, if any."""
        rec = self._rec
        if rec is None:
            return fn(*args)
        self._rec = None
        try:
            value = fn(*args)
        finally:
            self._rec = rec
        rec[key] = value
        return value

    def _memoized(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """A memo entry computed in a file's context: its reads are kept with it and added to
        whoever hits it later."""
        rec = self._rec
        if key in self._memo:
            if rec is not None:
                reads = self._memo_reads.get(key)
                if reads is not None:
                    rec.update(reads)
                elif self._open[-1:] != [key]:
                    # In progress further out (a cycle through other entries, whose answers then
                    # depend on where the cycle was entered) or itself tainted. An entry reaching
                    # itself directly (`x = x.copy()`) sees its own cycle guard wherever entered.
                    rec[NEVER] = True
            return self._memo[key]
        self._rec = {}
        self._open.append(key)
        try:
            value = compute()
            reads = self._rec
        finally:
            self._open.pop()
            self._rec = rec
        self._memo_reads[key] = None if NEVER in reads else reads
        if rec is not None:
            rec.update(reads)
        return value

    # -- file-context memo entries -------------------------------------------------------------------
    def entity_of_ref(self, table: FileTable, ref: Ref) -> Entity | None:
        key = (table.path, ref.src, ref.kind, ref.target, ref.name)
        if key in self._memo:  # the common case, inline
            rec = self._rec
            if rec is not None:
                reads = self._memo_reads.get(key)
                if reads:
                    rec.update(reads)
                elif reads is None:
                    return self._memoized(key, lambda: None)
            return self._memo[key]
        return self._memoized(key, lambda: Resolver.entity_of_ref(self, table, ref))

    def _instantiated(self, table: FileTable, scope: int, callee: str) -> Entity | None:
        key = ("new", table.path, scope, callee)
        return self._memoized(key, lambda: Resolver._instantiated(self, table, scope, callee))

    # -- reads of the rest of the view (inside a read, plain calls) --------------------------------
    def node_id(self, entity: Entity) -> str:
        return self.observe(("nid", entity), Resolver.node_id, self, entity)

    def _member(self, entity: Entity, name: str, hops: int) -> Entity | None:
        return self.observe(("member", entity, name, hops), Resolver._member, self, entity, name, hops)

    def _class_member(self, cls: Entity, name: str, hops: int) -> Entity | None:
        return self.observe(("cmember", cls, name, hops), Resolver._class_member, self, cls, name, hops)

    def _bases(self, cls: Entity) -> list[Entity]:
        return self.observe(("bases", cls), Resolver._bases, self, cls)

    def _is_class(self, entity: Entity) -> bool:
        return self.observe(("class", entity), Resolver._is_class, self, entity)

    def _module(self, name: str) -> Entity | None:
        return self.observe(("module", name), Resolver._module, self, name)

    def _import_at(self, path: str, lang: str, spec: str) -> Entity | None:
        return self.observe(("import", path, lang, spec), Resolver._import_at, self, path, lang, spec)

    def _package_member(self, path: str, language: str, name: str) -> Entity | None:
        return self.observe(("package", path, language, name), Resolver._package_member, self, path, language, name)

    def _defines(self, path: str, qual: str) -> bool:
        return self.observe(("defines", path, qual), Resolver._defines, self, path, qual)

    _READS = {
        "nid": Resolver.node_id, "member": Resolver._member, "cmember": Resolver._class_member,
        "bases": Resolver._bases, "class": Resolver._is_class, "module": Resolver._module,
        "import": Resolver._import_at, "package": Resolver._package_member, "defines": Resolver._defines,
    }

    def answer(self, key: tuple) -> Any:
        """The answer this view gives to a recorded read."""
        if key == NEVER:
            return object()  # equal to nothing recorded
        outer, self._rec = self._rec, None
        try:
            fn = self._READS.get(key[0])
            if fn is not None:
                return fn(self, *key[1:])
            return self.extra[key[0]](*key[1:])
        finally:
            self._rec = outer


def answers_digest(answers: list[Any]) -> str:
    """A stable digest of read answers (entities, ids, booleans, lists of entities)."""
    return hashlib.sha1(repr(answers).encode("utf-8", "surrogatepass")).hexdigest()[:20]


class ReadCheck:
    """Whether recorded reads give the same answers in this view (answers cached across files)."""

    def __init__(self, resolver: TrackingResolver) -> None:
        self.resolver = resolver
        self._answers: dict[tuple, Any] = {}
        self.reads_checked = 0

    def digest(self, keys: list[tuple]) -> str:
        out = []
        for key in keys:
            if key not in self._answers:
                self._answers[key] = self.resolver.answer(key)
                self.reads_checked += 1
            out.append(self._answers[key])
        return answers_digest(out)
