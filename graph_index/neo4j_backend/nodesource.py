"""The nodes of one indexed view, built on the client from its file contents' definitions.

A node's properties are a pure function of the view's layout (paths, module names) and the
definitions extracted from its file's content, which every content's `Blob` holds already
(`syms`). So the server keeps no node per definition: answering builds them with the same
`ViewGraph` code as the embedded store (parity by construction), reading each content's
definitions once (one query per batch of files) and keeping them for later queries. Writing a
`Code` node per definition cost sympy's first index ~3 s of server CPU (~65 us each; a quarter of
its server work) and every changed file of a later commit its definitions again.
"""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Iterable

from graph_index.errors import GraphStoreError
from graph_index.models import Node
from graph_index.neo4j_backend.connection import Connection
from graph_index.neo4j_backend.layout import FORMAT, ViewLayout
from graph_index.parsing.facts import Symbol
from graph_index.resolve import FileSymbols, language_of
from graph_index.viewgraph import ViewGraph


def pack_syms(syms: list[tuple]) -> bytes:
    """A content's definition rows as its `Blob` keeps them (`syms`)."""
    return zlib.compress(marshal.dumps(syms), 1)


def unpack_syms(packed: bytes) -> list[tuple]:
    return marshal.loads(zlib.decompress(packed))


class NodeSource:
    """Nodes of one view (`ViewLayout`), from its contents' definitions read from the server on
    first use."""

    def __init__(self, conn: Connection, layout: ViewLayout) -> None:
        self.conn = conn
        self.layout = layout
        self._syms: dict[str, list[Symbol]] = {}
        """content sha -> its definitions (read once; contents never change)."""
        files = {p: language_of(p) or "" for p in layout.shas}
        self.vg = ViewGraph(layout.repo_name, files, self._no_table, sha_of=lambda p: layout.shas.get(p, ""),
                            load_symbols=self._symbols)

    @staticmethod
    def _no_table(path: str) -> None:
        raise AssertionError(f"node reads never need {path!r}'s refs")

    def _symbols(self, path: str) -> FileSymbols | None:
        sha = self.layout.shas.get(path)
        if sha is None:
            return None
        if sha not in self._syms:
            self.fetch([path])
        return FileSymbols(path, self.vg.language_of[path], self._syms[sha])

    def fetch(self, paths: Iterable[str]) -> None:
        """Read the definitions of the contents at `paths` not read yet (one query)."""
        shas = self.layout.shas
        want = sorted({shas[p] for p in paths if p in shas and shas[p] not in self._syms})
        if not want:
            return
        repo = self.layout.repo
        rows = self.conn.values(
            "UNWIND $keys AS k MATCH (b:Blob {key: k}) RETURN b.sha, b.syms",
            keys=[f"{repo}|{FORMAT}|{sha}" for sha in want],
        )
        for sha, packed in rows:
            self._syms[sha] = [Symbol(*r) for r in unpack_syms(packed)]
        missing = [sha for sha in want if sha not in self._syms]
        if missing:  # a view names only contents it wrote: another process deleted its commit meanwhile
            raise GraphStoreError(f"the stored contents {', '.join(missing[:3])} of {self.layout.repo_name} are gone "
                                  "(its commit was deleted while in use); index the commit again")

    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """id -> node for the ids this view holds."""
        ids = list(ids)
        self.fetch(p for p in map(self.layout.path_of_id, ids) if p is not None)
        out: dict[str, Node] = {}
        for i in ids:
            node = self.vg.node(i)
            if node is not None:
                out[i] = node
        return out

    def sym_nodes(self, locs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Node]:
        """(path, index of the definition in its file) -> node."""
        locs = list(locs)
        self.fetch(p for p, _ in locs)
        return {(p, i): self.vg._sym_node(p, i) for p, i in locs}

    def named(self, ids: Iterable[str], column: str, value: str) -> list[tuple[str, int]]:
        """(path, index) of the definitions among `ids` whose `column` (`name` or `qualname`)
        equals `value`, in (path, index) order."""
        ids = [i for i in ids if ":" in i]
        self.fetch(i.split(":", 1)[0] for i in ids)
        out = []
        for i in ids:
            loc = self.vg._locate(i)
            if loc is None or loc[0] != "sym" or loc[2] == 0:
                continue
            sym = self.vg.tables.symbols(loc[1]).symbols[loc[2]]  # type: ignore[union-attr]
            if getattr(sym, column) == value:
                out.append((loc[1], loc[2]))
        return sorted(out)

    def file_skeleton(self, path: str) -> str:
        self.fetch([path])
        return self.vg.file_skeleton(path)
