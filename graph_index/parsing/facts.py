"""What extraction yields for one file: plain, picklable data keyed by the file's content hash.

Facts never depend on where the file sits or which other files exist; cross-file resolution
happens later, per view (see `graph_index.resolve`). So one file's facts serve every commit
that contains the same content.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MODULE_INDEX = 0
"""Symbol index 0 is the file's module; definitions follow in document order."""


@dataclass(slots=True)
class Symbol:
    kind: str
    """`module`, `class` or `function` (tests are functions; the view decides from path and name)."""
    name: str
    qualname: str
    """Dotted name inside the file (`Class.method`); empty for the module."""
    parent: int
    """Index of the enclosing symbol (0 = module; -1 for the module itself)."""
    start_line: int
    end_line: int
    signature: str = ""
    docstring: str = ""
    content_hash: str = ""
    terms: str = ""
    """Text for full-text search (identifiers of the symbol's own span)."""

    def row(self) -> tuple:
        return (self.kind, self.name, self.qualname, self.parent, self.start_line, self.end_line,
                self.signature, self.docstring, self.content_hash, self.terms)


def unique_qualname(qual: str, seen: dict[str, int]) -> str:
    """`qual`, or `qual#2`, `#3`... for later definitions of the same name in one file (ids must
    be unique, and a redefinition is still a definition)."""
    if qual in seen:
        seen[qual] += 1
        return f"{qual}#{seen[qual]}"
    seen[qual] = 1
    return qual


# Ref kinds
CALL = "call"
IMPORT = "import"
INHERIT = "inherit"
REFERENCE = "reference"
ASSIGN = "assign"
"""Not an edge: `name = Callee(...)` (name may be `self.attr`), for resolving `name.method()`.
`target` is the callee as written, `name` the assigned name."""


@dataclass(slots=True)
class Ref:
    """A use of a name, as written. Resolution turns it into an edge."""

    src: int
    """Symbol index the use sits in (0 = module level)."""
    kind: str
    target: str
    """Dotted expression as written (`self.save`, `os.path.join`); for imports the module spec
    (`..core.basic`, `os`, `./util`, `fmt`)."""
    name: str
    """Last component of `target`; for imports the imported name (`` for the whole module, `*`)."""
    alias: str = ""
    """Imports: the local name bound (`np` for `import numpy as np`)."""
    line: int = 0

    def row(self) -> tuple:
        return (self.src, self.kind, self.target, self.name, self.alias, self.line)


@dataclass(slots=True)
class FileFacts:
    language: str
    symbols: list[Symbol] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    errors: bool = False
    """tree-sitter reported syntax errors; symbols and refs are what it recovered."""
    lines: int = 0
    package: str = ""
    """Declared package (Java `package a.b;`, Go `package x`); empty where the language has none."""
