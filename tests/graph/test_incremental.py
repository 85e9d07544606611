"""Content-addressed, incremental indexing: commits share unchanged files, views stay apart."""

from __future__ import annotations

import pytest

from .conftest import commit_all, git


def test_second_commit_parses_only_changed_files(fixture_repo, graph_factory) -> None:
    repo = fixture_repo("python", with_git=True)
    c1 = git(repo, "rev-parse", "HEAD")
    g = graph_factory(repo)
    first = g.index(repo, c1)
    assert (first.files_parsed, first.files_reused, first.commit) == (6, 0, c1)

    # rename (same content), change, add, delete
    git(repo, "mv", "pkg/util.py", "pkg/helpers.py")
    child = (repo / "pkg/child.py").read_text()
    (repo / "pkg/child.py").write_text(child.replace("import util", "import helpers").replace("util.helper", "helpers.helper"))
    (repo / "pkg/extra.py").write_text("from .helpers import helper\n\n\ndef extra():\n    return helper(2)\n")
    git(repo, "rm", "-q", "pkg/broken.py")
    c2 = commit_all(repo, "second")

    second = g.index(repo, c2)
    assert (second.files_parsed, second.files_reused, second.files_total) == (2, 4, 6)
    assert g.commit == c2
    assert g.node("pkg/broken.py:fine") is None
    assert g.node("pkg/util.py:helper") is None
    assert g.callers("pkg/helpers.py:helper").ids() == [
        "pkg/helpers.py:helper", "pkg/child.py:Child.size", "pkg/extra.py:extra"]

    # Re-indexing a commit parses nothing; the first view is unchanged.
    again = g.index(repo, c1)
    assert (again.files_parsed, again.files_reused) == (0, 6)
    old = graph_factory(repo, c1)
    assert old.commit == c1
    assert old.node("pkg/broken.py:fine") is not None
    assert old.callers("pkg/util.py:helper").ids() == ["pkg/util.py:helper", "pkg/child.py:Child.size"]
    assert old.node("pkg/extra.py:extra") is None
    newer = graph_factory(repo, c2)
    assert newer.node("pkg/extra.py:extra") is not None


def test_working_tree_reindex_parses_one_file(fixture_repo, graph_factory) -> None:
    repo = fixture_repo("python", with_git=True)
    g = graph_factory(repo)
    assert g.index(repo).files_parsed == 6
    (repo / "pkg/util.py").write_text("def helper(n):\n    return n + 1\n\n\ndef other():\n    return helper(0)\n")
    stats = g.index(repo)
    assert (stats.files_parsed, stats.files_reused, stats.commit) == (1, 5, None)
    assert g.node("pkg/util.py:helper.inner") is None
    assert g.callers("pkg/util.py:helper").ids() == ["pkg/util.py:helper", "pkg/child.py:Child.size", "pkg/util.py:other"]
    # An untracked new file is part of the working tree.
    (repo / "pkg/new.py").write_text("def fresh():\n    pass\n")
    assert g.index(repo).files_parsed == 1 and g.node("pkg/new.py:fresh") is not None


def test_unindexed_commit_is_a_clear_error(fixture_repo, graph_factory) -> None:
    from graph_index import NotIndexedError

    repo = fixture_repo("python", with_git=True)
    g = graph_factory(repo, "HEAD")
    with pytest.raises(NotIndexedError, match="not indexed yet; run orch index"):
        g.search("save")
    g.index(repo, "HEAD")
    assert g.search("save")


@pytest.mark.parametrize("graph_backend", ["embedded"])  # interrupts the embedded indexer's write loop
def test_interrupted_index_keeps_what_it_stored(fixture_repo, graph_factory, graph_backend, monkeypatch) -> None:
    import graph_index.embedded as embedded

    repo = fixture_repo("python", with_git=True)
    real = embedded.parse_files

    came_through: list[bool] = []

    def interrupted(items, count, workers=None, **kwargs):
        for i, row in enumerate(real(items, count, 1, **kwargs)):
            if i == 3:
                raise KeyboardInterrupt
            came_through.append(row is not None)
            yield row

    monkeypatch.setattr(embedded, "WRITE_BATCH", 1)
    monkeypatch.setattr(embedded, "parse_files", interrupted)
    g = graph_factory(repo)
    with pytest.raises(KeyboardInterrupt):
        g.index(repo, "HEAD")
    monkeypatch.setattr(embedded, "parse_files", real)
    resumed = g.index(repo, "HEAD")
    # Three files came through before the interrupt; the binary one among them (if any) was never stored.
    assert resumed.files_total == 6 and resumed.files_parsed + resumed.files_reused == 6
    assert len(came_through) == 3 and resumed.files_reused == sum(came_through)
