"""Lazy answers (the embedded store) equal a full materialization of the same view, which is
what a materializing backend (Neo4j) writes: every node's edges must agree both ways."""

from __future__ import annotations

import pytest

from graph_index.viewgraph import ViewGraph

from .helpers import dump


@pytest.mark.parametrize("graph_backend", ["embedded"])  # the store compared with its own materialization
@pytest.mark.parametrize("language", ["python", "javascript", "typescript", "java", "go"])
def test_lazy_edges_equal_materialized_edges(language, fixture_repo, graph_factory, graph_backend) -> None:
    repo = fixture_repo(language)
    g = graph_factory(repo)
    g.index(repo)
    view = g.view
    materialized = ViewGraph(view.repo_name, dict(view.language_of), view.tables._load, sha_of=view._sha_of)
    nodes = {n.id: n for n in materialized.iter_nodes()}
    edges = set(materialized.iter_edges())
    lazy_nodes, _ = dump(g)
    assert set(nodes) == set(lazy_nodes)
    for node_id in nodes:
        expected = sorted(e for e in edges if node_id in (e.src, e.dst))
        assert g.edges(node_id) == expected, node_id
        assert g.node(node_id) == nodes[node_id]


@pytest.mark.parametrize("graph_backend", ["embedded"])
def test_lazy_equals_materialized_after_a_module_disappears(fixture_repo, graph_factory, graph_backend) -> None:
    # `from . import util` with util gone still IMPORTS the package: lazy lookups must find it.
    repo = fixture_repo("python")
    (repo / "pkg/util.py").unlink()
    g = graph_factory(repo)
    g.index(repo)
    view = g.view
    materialized = ViewGraph(view.repo_name, dict(view.language_of), view.tables._load, sha_of=view._sha_of)
    edges = set(materialized.iter_edges())
    assert next(e for e in edges if e.src == "pkg.child" and e.dst == "pkg").line == 5
    for node in materialized.iter_nodes():
        assert g.edges(node.id) == sorted(e for e in edges if node.id in (e.src, e.dst)), node.id
