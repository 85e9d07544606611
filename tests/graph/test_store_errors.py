"""A corrupted or foreign index file gives one clear error and can be rebuilt."""

from __future__ import annotations

import sqlite3

import pytest

from graph_index import GraphSettings, GraphStoreError, open_graph


@pytest.mark.parametrize("kind", ["text", "foreign-sqlite", "truncated"])
def test_bad_index_file_is_named_and_rebuildable(kind, fixture_repo, tmp_path) -> None:
    repo = fixture_repo("python")
    path = tmp_path / "idx.sqlite"
    settings = GraphSettings(index_dir=tmp_path)
    if kind == "text":
        path.write_text("this is not a database\n" * 100)
    elif kind == "foreign-sqlite":
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE users(name TEXT)")
        db.commit()
        db.close()
    else:
        g = open_graph(settings, repo, index_path=path)
        g.index(repo)
        g.close()
        data = path.read_bytes()
        path.write_bytes(data[:100] + b"\xff" * 4000 + data[4100:])
    with pytest.raises(GraphStoreError) as info:
        g = open_graph(settings, repo, index_path=path)
        g.search("save")  # a lazily detected corruption must surface the same way
    message = str(info.value)
    assert message.startswith(f"{path} is not an orch index (")
    assert message.endswith("rebuild with orch index --rebuild")
    assert "\n" not in message
    g = open_graph(settings, repo, index_path=path, rebuild=True)
    assert g.index(repo).files_parsed == 6
    assert g.search("save")[0].node.id == "pkg/base.py:Base.save"
    g.close()
