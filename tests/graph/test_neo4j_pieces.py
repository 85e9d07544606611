"""The Neo4j backend's piece cache (a local SQLite file under `graph.index_dir`): a small edit
re-extracts only the piece it touched, though every later line shifts, and answers still equal
the embedded store's (whole-file extraction) and a fresh index's; a rebuild empties the cache and
`piece_cache: off` keeps none."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_index import GraphSettings, open_graph
from graph_index.config import Neo4jSettings
from graph_index.neo4j_backend import pieces as piece_cache
from graph_index.parsing import chunks

from .helpers import dump
from .test_chunks import TRICKY, _git, _repo_with_tricky
from .test_neo4j_parity import assert_same


def _settings(neo4j_server: tuple[str, str, str], index_dir: Path, mode: str = "auto") -> GraphSettings:
    uri, user, password = neo4j_server
    return GraphSettings(backend="neo4j", index_dir=index_dir, piece_cache=mode,
                         neo4j=Neo4jSettings(uri=uri, user=user, password=password))


@pytest.fixture
def fine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every definition its own piece and every class cut into members, however small."""
    monkeypatch.setattr(chunks, "CLASS_SPLIT", 0)
    monkeypatch.setattr(chunks, "GROUP_ONE_IN", 1)


@pytest.mark.neo4j
def test_a_small_edit_re_extracts_one_piece_and_answers_equal_the_embedded_store(
    neo4j_server, tmp_path: Path, fine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, first = _repo_with_tricky(tmp_path)
    # The docstring grows by two lines: one piece changes, every later one moves down.
    edited = TRICKY.replace(b'"""Plain function."""', b'"""Plain function.\n\n    Longer.\n    """')
    assert edited != TRICKY
    (repo / "mod.py").write_bytes(edited)
    _git(repo, "commit", "-qam", "two")
    second = _git(repo, "rev-parse", "HEAD")
    put: list[list[str]] = []
    original = piece_cache.PieceCache.put

    def spy(self: piece_cache.PieceCache, entries: dict[str, bytes]) -> None:
        put.append(sorted(entries))
        original(self, entries)

    monkeypatch.setattr(piece_cache.PieceCache, "put", spy)
    settings = _settings(neo4j_server, tmp_path / "index")
    g = open_graph(settings, repo, rebuild=True)
    try:
        g.index(repo, first)
        assert sum(map(len, put)) == len(chunks.pieces(TRICKY))
        put.clear()
        g.index(repo, second)
        assert sum(map(len, put)) == 1, put
        cache = piece_cache.PieceCache(g.pieces)  # type: ignore[attr-defined]
        try:
            assert cache.db.execute("SELECT count(*) FROM pieces").fetchone()[0] == len(chunks.pieces(TRICKY)) + 1
        finally:
            cache.close()
        emb = open_graph(GraphSettings(index_dir=tmp_path / "embedded", piece_cache="off"), repo)
        try:
            emb.index(repo, first)
            emb.index(repo, second)
            assert_same(emb, g)
            assert [(n.start_line, n.end_line) for n in g.symbol("coroutine")] == \
                [(n.start_line, n.end_line) for n in emb.symbol("coroutine")]
            fresh = open_graph(_settings(neo4j_server, tmp_path / "fresh", "off"), repo, rebuild=True)
            try:
                fresh.index(repo, second)
                assert dump(fresh) == dump(emb)
            finally:
                fresh.delete_commit(second)
                fresh.close()
        finally:
            emb.close()
    finally:
        g.close()


@pytest.mark.neo4j
def test_off_keeps_no_cache_and_a_rebuild_empties_it(neo4j_server, tmp_path: Path, fine: None) -> None:
    repo, first = _repo_with_tricky(tmp_path)
    index_dir = tmp_path / "index"
    g = open_graph(_settings(neo4j_server, index_dir, "off"), repo, rebuild=True)
    g.index(repo, first)
    g.close()
    assert not list(index_dir.glob("*.pieces.sqlite*"))
    g = open_graph(_settings(neo4j_server, index_dir), repo, rebuild=True)
    g.index(repo, first)
    path = g.pieces  # type: ignore[attr-defined]
    g.close()
    assert path.exists() and path.parent == index_dir
    open_graph(_settings(neo4j_server, index_dir), repo, rebuild=True).close()
    assert not path.exists()


def test_the_cache_serves_pending_entries_and_forgets_other_extractor_versions(tmp_path: Path) -> None:
    path = tmp_path / "x.pieces.sqlite"
    current = chunks.chunk_key(b"def f():\n    pass\n")
    cache = piece_cache.PieceCache(path)
    cache.db.execute("INSERT INTO pieces VALUES ('0ldversion-key', x'00')")
    cache.put({current: b"entry"})
    assert cache.get([current, "absent"]) == {current: b"entry"}
    cache.flush()
    assert cache.pending == {}
    cache.close()
    again = piece_cache.PieceCache(path)
    try:
        assert again.get([current, "0ldversion-key"]) == {current: b"entry"}
    finally:
        again.close()
