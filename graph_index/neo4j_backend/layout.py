"""Where every node of a view lives: pure functions from a view's files (path -> content sha) to
unit keys and node uids, computed the same way when indexing and when answering queries.

A *unit* is what the store shares between commits: a file content at a path (with the module
name the view gives it), a directory, or the repository. A node's uid is `unit|id`, so two
commits that hold the same file share its nodes, and a changed file gets new ones without
touching the old commit's.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field

from graph_index.models import REPOSITORY_ID, is_unresolved
from graph_index.parsing import ROW_VERSION
from graph_index.resolve import ViewTables, language_of
from graph_index.store import SCHEMA_VERSION

FORMAT = f"{SCHEMA_VERSION}.{ROW_VERSION}.5"
"""Extraction and store versions, and this backend's own: part of every content key, so facts,
nodes and edges written by another version are never reused (they are rewritten alongside).
`.3`: searchable columns on `Blob` nodes, not on `Code` nodes; `.4`: one string per column;
`.5`: no `Code` node per definition (`nodesource`), a `Blob`'s definitions packed apart (`syms`)."""


def digest(*parts: str) -> str:
    """A short, stable key for a tuple of strings."""
    return hashlib.sha1("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:20]


def group_key(unit: str, edges: list[tuple]) -> int:
    """A signed 64-bit key for one unit's out-edges under one resolution (relationship property)."""
    # One update of the joined reprs: the same digest as one update per edge, at half the cost.
    h = hashlib.sha1(unit.encode())
    h.update("".join(map(repr, edges)).encode("utf-8", "surrogatepass"))
    return int.from_bytes(h.digest()[:8], "big", signed=True)


@dataclass
class ViewLayout:
    """Unit keys and uids of one view of repository `repo` (a key) named `repo_name`."""

    repo: str
    repo_name: str
    shas: dict[str, str]
    """path -> content sha of every indexed source file."""
    tables: ViewTables = field(init=False)
    dirs: set[str] = field(init=False)
    unit_of_path: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.tables = ViewTables(self.shas, lambda path: None)
        self.dirs = set()
        for path in self.shas:
            d = posixpath.dirname(path)
            while d and d not in self.dirs:
                self.dirs.add(d)
                d = posixpath.dirname(d)
        self.unit_of_path = {
            p: digest(FORMAT, self.repo, "f", p, sha, self.tables.module_of[p], language_of(p) or "")
            for p, sha in self.shas.items()
        }

    @property
    def repo_unit(self) -> str:
        return digest(FORMAT, self.repo, "r", self.repo_name)

    def dir_unit(self, d: str) -> str:
        return digest(FORMAT, self.repo, "d", d)

    def units(self) -> list[str]:
        """Every unit of the view, sorted."""
        return sorted({self.repo_unit, *(self.dir_unit(d) for d in self.dirs), *self.unit_of_path.values()})

    def anchor(self, node_id: str) -> str:
        """The `Sym` key of an id in this repository."""
        return f"{self.repo}|{node_id}"

    def uid(self, node_id: str) -> str | None:
        """The uid this view would give `node_id` (None when no unit of the view can hold it).
        Checks mirror `ViewGraph._locate`, in the same order."""
        if node_id == REPOSITORY_ID:
            return f"{self.repo_unit}|{node_id}"
        if is_unresolved(node_id):
            return None
        if ":" in node_id:
            path = node_id.split(":", 1)[0]
            unit = self.unit_of_path.get(path)
            return f"{unit}|{node_id}" if unit else None
        if node_id in self.shas:
            return f"{self.unit_of_path[node_id]}|{node_id}"
        if node_id.endswith("/") and node_id[:-1] in self.dirs:
            return f"{self.dir_unit(node_id[:-1])}|{node_id}"
        path = self.tables.path_of.get(node_id)
        if path is not None:
            return f"{self.unit_of_path[path]}|{node_id}"
        return None

    def path_of_id(self, node_id: str) -> str | None:
        """The file (or directory) a node id lies in, as `ViewGraph._locate(...)[1]` gives it."""
        uid = self.uid(node_id)
        if uid is None or node_id == REPOSITORY_ID:
            return None
        if ":" in node_id:
            return node_id.split(":", 1)[0]
        if node_id in self.shas:
            return node_id
        if node_id.endswith("/") and node_id[:-1] in self.dirs:
            return node_id[:-1]
        return self.tables.path_of.get(node_id)
