"""Cross-file resolution over per-file facts, for one view (the files of one commit).

Pure: it reads file tables through a `ViewTables` provider and returns ids and edges. The
embedded store resolves lazily (only the files a query touches); a backend that materializes
edges (Neo4j) calls `resolve_file` for every file of a view. Both get the same edges.

Entities during resolution are `("m", path)` for a module/file and `("s", path, qualname)` for a
definition inside a file.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from graph_index.models import Edge, EdgeKind, NodeKind
from graph_index.parsing.facts import ASSIGN, CALL, IMPORT, INHERIT, REFERENCE, Ref, Symbol

Entity = tuple  # ("m", path) | ("s", path, qualname)
MAX_HOPS = 8

_PY_EXTS = (".py", ".pyi")
_JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".d.ts")
_LANG_BY_EXT = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".tsx": "tsx",
    ".java": "java", ".go": "go",
}


def language_of(path: str) -> str | None:
    """The language a path's extension names, or None when we do not parse it."""
    return _LANG_BY_EXT.get(posixpath.splitext(path)[1])


@dataclass(slots=True)
class FileTable:
    """One file's facts as resolution needs them."""

    path: str
    language: str
    symbols: list[Symbol]
    refs: list[Ref]
    package: str = ""
    by_qual: dict[str, int] = field(default_factory=dict)
    bindings: dict[str, Ref] = field(default_factory=dict)
    stars: list[Ref] = field(default_factory=list)
    """`from m import *` imports, which re-export everything of `m`."""
    assigns: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    """(scope, assigned name) -> callees it was assigned from (`x = Foo()`, `self.x = Foo()`)."""
    _calls: dict[int, list[Ref]] | None = None

    def __post_init__(self) -> None:
        self.by_qual = {s.qualname: i for i, s in enumerate(self.symbols) if i}
        # Tables are loaded for lookups far more often than resolved: calls, most of the refs,
        # are only grouped on demand (`calls_in`).
        for ref in self.refs:
            kind = ref.kind
            if kind == CALL:
                continue
            if kind == ASSIGN:
                targets = self.assigns.setdefault((ref.src, ref.name), [])
                if ref.target not in targets:
                    targets.append(ref.target)
            elif kind == IMPORT:
                if ref.name == "*":
                    self.stars.append(ref)
                local = _binding_name(self.language, ref)
                if local and local not in self.bindings:
                    self.bindings[local] = ref

    def calls_in(self, scope: int) -> list[Ref]:
        """The calls made directly in `scope`, in file order (what a test exercises)."""
        if self._calls is None:
            self._calls = {}
            for ref in self.refs:
                if ref.kind == CALL:
                    self._calls.setdefault(ref.src, []).append(ref)
        return self._calls.get(scope, [])


@dataclass(slots=True)
class FileSymbols:
    """A file's definitions without its refs: all that building its nodes and finding a node by
    id need, and several times cheaper to load than a `FileTable` (search hits touch many files)."""

    path: str
    language: str
    symbols: list[Symbol]
    by_qual: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_qual = {s.qualname: i for i, s in enumerate(self.symbols) if i}


def _binding_name(language: str, ref: Ref) -> str:
    if ref.alias:
        return ref.alias
    if ref.name and ref.name != "*":
        return ref.name.split(".")[0] if language == "python" else ref.name
    if language == "python":
        return ref.target.lstrip(".").split(".")[0]
    if language == "go":
        return ref.target.rstrip("/").rsplit("/", 1)[-1]
    if language == "java":
        return ref.target.rsplit(".", 1)[-1]
    return ""


def module_names(paths: Iterable[str]) -> dict[str, str]:
    """Module id of every source path: Python packages by `__init__.py` (so `src/pkg/a.py` is
    `pkg.a` when `src` has no `__init__.py`); other languages by their dotted path without
    extension."""
    paths = list(paths)
    inits = {posixpath.dirname(p) for p in paths if posixpath.basename(p) in ("__init__.py", "__init__.pyi")}
    out: dict[str, str] = {}
    for path in paths:
        stem, ext = posixpath.splitext(path)
        if ext in _PY_EXTS:
            parts = stem.split("/")
            if parts[-1] == "__init__":
                parts.pop()
            # The package root is the highest directory reachable through __init__.py files.
            directory = posixpath.dirname(path)
            keep = len(parts) - (0 if posixpath.basename(stem) == "__init__" else 1)
            top = keep
            while top > 0 and directory in inits:
                top -= 1
                directory = posixpath.dirname(directory)
            name = ".".join(parts[top:]) if parts[top:] else ".".join(parts)
            out[path] = name or stem.replace("/", ".")
        else:
            if stem.endswith(".d"):
                stem = stem[:-2]
            out[path] = stem.replace("/", ".")
    return out


class ViewTables:
    """What resolution needs from a view; backends subclass or pass callables."""

    def __init__(
        self,
        paths: Iterable[str],
        load: Callable[[str], FileTable | None],
        load_symbols: Callable[[str], FileSymbols | FileTable | None] | None = None,
    ) -> None:
        self.paths = sorted(paths)
        self.path_set = set(self.paths)
        self.module_of = module_names(self.paths)
        self.path_of: dict[str, str] = {}
        for path, mod in self.module_of.items():
            # Prefer the .py over a .pyi stub, and the first path otherwise.
            if mod not in self.path_of or self.path_of[mod].endswith(".pyi"):
                self.path_of[mod] = path
        self.dirs: dict[str, list[str]] = {}
        for path in self.paths:
            self.dirs.setdefault(posixpath.dirname(path), []).append(path)
        self._load = load
        self._load_symbols = load_symbols
        self._tables: dict[str, FileTable | None] = {}
        self._symbols: dict[str, FileSymbols | FileTable | None] = {}

    def table(self, path: str) -> FileTable | None:
        if path not in self._tables:
            self._tables[path] = self._load(path) if path in self.path_set else None
        return self._tables[path]

    def symbols(self, path: str) -> FileSymbols | FileTable | None:
        """The file's definitions (its table when that is loaded already, or no lighter loader
        was given)."""
        table = self._tables.get(path)
        if table is not None or self._load_symbols is None:
            return self.table(path)
        if path not in self._symbols:
            self._symbols[path] = self._load_symbols(path) if path in self.path_set else None
        return self._symbols[path]

    def node_id(self, entity: Entity) -> str:
        if entity[0] == "m":
            return self.module_of.get(entity[1], entity[1])
        return f"{entity[1]}:{entity[2]}"


class Resolver:
    """Resolves refs of one view to node ids; memoizes per (path, scope, expression)."""

    def __init__(self, view: ViewTables) -> None:
        self.view = view
        self._memo: dict[tuple, Entity | None] = {}
        self._imports: dict[tuple[str, str, str], Entity | None] = {}

    # -- public ---------------------------------------------------------------------------
    def resolve(self, table: FileTable, ref: Ref) -> str:
        """Target id of `ref`, or `?name` when it does not resolve inside the repository."""
        entity = self.entity_of_ref(table, ref)
        if entity is None:
            return "?" + (ref.target if ref.kind == IMPORT and not ref.name else (ref.name or ref.target))
        return self.node_id(entity)

    def node_id(self, entity: Entity) -> str:
        """The node id of an entity in this view (a module's id depends on the view's packages)."""
        return self.view.node_id(entity)

    def observe(self, key: tuple, fn: Callable, *args):  # noqa: ANN201
        """`fn(*args)`, a read of the view outside the file being resolved named by `key`; a
        dependency-tracking resolver records it (see graph_index.dependencies)."""
        return fn(*args)

    def entity_of_ref(self, table: FileTable, ref: Ref) -> Entity | None:
        key = (table.path, ref.src, ref.kind, ref.target, ref.name)
        if key in self._memo:
            return self._memo[key]
        if ref.kind == IMPORT:
            module = self._import_module(table, ref.target)
            entity: Entity | None = None
            if module is not None:
                entity = self._member(module, ref.name, 0) if ref.name and ref.name != "*" else module
                if entity is None:
                    # The module is known but the name is not a definition (a module-level
                    # variable such as sympy's `S`): the import still reaches that module.
                    entity = module
        elif not ref.target:
            entity = None
        else:
            entity = self._name(table, ref.src, ref.target)
        if entity is not None and ref.kind in (CALL, INHERIT) and entity[0] == "m":
            entity = None if table.language == "python" else entity
        self._memo[key] = entity
        return entity

    def file_edges(self, table: FileTable, module_id: str) -> list[Edge]:
        """IMPORTS, CALLS, INHERITS and REFERENCES edges whose source lies in `table`'s file."""
        edges: list[Edge] = []
        path = table.path
        for ref in table.refs:
            src = module_id if ref.src == 0 else f"{path}:{table.symbols[ref.src].qualname}"
            if ref.kind == IMPORT:
                if ref.name == "*":
                    continue
                edges.append(Edge(module_id, self.resolve(table, ref), EdgeKind.IMPORTS, ref.line))
            elif ref.kind == CALL:
                edges.append(Edge(src, self.resolve(table, ref), EdgeKind.CALLS, ref.line))
            elif ref.kind == INHERIT:
                edges.append(Edge(src, self.resolve(table, ref), EdgeKind.INHERITS, ref.line))
            elif ref.kind == REFERENCE:
                target = self.resolve(table, ref)
                if not target.startswith("?"):  # unresolved plain names are mostly local variables
                    edges.append(Edge(src, target, EdgeKind.REFERENCES, ref.line))
        return _unique(edges)

    # -- names ----------------------------------------------------------------------------
    def _name(self, table: FileTable, src: int, dotted: str) -> Entity | None:
        parts = dotted.split(".")
        head, rest = parts[0], parts[1:]
        symbols = table.symbols
        cls = _enclosing_class(symbols, src)
        if head in ("self", "cls", "this") and cls is not None:
            if not rest:
                return ("s", table.path, symbols[cls].qualname)
            if len(rest) == 1:
                return self._class_member(("s", table.path, symbols[cls].qualname), rest[0], 0)
            if len(rest) == 2:  # self.attr.method(): attr's class from `self.attr = Cls(...)`
                held = self._attribute_class(table, cls, rest[0])
                return self._class_member(held, rest[1], 0) if held is not None else None
            return None
        if head == "super" and cls is not None and rest:
            for base in self._bases(("s", table.path, symbols[cls].qualname)):
                found = self._class_member(base, rest[0], 0)
                if found is not None:
                    return found if len(rest) == 1 else None
            return None
        if table.language == "java" and not rest and cls is not None:
            # An unqualified Java call is a method of the enclosing class (or its bases).
            found = self._class_member(("s", table.path, symbols[cls].qualname), head, 0)
            if found is not None:
                return found
        entity = self._scope_lookup(table, src, head)
        if entity is None and len(rest) == 1:  # x.method() with `x = Cls(...)` in scope
            held = self._local_class(table, src, head)
            return self._class_member(held, rest[0], 0) if held is not None else None
        for part in rest:
            if entity is None:
                return None
            entity = self._member(entity, part, 0)
        return entity

    def _class_of_calls(self, table: FileTable, scoped: list[tuple[int, str]]) -> Entity | None:
        """The class that every (scope, callee) instantiates, if they all agree on one."""
        found: Entity | None = None
        for scope, callee in scoped:
            entity = self._instantiated(table, scope, callee)
            if entity is None or (found is not None and entity != found):
                return None
            found = entity
        return found

    def _instantiated(self, table: FileTable, scope: int, callee: str) -> Entity | None:
        """The class `callee` names in `scope`, when it is one (`x = Cls(...)`)."""
        key = ("new", table.path, scope, callee)
        if key not in self._memo:
            self._memo[key] = None  # cycle guard
            entity = self._name(table, scope, callee) if callee else None
            self._memo[key] = entity if entity is not None and self._is_class(entity) else None
        return self._memo[key]

    def _local_class(self, table: FileTable, src: int, name: str) -> Entity | None:
        scope = src
        while scope > 0:
            callees = table.assigns.get((scope, name))
            if callees:
                return self._class_of_calls(table, [(scope, c) for c in callees])
            scope = table.symbols[scope].parent
        callees = table.assigns.get((0, name))
        return self._class_of_calls(table, [(0, c) for c in callees]) if callees else None

    def _attribute_class(self, table: FileTable, cls: int, attr: str) -> Entity | None:
        scoped = [
            (scope, callee)
            for (scope, name), callees in table.assigns.items()
            if name in (f"self.{attr}", f"cls.{attr}") and scope > 0 and table.symbols[scope].parent == cls
            for callee in callees
        ]
        return self._class_of_calls(table, scoped) if scoped else None

    def _is_class(self, entity: Entity) -> bool:
        if entity[0] != "s":
            return False
        t = self.view.table(entity[1])
        idx = t.by_qual.get(entity[2]) if t is not None else None
        return idx is not None and t.symbols[idx].kind == "class"  # type: ignore[union-attr]

    def _scope_lookup(self, table: FileTable, src: int, name: str) -> Entity | None:
        symbols = table.symbols
        scope = src
        while scope > 0:
            sym = symbols[scope]
            # Python class bodies are not enclosing scopes for the functions inside them.
            if sym.kind != "class" or scope == src:
                idx = table.by_qual.get(f"{sym.qualname}.{name}")
                if idx is not None:
                    return ("s", table.path, symbols[idx].qualname)
            scope = sym.parent
        if name in table.by_qual:
            return ("s", table.path, name)
        ref = table.bindings.get(name)
        if ref is not None:
            return self._binding(table, ref)
        if table.language in ("go", "java"):
            return self._package_member(table.path, table.language, name)
        return None

    def _package_member(self, path: str, language: str, name: str) -> Entity | None:
        """`name` defined by another file of `path`'s directory (Go and Java packages)."""
        for other in self.view.dirs.get(posixpath.dirname(path), ()):
            if other == path:
                continue
            t = self.view.table(other)
            if t is not None and t.language == language and name in t.by_qual:
                return ("s", other, name)
        return None

    def _defines(self, path: str, qual: str) -> bool:
        t = self.view.table(path)
        return t is not None and qual in t.by_qual

    def _binding(self, table: FileTable, ref: Ref) -> Entity | None:
        module = self._import_module(table, ref.target)
        if module is None:
            return None
        if ref.name and ref.name != "*" and ref.name != "default":
            if table.language == "python" and not ref.alias and "." in ref.name:
                return None
            return self._member(module, ref.name, 0)
        if table.language == "python" and not ref.alias and not ref.name:
            # `import a.b.c` binds `a`.
            top = self._module(ref.target.split(".")[0])
            return top
        if table.language == "java":
            cls = ref.target.rsplit(".", 1)[-1]
            if self._defines(module[1], cls):
                return ("s", module[1], cls)
        if ref.name == "default" and ref.alias and self._defines(module[1], ref.alias):
            return ("s", module[1], ref.alias)
        return module

    def _module(self, name: str) -> Entity | None:
        path = self.view.path_of.get(name)
        return ("m", path) if path is not None else None

    def _import_module(self, table: FileTable, spec: str) -> Entity | None:
        return self._import_at(table.path, table.language, spec)

    def _import_at(self, path: str, lang: str, spec: str) -> Entity | None:
        """The module an import of `spec` in the file at `path` names, if the view has it."""
        key = (path, lang, spec)
        if key not in self._imports:
            self._imports[key] = self._find_import(path, lang, spec)
        return self._imports[key]

    def _find_import(self, path: str, lang: str, spec: str) -> Entity | None:
        if lang == "python":
            if spec.startswith("."):
                dots = len(spec) - len(spec.lstrip("."))
                own = self.view.module_of.get(path, "")
                is_pkg = posixpath.basename(path).startswith("__init__.")
                base = own.split(".") if own else []
                if not is_pkg:
                    base = base[:-1]
                if dots > 1:
                    base = base[: len(base) - (dots - 1)] if dots - 1 <= len(base) else []
                rest = spec[dots:]
                name = ".".join([*base, rest] if rest else base)
                return self._module(name) if name else None
            return self._module(spec)
        if lang in ("javascript", "typescript", "tsx"):
            if not spec.startswith("."):
                return None
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
            candidates = [joined] + [joined + e for e in _JS_EXTS] + [f"{joined}/index{e}" for e in _JS_EXTS]
            if posixpath.splitext(joined)[1] in (".js", ".mjs", ".cjs"):
                stem = posixpath.splitext(joined)[0]
                candidates += [stem + e for e in (".ts", ".tsx")]
            for cand in candidates:
                if cand in self.view.path_set:
                    return ("m", cand)
            return None
        if lang == "java":
            # Source roots vary (src/main/java/...): match the class file by path suffix.
            suffix = "/" + spec.replace(".", "/") + ".java"
            for cand in self.view.paths:
                if ("/" + cand).endswith(suffix):
                    return ("m", cand)
            return None
        if lang == "go":
            # A Go import path names a directory; match the longest directory suffix.
            parts = spec.strip("/").split("/")
            for i in range(len(parts)):
                files = self.view.dirs.get("/".join(parts[i:]))
                if files:
                    go = [f for f in files if f.endswith(".go") and not f.endswith("_test.go")] or files
                    return ("m", go[0])
            return None
        return None

    # -- members --------------------------------------------------------------------------
    def _member(self, entity: Entity, name: str, hops: int) -> Entity | None:
        if hops > MAX_HOPS:
            return None
        if entity[0] == "s":
            return self._class_member(entity, name, hops)
        path = entity[1]
        table = self.view.table(path)
        if table is None:
            return None
        if name in table.by_qual:
            return ("s", path, name)
        if table.language == "go":
            for other in self.view.dirs.get(posixpath.dirname(path), ()):
                t = self.view.table(other)
                if t is not None and t.language == "go" and name in t.by_qual:
                    return ("s", other, name)
            return None
        module = self.view.module_of.get(path, "")
        sub = self._module(f"{module}.{name}") if module else None
        if sub is not None:
            return sub
        ref = table.bindings.get(name)
        if ref is not None:  # re-export: `from .core import Basic` in a package __init__
            key = ("bind", path, name)
            if key in self._memo:
                return self._memo[key]
            self._memo[key] = None  # cycle guard
            found = self._binding(table, ref)
            self._memo[key] = found
            return found
        # Star imports re-export everything.
        for star in table.stars:
            module_entity = self._import_module(table, star.target)
            if module_entity is not None and module_entity != entity:
                found = self._member(module_entity, name, hops + 1)
                if found is not None:
                    return found
        return None

    def _class_member(self, cls: Entity, name: str, hops: int) -> Entity | None:
        if hops > MAX_HOPS or cls[0] != "s":
            return None
        table = self.view.table(cls[1])
        if table is None:
            return None
        qual = f"{cls[2]}.{name}"
        if qual in table.by_qual:
            return ("s", cls[1], qual)
        for base in self._bases(cls):
            found = self._class_member(base, name, hops + 1)
            if found is not None:
                return found
        return None

    def _bases(self, cls: Entity) -> list[Entity]:
        key = ("bases", cls)
        if key in self._memo:
            return self._memo[key]  # type: ignore[return-value]
        self._memo[key] = []  # cycle guard
        table = self.view.table(cls[1])
        out: list[Entity] = []
        if table is not None:
            idx = table.by_qual.get(cls[2])
            for ref in table.refs:
                if ref.kind == INHERIT and ref.src == idx:
                    entity = self.entity_of_ref(table, ref)
                    if entity is not None and entity[0] == "s" and entity != cls:
                        out.append(entity)
        self._memo[key] = out  # type: ignore[assignment]
        return out


def import_names(ref: Ref) -> set[str]:
    """Names an import is found under: what it imports, the module's last part, the alias."""
    out = {ref.target.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[-1]}
    if ref.name and ref.name != "*":
        out.add(ref.name)
    if ref.alias:
        out.add(ref.alias)
    return out


def used_names(ref: Ref) -> set[str]:
    """Names under which a store indexes a ref for incoming-edge lookups."""
    if ref.kind == IMPORT:
        return import_names(ref)
    if ref.kind == ASSIGN:
        return set()
    return {ref.name} if ref.name else set()


def _enclosing_class(symbols: list[Symbol], src: int) -> int | None:
    scope = src
    while scope > 0:
        if symbols[scope].kind == "class":
            return scope
        scope = symbols[scope].parent
    return None


def _unique(edges: list[Edge]) -> list[Edge]:
    best: dict[tuple, Edge] = {}
    for e in edges:
        key = (e.src, e.dst, e.kind)
        if key not in best or e.line < best[key].line:
            best[key] = e
    return sorted(best.values(), key=_edge_key)


def _edge_key(e: Edge) -> tuple:
    return (e.src, e.dst, e.kind, e.line)


# -- node kinds that depend on where a file sits ----------------------------------------------
_TEST_DIRS = {"test", "tests", "testing", "__tests__", "spec"}


def is_test_path(path: str) -> bool:
    """Test files by the usual conventions of the languages we parse."""
    base = posixpath.basename(path)
    if base.startswith("test_") or base.endswith(("_test.py", "_test.go", "Test.java", "Tests.java")):
        return True
    if ".test." in base or ".spec." in base or base == "conftest.py":
        return True
    return any(part in _TEST_DIRS for part in path.split("/")[:-1])


def symbol_kind(language: str, path: str, symbols: list[Symbol], index: int) -> NodeKind:
    """class / function / test for a definition in a file at `path`."""
    sym = symbols[index]
    if sym.kind == "module":
        return NodeKind.MODULE
    if sym.kind == "class":
        return NodeKind.CLASS
    name = sym.name
    parent = symbols[sym.parent] if sym.parent > 0 else None
    if language == "python":
        in_test_class = parent is not None and parent.kind == "class" and parent.name.startswith("Test")
        if name.startswith("test") and (in_test_class or (is_test_path(path) and (parent is None or parent.kind == "class"))):
            return NodeKind.TEST
    elif language == "go":
        if path.endswith("_test.go") and name.startswith(("Test", "Benchmark", "Example")) and parent is None:
            return NodeKind.TEST
    elif language == "java":
        if "@Test" in sym.signature:
            return NodeKind.TEST
    elif is_test_path(path) and sym.kind == "function" and name in ("it", "test"):
        return NodeKind.TEST
    return NodeKind.FUNCTION
