"""A later commit into Neo4j: contents stored before are read while new ones are parsed, and
edge groups are written on both writer lanes (whichever has less queued), waiting there for the
units' anchors. Tiny batches, alternating between the lanes, force many writes on both; every view must still equal the
embedded store's and a from-scratch Neo4j index of the same commit."""

from __future__ import annotations

import pytest

from graph_index import GraphSettings, open_graph
from graph_index.config import Neo4jSettings
from graph_index.neo4j_backend import indexing

from .conftest import commit_all, git
from .helpers import dump
from .test_neo4j_parity import assert_same

pytestmark = pytest.mark.neo4j


def test_a_second_commit_in_tiny_batches_on_both_lanes_equals_a_fresh_index(
    neo4j_server, fixture_repo, tmp_path, monkeypatch
) -> None:
    uri, user, password = neo4j_server
    settings = GraphSettings(backend="neo4j", index_dir=tmp_path / "pieces",
                             neo4j=Neo4jSettings(uri=uri, user=user, password=password))
    repo = fixture_repo("python", with_git=True)
    c1 = git(repo, "rev-parse", "HEAD")
    util = repo / "pkg" / "util.py"
    util.write_text("import os\n\n\ndef extra():\n    return os.sep\n\n\n" + util.read_text()
                    .replace("def helper(", "def assist("))
    c2 = commit_all(repo, "an edited file: lines shift, a function is renamed, one is added")
    lanes: list[str] = []
    put_groups = indexing.Writer.put_groups

    def spy(self, claims, groups, ids):  # noqa: ANN001
        import threading

        lanes.append(threading.current_thread().name.rsplit("_", 1)[0])
        return put_groups(self, claims, groups, ids)

    monkeypatch.setattr(indexing.Writer, "put_groups", spy)
    monkeypatch.setattr(indexing, "GROUP_BATCH", 3)
    monkeypatch.setattr(indexing, "UNIT_BATCH", 4)
    # Chunks of groups alternate between the lanes, whatever is queued.
    turns = iter(range(10**6))
    monkeypatch.setattr(indexing.UnitQueue, "idlest_lane", lambda self: (indexing.NODES, indexing.GRAPH)[next(turns) % 2])
    g = open_graph(settings, repo, rebuild=True)
    g.index(repo, c1)
    second = g.index(repo, c2)
    assert len(set(lanes)) == 2, lanes
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
    emb.index(repo, c1)
    emb_second = emb.index(repo, c2)
    assert (second.nodes, second.edges, second.files_total) == (emb_second.nodes, emb_second.edges,
                                                                 emb_second.files_total)
    assert_same(emb, g, searches=False)
    g.close()
    # The same commit indexed from scratch (everything of the repository deleted first).
    fresh_repo = tmp_path / "wt" / "python"
    git(repo, "worktree", "add", "-q", str(fresh_repo), c2)
    fresh = open_graph(settings, fresh_repo, rebuild=True)
    fresh.index(fresh_repo, c2)
    assert dump(fresh) == dump(emb)
    fresh.close()
    emb.close()
