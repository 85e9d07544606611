"""The embedded store: one SQLite file per repository (WAL, FTS5), content-addressed.

Tables:
- `blobs`: one row per distinct file content (git blob sha) with its refs, marshalled;
- `syms`: definitions of each blob (index 0 is the module), with a contentless FTS5 twin `fts`;
- `names`: which blobs use which name (call, base, reference, import), for callers lookups;
- `views` / `view_files`: a view is a path -> blob mapping (one per distinct tree);
- `commits`: commit (or working tree) -> view;
- `chunks`: extraction entries of top-level chunks of Python files (`parsing.chunks`), so a file
  changed by small edits re-extracts only its changed definitions, in any process sharing the file.
Nothing here resolves names or ranks; it only stores and fetches plain rows.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import sqlite3
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import structlog

from graph_index.errors import GraphStoreError

log = structlog.get_logger(__name__)

FORMAT = "orch-graph-index"
SCHEMA_VERSION = "6"
"""Bump whenever extraction output changes: stored facts are keyed by content only."""
_SQLITE_MAGIC = b"SQLite format 3\x00"

_CHUNKS_SCHEMA = "CREATE TABLE IF NOT EXISTS chunks(key TEXT PRIMARY KEY, entry BLOB);"
# Not part of SCHEMA_VERSION: a cache (keys carry the extractor's version), added to older files on open.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS blobs(
    id INTEGER PRIMARY KEY, sha TEXT UNIQUE NOT NULL, language TEXT, errors INT, lines INT,
    package TEXT, n_syms INT, n_refs INT, refs BLOB);
CREATE TABLE IF NOT EXISTS syms(
    id INTEGER PRIMARY KEY, blob INT NOT NULL, idx INT NOT NULL, kind TEXT, name TEXT,
    qualname TEXT, parent INT, start_line INT, end_line INT, signature TEXT, docstring TEXT,
    content_hash TEXT);
CREATE INDEX IF NOT EXISTS syms_blob ON syms(blob, idx);
CREATE INDEX IF NOT EXISTS syms_name ON syms(name);
CREATE INDEX IF NOT EXISTS syms_qualname ON syms(qualname);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(name, qualname, doc, body, content='', tokenize='unicode61');
CREATE TABLE IF NOT EXISTS names(name TEXT NOT NULL, blob INT NOT NULL, PRIMARY KEY(name, blob)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS views(id INTEGER PRIMARY KEY, digest TEXT UNIQUE NOT NULL, n_files INT);
CREATE TABLE IF NOT EXISTS view_files(view INT NOT NULL, path TEXT NOT NULL, blob INT NOT NULL,
    PRIMARY KEY(view, path)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS view_files_blob ON view_files(blob, view);
CREATE TABLE IF NOT EXISTS commits(key TEXT PRIMARY KEY, view INT NOT NULL, repo TEXT,
    commit_sha TEXT, indexed_at REAL, skipped INT);
""" + _CHUNKS_SCHEMA

SYM_COLUMNS = "id, blob, idx, kind, name, qualname, parent, start_line, end_line, signature, docstring, content_hash"


def _not_an_index(path: Path, why: str) -> GraphStoreError:
    return GraphStoreError(f"{path} is not an orch index ({why}); rebuild with orch index --rebuild")


def remove_index(path: Path) -> None:
    """Delete an index file and its WAL companions."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def pack_row(row: tuple) -> tuple:
    """An extraction row in the form `add_blobs` writes: (sha, language, errors, lines, package,
    symbol rows, ref count, refs marshalled and compressed, used names). A process pool runs this
    next to the extraction (see `indexer.parse_files`), so the writer only inserts."""
    sha, language, errors, lines, package, syms, refs = row
    # The same names as `resolve.used_names`, inlined: this runs for every ref of a repository.
    used: set[str] = set()
    add = used.add
    n_refs = 0
    for _src, kind, target, name, alias, _line in refs:
        if kind == "import":
            n_refs += 1
            add(target.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[-1])
            if name and name != "*":
                add(name)
            if alias:
                add(alias)
        elif kind != "assign":
            n_refs += 1
            if name:
                add(name)
    return sha, language, errors, lines, package, syms, n_refs, zlib.compress(marshal.dumps(refs), 1), sorted(used)


class _SchemaMismatch(Exception):
    pass


def _guarded(cls: type) -> type:
    """Turn SQLite errors from any public method into the one clear `GraphStoreError`: damage
    deep inside a file only shows when a query reaches it."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(self, *args, **kwargs):
            try:
                return fn(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    raise GraphStoreError(f"{self.path} is locked by another writer: {exc}") from None
                raise _not_an_index(self.path, f"{type(exc).__name__}: {exc}") from None

        return inner

    for name, fn in list(vars(cls).items()):
        if callable(fn) and not name.startswith("_"):
            setattr(cls, name, wrap(fn))
    return cls


@_guarded
class SqliteStore:
    """Rows in, rows out. One connection per instance; open one store per process or thread.

    An index written by another schema version is derived data: it is rebuilt on open.
    """

    def __init__(self, path: Path, *, create: bool = True, rebuild: bool = False) -> None:
        self.path = Path(path)
        if rebuild:
            remove_index(self.path)
        try:
            self._open(create)
        except _SchemaMismatch as exc:
            log.warning("rebuilding index written by another schema version", path=str(self.path), found=str(exc))
            self.db.close()
            remove_index(self.path)
            self._open(create)

    def _open(self, create: bool) -> None:
        exists = self.path.exists() and self.path.stat().st_size > 0
        if exists:
            with open(self.path, "rb") as fh:
                if fh.read(16) != _SQLITE_MAGIC:
                    raise _not_an_index(self.path, "not a SQLite database")
        elif not create:
            raise GraphStoreError(f"no index at {self.path}; run orch index first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA cache_size=-65536")
            if exists:
                self._check()
                self.db.execute(_CHUNKS_SCHEMA)
            else:
                self._create()
        except sqlite3.DatabaseError as exc:
            raise _not_an_index(self.path, f"{type(exc).__name__}: {exc}") from None

    def _check(self) -> None:
        try:
            rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise _not_an_index(self.path, f"{exc}") from None
        if rows.get("format") != FORMAT:
            raise _not_an_index(self.path, "no orch format marker")
        if rows.get("schema") != SCHEMA_VERSION:
            raise _SchemaMismatch(rows.get("schema"))

    def _create(self) -> None:
        self.db.executescript(_SCHEMA)
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?), ('schema', ?)", (FORMAT, SCHEMA_VERSION))

    def close(self) -> None:
        self.db.close()

    # -- writing ------------------------------------------------------------------------------
    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def known_blobs(self, shas: Iterable[str]) -> dict[str, int]:
        """sha -> blob id for the shas already stored."""
        return self._lookup("SELECT sha, id FROM blobs WHERE sha IN ({})", shas)

    def add_blobs(self, rows: Iterable[tuple]) -> dict[str, int]:
        """Store extracted files (rows from `parsing.extract_rows`, or those rows through
        `pack_row`); returns sha -> blob id. Call inside `begin()`/`commit()`."""
        db = self.db
        ids: dict[str, int] = {}
        next_sym = (db.execute("SELECT COALESCE(MAX(id), 0) FROM syms").fetchone()[0]) + 1
        sym_rows: list[tuple] = []
        fts_rows: list[tuple] = []
        name_rows: list[tuple] = []
        insert = "INSERT OR IGNORE INTO blobs(sha, language, errors, lines, package, n_syms, n_refs, refs) VALUES (?,?,?,?,?,?,?,?)"
        for row in rows:
            sha, language, errors, lines, package, syms, n_refs, packed, names = row if len(row) == 9 else pack_row(row)
            cur = db.execute(insert, (sha, language, errors, lines, package, len(syms), n_refs, packed))
            if cur.rowcount == 0:  # another writer stored it first
                ids[sha] = db.execute("SELECT id FROM blobs WHERE sha = ?", (sha,)).fetchone()[0]
                continue
            blob = cur.lastrowid
            ids[sha] = blob
            for idx, (kind, name, qual, parent, start, end, sig, doc, chash, terms) in enumerate(syms):
                sym_rows.append((next_sym, blob, idx, kind, name, qual, parent, start, end, sig, doc, chash))
                fts_rows.append((next_sym, name, qual, doc, terms))
                next_sym += 1
            name_rows.extend((n, blob) for n in names)
            if len(sym_rows) > 20000:
                self._flush(sym_rows, fts_rows, name_rows)
        self._flush(sym_rows, fts_rows, name_rows)
        return ids

    def _flush(self, sym_rows: list, fts_rows: list, name_rows: list) -> None:
        db = self.db
        db.executemany(f"INSERT INTO syms({SYM_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", sym_rows)
        db.executemany("INSERT INTO fts(rowid, name, qualname, doc, body) VALUES (?,?,?,?,?)", fts_rows)
        db.executemany("INSERT OR IGNORE INTO names(name, blob) VALUES (?, ?)", name_rows)
        sym_rows.clear()
        fts_rows.clear()
        name_rows.clear()

    def get_chunks(self, keys: Sequence[str]) -> dict[str, bytes]:
        """key -> packed entry for the chunk keys stored."""
        return self._lookup("SELECT key, entry FROM chunks WHERE key IN ({})", keys)

    def _lookup(self, query: str, keys: Iterable[str]) -> dict:
        """key -> value pairs of a two-column `query` whose `{}` takes the keys, in groups small
        enough for SQLite's limit on bound parameters."""
        out: dict = {}
        keys = list(keys)
        for i in range(0, len(keys), 900):
            part = keys[i : i + 900]
            out.update(self.db.execute(query.format(",".join("?" * len(part))), part).fetchall())
        return out

    def add_chunks(self, entries: Iterable[tuple[str, bytes]]) -> None:
        """Store chunk entries (key, packed entry); call inside `begin()`/`commit()`."""
        self.db.executemany("INSERT OR IGNORE INTO chunks(key, entry) VALUES (?, ?)", entries)

    def drop_chunks_except(self, prefix: str) -> None:
        """Forget chunk entries whose key does not start with `prefix` (another extractor's)."""
        if self.db.execute("SELECT value FROM meta WHERE key = 'chunks'").fetchone() != (prefix,):
            self.db.execute("DELETE FROM chunks WHERE substr(key, 1, ?) != ?", (len(prefix), prefix))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('chunks', ?)", (prefix,))

    def put_view(self, files: Sequence[tuple[str, int]]) -> int:
        """The view id for this path -> blob id mapping, created when new."""
        files = sorted(files)
        digest = hashlib.sha1("\n".join(f"{p}\0{b}" for p, b in files).encode()).hexdigest()
        row = self.db.execute("SELECT id FROM views WHERE digest = ?", (digest,)).fetchone()
        if row:
            return row[0]
        view = self.db.execute("INSERT INTO views(digest, n_files) VALUES (?, ?)", (digest, len(files))).lastrowid
        self.db.executemany("INSERT INTO view_files(view, path, blob) VALUES (?, ?, ?)", [(view, p, b) for p, b in files])
        return view

    def put_commit(self, key: str, view: int, repo: str, commit_sha: str | None, skipped: int) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO commits(key, view, repo, commit_sha, indexed_at, skipped) VALUES (?,?,?,?,?,?)",
            (key, view, repo, commit_sha, time.time(), skipped),
        )

    # -- reading ------------------------------------------------------------------------------
    def commit_view(self, key: str) -> int | None:
        row = self.db.execute("SELECT view FROM commits WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def latest_view(self) -> tuple[str, int] | None:
        row = self.db.execute("SELECT key, view FROM commits ORDER BY indexed_at DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else None

    def view_files(self, view: int) -> list[tuple[str, int, str]]:
        """(path, blob id, language) of a view, sorted by path."""
        return self.db.execute(
            "SELECT vf.path, vf.blob, b.language FROM view_files vf JOIN blobs b ON b.id = vf.blob"
            " WHERE vf.view = ? ORDER BY vf.path",
            (view,),
        ).fetchall()

    def view_counts(self, view: int) -> tuple[int, int]:
        """(definitions incl. modules, refs) summed over a view's files."""
        row = self.db.execute(
            "SELECT COALESCE(SUM(b.n_syms), 0), COALESCE(SUM(b.n_refs), 0) FROM view_files vf"
            " JOIN blobs b ON b.id = vf.blob WHERE vf.view = ?",
            (view,),
        ).fetchone()
        return row[0], row[1]

    def blob_meta(self, blob: int) -> tuple[str, int, int, str]:
        """(language, errors, lines, package)."""
        return self.db.execute("SELECT language, errors, lines, package FROM blobs WHERE id = ?", (blob,)).fetchone()

    def blob_syms(self, blob: int) -> list[tuple]:
        """Symbol rows of a blob in index order: (kind, name, qualname, parent, start, end,
        signature, docstring, content_hash)."""
        return self.db.execute(
            "SELECT kind, name, qualname, parent, start_line, end_line, signature, docstring, content_hash"
            " FROM syms WHERE blob = ? ORDER BY idx",
            (blob,),
        ).fetchall()

    def blob_refs(self, blob: int) -> list[tuple]:
        row = self.db.execute("SELECT refs FROM blobs WHERE id = ?", (blob,)).fetchone()
        return marshal.loads(zlib.decompress(row[0])) if row and row[0] else []

    def blobs_using(self, view: int, names: Sequence[str]) -> list[str]:
        """Paths in the view whose file uses any of `names` (calls, bases, references, imports)."""
        if not names:
            return []
        q = (
            "SELECT DISTINCT vf.path FROM names n JOIN view_files vf ON vf.blob = n.blob AND vf.view = ?"
            f" WHERE n.name IN ({','.join('?' * len(names))}) ORDER BY vf.path"
        )
        return [r[0] for r in self.db.execute(q, (view, *names)).fetchall()]

    def find_syms(self, view: int, column: str, value: str, limit: int = 200) -> list[tuple[str, int]]:
        """(path, idx) of definitions in the view whose `column` (name or qualname) equals value."""
        assert column in ("name", "qualname")
        # INDEXED BY and CROSS JOIN fix the plan: the name's rows (of every stored version), kept
        # when in the view's definitions. Left alone, SQLite probes the name once per file of the
        # view (seconds for `doit` on sympy's many-commit index).
        self._view_syms(view)
        return self.db.execute(
            f"SELECT vf.path, s.idx FROM syms s INDEXED BY syms_{column}"
            f" CROSS JOIN temp.view_syms t ON t.id = s.id"
            f" CROSS JOIN view_files vf ON vf.blob = s.blob AND vf.view = ?"
            f" WHERE s.{column} = ? ORDER BY vf.path, s.idx LIMIT ?",
            (view, value, limit),
        ).fetchall()

    def find_syms_prefix(self, view: int, prefix: str, limit: int = 200) -> list[tuple[str, int]]:
        """(path, idx) of definitions whose name starts with `prefix` (case-sensitive)."""
        if not prefix:
            return []
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        self._view_syms(view)
        return self.db.execute(
            "SELECT vf.path, s.idx FROM syms s INDEXED BY syms_name"
            " CROSS JOIN temp.view_syms t ON t.id = s.id"
            " CROSS JOIN view_files vf ON vf.blob = s.blob AND vf.view = ?"
            " WHERE s.name >= ? AND s.name < ? ORDER BY vf.path, s.idx LIMIT ?",
            (view, prefix, upper, limit),
        ).fetchall()

    def _view_syms(self, view: int) -> None:
        """Fill the connection's temporary table of the view's definition ids. An index holding
        many commits matches mostly rows of other views; one lookup per match in this table is
        cheaper than the joins it replaces, and views never change once written."""
        if getattr(self, "_temp_view", None) == view:
            return
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS view_syms(id INTEGER PRIMARY KEY)")
        self.db.execute("DELETE FROM temp.view_syms")
        self.db.execute(
            "INSERT OR IGNORE INTO temp.view_syms SELECT s.id FROM view_files vf"
            " JOIN syms s INDEXED BY syms_blob ON s.blob = vf.blob WHERE vf.view = ?",
            (view,),
        )
        self._temp_view = view

    def search(self, view: int, match: str, k: int) -> list[tuple[str, int, float]]:
        """(path, idx, bm25) best first; `match` is an FTS5 query."""
        try:
            self._view_syms(view)
            return self.db.execute(
                "SELECT vf.path, s.idx, h.r FROM (SELECT fts.rowid AS id, bm25(fts, 10.0, 4.0, 2.0, 1.0) AS r"
                " FROM fts JOIN temp.view_syms v ON v.id = fts.rowid WHERE fts MATCH ?) h"
                " JOIN syms s ON s.id = h.id JOIN view_files vf ON vf.blob = s.blob AND vf.view = ?"
                " ORDER BY h.r, vf.path, s.idx LIMIT ?",
                (match, view, k),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise GraphStoreError(f"search failed: {exc}") from None
