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
