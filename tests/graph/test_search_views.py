"""Full-text search answers for the bound view only, also when one open graph switches views."""

from __future__ import annotations

from .conftest import commit_all, git


def test_search_follows_the_view_when_one_graph_switches_commits(fixture_repo, graph_factory) -> None:
    repo = fixture_repo("python", with_git=True)
    base = repo / "pkg" / "base.py"
    c1 = git(repo, "rev-parse", "HEAD")
    base.write_text(base.read_text().replace("Save x.", "Persist x."))
    c2 = commit_all(repo, "reword")
    g = graph_factory(repo)
    g.index(repo, c1)
    assert [h.node.id for h in g.search("persist")] == []
    saved = [h.node.id for h in g.search("save")]
    assert "pkg/base.py:Base.save" in saved
    g.index(repo, c2)
    assert [h.node.id for h in g.search("persist")] == ["pkg/base.py:Base.save"]
    # Both versions of the file are stored; only the bound view's rows may answer.
    g.index(repo, c1)
    assert [h.node.id for h in g.search("persist")] == []
    assert [h.node.id for h in g.search("save")] == saved


def test_nodes_from_definitions_alone_equal_nodes_from_full_tables(fixture_repo, tmp_path) -> None:
    """Search hits and node lookups build nodes from a file's definitions without its refs;
    they must equal what the fully loaded file gives."""
    from graph_index import GraphSettings, open_graph

    repo = fixture_repo("python", with_git=True)
    settings = GraphSettings(index_dir=tmp_path / "index")
    light = open_graph(settings, repo)
    light.index(repo, "HEAD")
    full = open_graph(settings, repo, "HEAD")
    for path in full.files():
        full.view.tables.table(path)  # type: ignore[attr-defined]
    hits = light.search("save helper child size", k=20)
    assert hits and hits == full.search("save helper child size", k=20)
    ids = [h.node.id for h in hits] + [n.parent for n in (h.node for h in hits) if n.parent]
    assert [light.node(i) for i in ids] == [full.node(i) for i in ids]
    assert light.view.tables._tables == {}  # type: ignore[attr-defined]  # no refs were loaded
    light.close()
    full.close()
