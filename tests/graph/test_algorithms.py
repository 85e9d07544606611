"""Pure graph algorithms and renderings (shared by every backend), and the queries built on them."""

from __future__ import annotations

import pytest

from graph_index import Edge, EdgeKind, Node, NodeKind
from graph_index.paths import shortest_paths
from graph_index.ranking import pagerank
from graph_index.render import render_repo_map, render_skeleton


def test_pagerank_sums_to_one_and_follows_links() -> None:
    scores = pagerank([("a", "c", 1), ("b", "c", 1), ("c", "d", 1)])
    assert sum(scores.values()) == pytest.approx(1.0)
    assert max(scores, key=scores.get) == "d"
    assert scores["c"] > scores["a"] == pytest.approx(scores["b"])


def test_pagerank_personalization_moves_mass() -> None:
    edges = [("a", "b", 1), ("b", "a", 1), ("c", "d", 1), ("d", "c", 1)]
    plain = pagerank(edges)
    personal = pagerank(edges, {"c": 1.0})
    assert plain["a"] == pytest.approx(plain["c"])
    assert personal["c"] + personal["d"] > 0.9
    assert pagerank([]) == {}


def test_shortest_paths_all_of_minimal_length() -> None:
    graph = {
        "a": [Edge("a", "b", EdgeKind.CALLS), Edge("a", "c", EdgeKind.CALLS), Edge("a", "?x", EdgeKind.CALLS)],
        "b": [Edge("b", "d", EdgeKind.CALLS)],
        "c": [Edge("c", "d", EdgeKind.INHERITS)],
        "d": [Edge("d", "e", EdgeKind.CALLS)],
    }
    paths = shortest_paths("a", "d", lambda n: graph.get(n, []), max_depth=4)
    assert [[(e.src, e.dst) for e in p] for p in paths] == [[("a", "b"), ("b", "d")], [("a", "c"), ("c", "d")]]
    assert shortest_paths("a", "e", lambda n: graph.get(n, []), max_depth=2) == []
    assert shortest_paths("a", "?x", lambda n: graph.get(n, []), max_depth=2) == []
    assert shortest_paths("a", "a", lambda n: graph.get(n, [])) == [[]]


def _fn(id_: str, sig: str, parent: str, line: int, doc: str = "", kind=NodeKind.FUNCTION) -> Node:
    return Node(id_, kind, id_.rsplit(".", 1)[-1], id_.split(":")[1], "m.py", line, line + 2, sig, doc,
                language="python", parent=parent)


def test_render_skeleton_elides_bodies() -> None:
    module = Node("m", NodeKind.MODULE, "m", "m", "m.py", 1, 20, docstring="Module doc.")
    nodes = [
        _fn("m.py:A", "class A(B)", "m", 3, "An A.", NodeKind.CLASS),
        _fn("m.py:A.f", "@property\ndef f(self) -> int", "m.py:A", 5, "Line one.\n\nMore."),
        _fn("m.py:g", "def g(x)", "m", 12),
    ]
    assert render_skeleton(module, nodes) == (
        '"""Module doc."""\n\nclass A(B):\n    """An A."""\n    @property\n    def f(self) -> int:\n'
        '        """Line one.\n\n        More.\n        """\n        ...\n\ndef g(x):\n    ...\n'
    )


def test_render_repo_map_respects_budget() -> None:
    ranked = [(_fn(f"m.py:f{i}", f"def f{i}(x)", "m", i * 3), 1.0 / (i + 1)) for i in range(50)]
    small = render_repo_map(ranked, 30)
    assert small.tokens <= 30 and small.entries and small.entries[0].node.id == "m.py:f0"
    big = render_repo_map(ranked, 10_000)
    assert len(big.entries) == 50 and big.text.startswith("m.py:\n  def f0(x)\n")


def test_graph_level_skeleton_repo_map_and_paths(fixture_repo, graph_factory) -> None:
    repo = fixture_repo("python")
    g = graph_factory(repo)
    g.index(repo)
    skeleton = g.file_skeleton("pkg/base.py")
    assert skeleton.startswith('"""Base classes."""\n\nclass Base:\n    """A base."""\n')
    assert "def save(self, x: int) -> int:\n        \"\"\"Save x.\"\"\"\n        ...\n" in skeleton
    assert "return" not in skeleton
    rm = g.repo_map(200)
    assert rm.tokens <= 200 and rm.entries
    assert rm.entries[0].node.id in {"pkg/base.py:Base.check", "pkg/base.py:Base", "pkg/util.py:helper"}
    focused = g.repo_map(40, query="helper inner")
    assert "pkg/util.py" in focused.text
    paths = g.paths_between("tests/test_child.py:test_make", "pkg/base.py:Base")
    assert [[(str(e.kind), e.dst) for e in p] for p in paths] == [
        [("CALLS", "pkg/child.py:make"), ("CALLS", "pkg/child.py:Child"), ("INHERITS", "pkg/base.py:Base")],
        [("TESTS", "pkg/child.py:make"), ("CALLS", "pkg/child.py:Child"), ("INHERITS", "pkg/base.py:Base")],
    ]
    assert g.paths_between("pkg/base.py:Base", "pkg/child.py:make") == []
