"""Parity: the Neo4j backend answers every `CodeGraph` query exactly as the embedded store does on
the same repository (one real Neo4j server, both backends indexed in the same test)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_index import CodeGraph, GraphSettings, NodeKind, open_graph
from graph_index.config import Neo4jSettings
from graph_index.localize import localize

from .conftest import commit_all, git
from .helpers import dump

pytestmark = pytest.mark.neo4j
LANGUAGES = ["python", "javascript", "typescript", "java", "go"]


@pytest.fixture
def pair(neo4j_server, tmp_path: Path) -> Iterator[tuple[CodeGraph, CodeGraph, Path]]:
    """(embedded, neo4j) graphs factory for a repository; closed after the test."""
    uri, user, password = neo4j_server
    opened: list[CodeGraph] = []

    def make(repo: Path, commit: str | None = None) -> tuple[CodeGraph, CodeGraph]:
        emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo, commit)
        neo = open_graph(
            GraphSettings(backend="neo4j", index_dir=tmp_path / "index",  # the piece cache's place
                          neo4j=Neo4jSettings(uri=uri, user=user, password=password)), repo, commit
        )
        opened.extend((emb, neo))
        return emb, neo

    yield make  # type: ignore[misc]
    for g in opened:
        g.close()


def queries_from(nodes: dict[str, str], emb: CodeGraph) -> list[str]:
    """Search texts built from the repository itself: names, qualified names, docstring words."""
    texts = ["data", "save load", "main helper util", "matrix determinant of symbolic", "zzz_nothing"]
    for node_id, kind in sorted(nodes.items()):
        if kind in ("class", "function", "test"):
            node = emb.node(node_id)
            assert node is not None
            texts.append(node.qualname)
            if node.docstring:
                texts.append(" ".join(node.docstring.split()[:6]))
    return texts


def assert_same(emb: CodeGraph, neo: CodeGraph, searches: bool = True) -> None:
    nodes, edges = dump(emb)
    assert dump(neo) == (nodes, edges)
    assert neo.files() == emb.files()
    for node_id in sorted(nodes):
        assert neo.node(node_id) == emb.node(node_id), node_id
        assert neo.edges(node_id) == emb.edges(node_id), node_id
        for depth in (1, 2):
            assert neo.callers(node_id, depth) == emb.callers(node_id, depth), (node_id, depth)
            assert neo.callees(node_id, depth) == emb.callees(node_id, depth), (node_id, depth)
            assert neo.neighbors(node_id, depth) == emb.neighbors(node_id, depth), (node_id, depth)
        node = emb.node(node_id)
        assert node is not None
        for name in {node.name, node.qualname, node_id}:
            assert neo.symbol(name) == emb.symbol(name), name
    for path in emb.files():
        assert neo.file_skeleton(path) == emb.file_skeleton(path), path
    defs = sorted(i for i, k in nodes.items() if k in (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.TEST))
    for src in defs[:6]:
        for dst in defs[-6:]:
            assert neo.paths_between(src, dst) == emb.paths_between(src, dst), (src, dst)
    unresolved = sorted({dst for _, _, dst in edges if dst.startswith("?")})[:5]
    for target in unresolved:
        assert neo.callers(target) == emb.callers(target), target
    if searches:
        for text in queries_from(nodes, emb):
            for k in (3, 10):
                assert neo.search(text, k) == emb.search(text, k), text
        assert neo.repo_map(128) == emb.repo_map(128)
        assert neo.repo_map(512, query="save data") == emb.repo_map(512, query="save data")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_query_identical(language, fixture_repo, pair) -> None:
    repo = fixture_repo(language)
    emb, neo = pair(repo)
    assert neo.index(repo).to_dict() | {"index_path": "", "seconds": 0} == \
        emb.index(repo).to_dict() | {"index_path": "", "seconds": 0}
    assert_same(emb, neo)
    # Every node's anchor carries its name and kind (what browsing and name lookups see).
    nodes = dump(emb)[0]
    anchors = neo.cypher("MATCH (s:Sym {repo: $repo}) WHERE s.id IN $ids RETURN s.id AS id, s.name AS name, "
                         "s.kind AS kind", {"ids": sorted(nodes)}, limit=100_000)
    expected = {i: (n.name, n.kind.value) for i in nodes if (n := emb.node(i)) is not None}
    assert {r["id"]: (r["name"], r["kind"]) for r in anchors} == expected


def test_localize_identical(fixture_repo, pair) -> None:
    repo = fixture_repo("python")
    emb, neo = pair(repo)
    emb.index(repo)
    neo.index(repo)
    issue = (
        "Child.run crashes when save() gets a negative number\n\n"
        "```\nTraceback (most recent call last):\n  File \"pkg/child.py\", line 14, in run\n"
        "    self.save(-1)\n  File \"pkg/base.py\", line 8, in save\nValueError: bad x\n```\n"
        "tests/test_child.py::test_make also fails; helper() in pkg/util.py looks related."
    )
    assert localize(neo, issue, top_k=10) == localize(emb, issue, top_k=10)


def test_two_commits_identical_per_view(fixture_repo, pair) -> None:
    """Changed, added, deleted and renamed files: both views of both backends agree, searches
    included (statistics cover every file content the repository's index holds)."""
    repo = fixture_repo("python", with_git=True)
    c1 = git(repo, "rev-parse", "HEAD")
    base = repo / "pkg" / "base.py"
    base.write_text(base.read_text().replace("Save x.", "Save x to disk.") + "\n\ndef extra(y):\n    return y\n")
    (repo / "pkg" / "extra_mod.py").write_text("from pkg.base import extra\n\n\ndef use():\n    return extra(1)\n")
    shutil.move(repo / "pkg" / "util.py", repo / "pkg" / "utils2.py")
    c2 = commit_all(repo, "second")
    emb, neo = pair(repo)
    for commit in (c1, c2):
        a, b = emb.index(repo, commit), neo.index(repo, commit)
        assert (b.files_parsed, b.files_reused, b.files_total) == (a.files_parsed, a.files_reused, a.files_total)
    assert_same(emb, neo)
    old_emb, old_neo = pair(repo, c1)
    assert old_neo.commit == old_emb.commit == c1
    assert_same(old_emb, old_neo)


def test_search_finds_definitions_through_their_file_content(tmp_path: Path, pair) -> None:
    """Lucene finds file contents, the server counts in their definitions: a content holding a
    phrase's tokens in different definitions is a candidate whose definitions count nothing; the
    same content at two paths is two hits; a phrase in many contents keeps its exact document
    count (idf). Every query ranks as the embedded store does."""
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    split = 'def save_model(x):\n    """Store the model."""\n    return x\n\n\ndef load_data(y):\n    return y\n'
    (repo / "pkg" / "split.py").write_text(split)
    (repo / "pkg" / "copy_a.py").write_text(split)
    (repo / "pkg" / "copy_b.py").write_text(split)
    for i in range(8):
        body = "\n\n".join(f"def f{i}_{j}(model):\n    return model.data_{j}" for j in range(i + 1))
        (repo / "pkg" / f"m{i}.py").write_text(body + ("\n\n\ndef model_save():\n    pass\n" if i % 3 else "\n"))
    emb, neo = pair(repo)
    emb.index(repo)
    neo.index(repo)
    for text in ("model save", "save_model", "model_data", "data_load", "load_data model", "save", "data_3 f5",
                 "store the model", "nothing_here"):
        for k in (1, 5, 50):
            assert neo.search(text, k) == emb.search(text, k), (text, k)
    assert len(neo.search("save_model", 50)) >= 3  # one per path of the copied content


def test_nodes_built_from_blobs_answer_as_stored_ones(tmp_path: Path, pair) -> None:
    """Modules and definitions have no `Code` node: the client builds them from their content's
    `Blob`. Redefinitions (`f#2`), methods of a redefined class, one content at two paths and a
    definition whose lines move in a second commit all answer as in the embedded store."""
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    twice = ("def f():\n    return 1\n\n\ndef f():\n    return 2\n\n\nclass A:\n    def g(self):\n        return f()\n\n"
             "    def g(self):\n        return 3\n\n\nclass A:\n    def g(self):\n        return 4\n")
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "twice.py").write_text(twice)
    (repo / "pkg" / "copy.py").write_text(twice)
    git(repo.parent, "init", "-q", str(repo))
    c1 = commit_all(repo, "first")
    (repo / "pkg" / "twice.py").write_text('"""Moved down."""\n\n\n' + twice)
    c2 = commit_all(repo, "second")
    emb, neo = pair(repo)
    for commit in (c1, c2):
        emb.index(repo, commit)
        neo.index(repo, commit)
        for name in ("f", "f#2", "g", "A.g", "A.g#2", "A#2.g", "pkg.twice.f", "pkg/twice.py:A#2.g", "pkg.copy.A.g#2"):
            assert neo.symbol(name) == emb.symbol(name), name
        assert_same(emb, neo)
    assert [n.start_line for n in neo.symbol("A#2.g")] == [18, 21]  # copy.py, then twice.py moved by 3 lines
    kinds = neo.cypher("MATCH (n:Code {repo: $repo}) RETURN DISTINCT n.kind AS kind ORDER BY kind")
    assert [r["kind"] for r in kinds] == ["directory", "file", "repository"]
