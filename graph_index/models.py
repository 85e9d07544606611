"""Typed values every backend returns: nodes, edges, search hits, subgraphs, index statistics.

Ids are stable and readable, and the same in every backend:
- repository `.`; directory `sympy/core/` (trailing slash); file `sympy/core/basic.py` (repository-relative path);
- module: its dotted import name (`sympy.core.basic`; a package's `__init__.py` is the package);
- class, function, method, test: `path.py:Qualified.name` (`sympy/core/basic.py:Basic.atoms`);
  a second definition of the same qualified name in one file gets `#2`, `#3`, ... appended;
- an unresolved call or reference target: `?name` (the last component of what was written).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class NodeKind(StrEnum):
    REPOSITORY = "repository"
    DIRECTORY = "directory"
    FILE = "file"
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    """A function or method; a method is a function whose parent is a class."""
    TEST = "test"
    """A test function or test method (pytest/unittest naming, Go `TestX`, Java `@Test`)."""


class EdgeKind(StrEnum):
    CONTAINS = "CONTAINS"
    """repository/directory -> directory/file."""
    DEFINES = "DEFINES"
    """file -> module, module -> top-level class/function, class/function -> nested definition."""
    IMPORTS = "IMPORTS"
    """module -> imported module, or -> the class/function a `from m import x` names."""
    CALLS = "CALLS"
    """function/class/module -> called function/class (or `?name` when unresolved)."""
    INHERITS = "INHERITS"
    """class -> base class (or `?name` when unresolved)."""
    REFERENCES = "REFERENCES"
    """function/class -> a definition it names without calling (decorators, annotations,
    isinstance/issubclass classes); only resolved targets, unlike CALLS."""
    TESTS = "TESTS"
    """test -> code it exercises (resolved calls from the test, and `test_x` naming `x`)."""


UNRESOLVED_PREFIX = "?"
REPOSITORY_ID = "."


def is_unresolved(node_id: str) -> bool:
    """True for placeholder targets (`?name`) of calls and references that did not resolve."""
    return node_id.startswith(UNRESOLVED_PREFIX)


@dataclass(frozen=True, slots=True)
class Node:
    """One vertex of the code graph. Lines are 1-based and inclusive; 0 when not applicable."""

    id: str
    kind: NodeKind
    name: str
    qualname: str
    path: str
    start_line: int = 0
    end_line: int = 0
    signature: str = ""
    docstring: str = ""
    content_hash: str = ""
    language: str = ""
    parent: str = ""
    """Id of the defining node (file for a module, module for a top-level def, class for a method)."""

    @property
    def is_method(self) -> bool:
        """A function defined directly in a class."""
        return self.kind in (NodeKind.FUNCTION, NodeKind.TEST) and ":" in self.parent

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (kind as its string value)."""
        data = asdict(self)
        data["kind"] = str(self.kind)
        return data


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    """A directed, typed relation. `line` is where it happens in `src`'s file (call site, import)."""

    src: str
    dst: str
    kind: EdgeKind
    line: int = 0

    @property
    def resolved(self) -> bool:
        """False when the target is a `?name` placeholder."""
        return not is_unresolved(self.dst)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"src": self.src, "dst": self.dst, "kind": str(self.kind), "line": self.line}


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A full-text match. `score` is BM25 turned positive: higher is better."""

    node: Node
    score: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"score": round(self.score, 4), **self.node.to_dict()}


@dataclass(frozen=True, slots=True)
class Subgraph:
    """Nodes and edges around a query; `nodes` includes the origin, ordered by distance then id."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def ids(self) -> list[str]:
        """Node ids in order."""
        return [n.id for n in self.nodes]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"nodes": [n.to_dict() for n in self.nodes], "edges": [e.to_dict() for e in self.edges]}


@dataclass(frozen=True, slots=True)
class RepoMapEntry:
    """One symbol of a repository map with its centrality score."""

    node: Node
    score: float


@dataclass(frozen=True, slots=True)
class RepoMap:
    """The most central symbols within a token budget, and their rendering for a prompt."""

    entries: list[RepoMapEntry]
    text: str
    tokens: int


@dataclass(slots=True)
class IndexStats:
    """What one `index` call did."""

    repo: str
    commit: str | None
    index_path: str = ""
    files_total: int = 0
    """Source files in the indexed view."""
    files_parsed: int = 0
    """Files whose content was new to the store and was parsed."""
    files_reused: int = 0
    """Files whose content hash was already in the store (no parse)."""
    files_skipped: int = 0
    """Files of unknown language or binary content, not parsed."""
    files_with_errors: int = 0
    """Parsed files where tree-sitter reported syntax errors (what it recovered is kept)."""
    nodes: int = 0
    """Repository, directories, files, modules and definitions in the view."""
    edges: int = 0
    """Structural edges plus one per stored use (call, import, base, reference); calls and
    imports resolve per view when queried, and TESTS edges are derived, so they are not counted."""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)
