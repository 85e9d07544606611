"""The Neo4j backend's piece cache: extraction entries of Python pieces (`parsing.chunks`) by
content key, in a local SQLite file next to where the embedded store would keep its index
(`graph.index_dir/<repository key>.pieces.sqlite`).

It is only a cache: an entry is a pure function of its key (extractor version and piece bytes),
so any process may fill it and a missing or emptied file only costs re-extraction. Kept locally
rather than in the server, because writing ~10k entries per sympy-sized repository into Neo4j
would cost the server CPU the first index is short of, and every reader of it is the local
parse. Processes indexing into one server from one machine share the file (WAL, busy timeout).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from graph_index.parsing import chunks as chunking

BUSY_TIMEOUT_S = 30.0


class PieceCache:
    """`indexer.ChunkCache` over one SQLite file; `put` keeps entries until `flush`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # A rowid table: entries are appended and only their short keys go into an index. Kept
        # inside the key's b-tree (WITHOUT ROWID, as files written before this have it), every
        # ~1.6 KB entry landed at a random place among the others: sympy's 25 MB of entries cost
        # ~0.9 s to insert instead of ~0.25 s, on the thread consuming parse results.
        layout = self.db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'pieces'").fetchone()
        if layout is not None and "WITHOUT ROWID" in layout[0].upper():
            self.db.execute("DROP TABLE pieces")  # only a cache: its entries are extracted again
        self.db.execute("CREATE TABLE IF NOT EXISTS pieces(key TEXT PRIMARY KEY, entry BLOB)")
        self.pending: dict[str, bytes] = {}
        self._version = chunking.version()
        self._dropped = False

    def get(self, keys: list[str]) -> dict[str, bytes]:
        """key -> packed entry of the keys stored (or put since the last flush)."""
        out: dict[str, bytes] = {}
        for i in range(0, len(keys), 900):
            part = keys[i : i + 900]
            out.update(self.db.execute(
                f"SELECT key, entry FROM pieces WHERE key IN ({','.join('?' * len(part))})", part).fetchall())
        for key in keys:
            if key not in out and key in self.pending:
                out[key] = self.pending[key]
        return out

    def put(self, entries: dict[str, bytes]) -> None:
        self.pending.update(entries)

    def flush(self) -> None:
        """Write the pending entries in one transaction; the first flush also forgets entries of
        other extractor versions (keys start with the version)."""
        if not self.pending:
            return
        rows: Sequence[tuple[str, bytes]] = list(self.pending.items())
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if not self._dropped:
                self.db.execute("DELETE FROM pieces WHERE substr(key, 1, ?) != ?",
                                (len(self._version), self._version))
            self.db.executemany("INSERT OR IGNORE INTO pieces(key, entry) VALUES (?, ?)", rows)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self._dropped = True
        self.pending = {}

    def close(self) -> None:
        self.db.close()
