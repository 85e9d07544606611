"""Python extraction and resolution on a small package: exact nodes and edges."""

from __future__ import annotations

from graph_index import EdgeKind, NodeKind

from .helpers import code_edges, dump

NODES = {
    ".": "repository",
    "pkg/": "directory",
    "tests/": "directory",
    "pkg/__init__.py": "file",
    "pkg/base.py": "file",
    "pkg/broken.py": "file",
    "pkg/child.py": "file",
    "pkg/util.py": "file",
    "tests/test_child.py": "file",
    "pkg": "module",
    "pkg.base": "module",
    "pkg.broken": "module",
    "pkg.child": "module",
    "pkg.util": "module",
    "test_child": "module",
    "pkg/base.py:Base": "class",
    "pkg/base.py:Base.check": "function",
    "pkg/base.py:Base.save": "function",
    "pkg/broken.py:broken": "function",
    "pkg/broken.py:fine": "function",
    "pkg/child.py:Child": "class",
    "pkg/child.py:Child.run": "function",
    "pkg/child.py:Child.size": "function",
    "pkg/child.py:make": "function",
    "pkg/child.py:is_base": "function",
    "pkg/child.py:Holder": "class",
    "pkg/child.py:Holder.__init__": "function",
    "pkg/child.py:Holder.go": "function",
    "pkg/util.py:helper": "function",
    "pkg/util.py:helper.inner": "function",
    "tests/test_child.py:TestChild": "class",
    "tests/test_child.py:TestChild.test_run": "test",
    "tests/test_child.py:test_make": "test",
    "tests/test_child.py:test_run_directly": "test",
}

CODE_EDGES = {
    ("pkg", "IMPORTS", "pkg/base.py:Base"),
    ("pkg.base", "CALLS", "pkg/base.py:Base"),
    ("pkg.child", "IMPORTS", "?os.path"),
    ("pkg.child", "IMPORTS", "pkg.util"),
    ("pkg.child", "IMPORTS", "pkg/base.py:Base"),
    ("pkg/base.py:Base.save", "CALLS", "pkg/base.py:Base.check"),
    ("pkg/child.py:Child", "INHERITS", "pkg/base.py:Base"),
    ("pkg/child.py:Child.run", "CALLS", "?missing_fn"),
    ("pkg/child.py:Child.run", "CALLS", "pkg/base.py:Base.check"),
    ("pkg/child.py:Child.run", "CALLS", "pkg/base.py:Base.save"),
    ("pkg/child.py:Child.size", "CALLS", "pkg/util.py:helper"),
    ("pkg/child.py:make", "CALLS", "pkg/child.py:Child"),
    ("pkg/child.py:is_base", "CALLS", "?isinstance"),
    ("pkg/child.py:is_base", "REFERENCES", "pkg/base.py:Base"),
    ("pkg/util.py:helper", "CALLS", "pkg/util.py:helper.inner"),
    # instances: `self.child = Child()` then `self.child.run()`; `child = Child()` then `child.run()`
    ("pkg/child.py:Holder.__init__", "CALLS", "pkg/child.py:Child"),
    ("pkg/child.py:Holder.go", "CALLS", "pkg/child.py:Child.run"),
    ("tests/test_child.py:test_run_directly", "CALLS", "pkg/child.py:Child"),
    ("tests/test_child.py:test_run_directly", "CALLS", "pkg/child.py:Child.run"),
    ("tests/test_child.py:test_run_directly", "TESTS", "pkg/child.py:Child"),
    ("tests/test_child.py:test_run_directly", "TESTS", "pkg/child.py:Child.run"),
    ("test_child", "IMPORTS", "pkg.base"),  # DEFAULT is a variable: the import reaches its module
    ("test_child", "IMPORTS", "pkg/child.py:Child"),
    ("test_child", "IMPORTS", "pkg/child.py:make"),
    ("tests/test_child.py:TestChild.test_run", "CALLS", "?run"),
    ("tests/test_child.py:TestChild.test_run", "CALLS", "pkg/child.py:Child"),
    ("tests/test_child.py:TestChild.test_run", "TESTS", "pkg/child.py:Child"),
    ("tests/test_child.py:TestChild.test_run", "TESTS", "pkg/child.py:Child.run"),
    ("tests/test_child.py:test_make", "CALLS", "pkg/child.py:make"),
    ("tests/test_child.py:test_make", "TESTS", "pkg/child.py:make"),
}


def test_python_nodes_and_edges_exactly(fixture_repo, graph_factory) -> None:
    repo = fixture_repo("python")
    g = graph_factory(repo)
    stats = g.index(repo)
    # logo.py.bin and notes.txt: unknown language; pkg/blob.py: binary content.
    assert (stats.files_total, stats.files_parsed, stats.files_skipped) == (6, 6, 3)
    assert stats.files_with_errors == 1
    nodes, edges = dump(g)
    assert nodes == NODES
    assert code_edges(edges) == CODE_EDGES
    structure = edges - code_edges(edges)
    assert ("." , "CONTAINS", "pkg/") in structure
    assert ("pkg/", "CONTAINS", "pkg/child.py") in structure
    assert ("pkg/child.py", "DEFINES", "pkg.child") in structure
    assert ("pkg.child", "DEFINES", "pkg/child.py:Child") in structure
    assert ("pkg/child.py:Child", "DEFINES", "pkg/child.py:Child.run") in structure
    assert ("pkg/util.py:helper", "DEFINES", "pkg/util.py:helper.inner") in structure
    assert len(structure) == len(NODES) - 1  # a tree: one parent edge per node but the root


def test_python_node_fields(fixture_repo, graph_factory) -> None:
    repo = fixture_repo("python")
    g = graph_factory(repo)
    g.index(repo)
    save = g.node("pkg/base.py:Base.save")
    assert save is not None
    assert (save.kind, save.name, save.qualname, save.path) == (NodeKind.FUNCTION, "save", "Base.save", "pkg/base.py")
    assert (save.start_line, save.end_line) == (7, 9)
    assert save.signature == "def save(self, x: int) -> int"
    assert save.docstring == "Save x."
    assert save.language == "python" and len(save.content_hash) == 16
    assert save.parent == "pkg/base.py:Base" and save.is_method
    size = g.node("pkg/child.py:Child.size")
    assert size is not None and size.signature == "@property\ndef size(self)" and size.start_line == 9
    module = g.node("pkg.base")
    assert module is not None and module.kind == NodeKind.MODULE and module.docstring == "Base classes."
    file = g.node("pkg/base.py")
    assert file is not None and file.kind == NodeKind.FILE and len(file.content_hash) == 40
    # Syntax errors keep what tree-sitter recovered.
    assert g.node("pkg/broken.py:fine") is not None


def test_python_queries(fixture_repo, graph_factory) -> None:
    repo = fixture_repo("python")
    g = graph_factory(repo)
    g.index(repo)
    assert [n.id for n in g.symbol("Base.save")] == ["pkg/base.py:Base.save"]
    assert [n.id for n in g.symbol("pkg.base.Base.check")] == ["pkg/base.py:Base.check"]
    assert [n.id for n in g.symbol("helper")] == ["pkg/util.py:helper"]
    assert g.symbol("nothing_like_this") == []
    assert g.callers("pkg/base.py:Base.check").ids() == [
        "pkg/base.py:Base.check", "pkg/base.py:Base.save", "pkg/child.py:Child.run"]
    direct = ["pkg/child.py:Child", "pkg/child.py:Holder.__init__", "pkg/child.py:make",
              "tests/test_child.py:TestChild.test_run", "tests/test_child.py:test_run_directly"]
    assert g.callers("pkg/child.py:Child").ids() == direct
    assert g.callers("pkg/child.py:Child", depth=2).ids() == [*direct, "tests/test_child.py:test_make"]
    assert g.callers("pkg/child.py:Child.run").ids() == [
        "pkg/child.py:Child.run", "pkg/child.py:Holder.go", "tests/test_child.py:test_run_directly"]
    callees = g.callees("pkg/child.py:Child.run")
    assert {e.dst for e in callees.edges} == {"?missing_fn", "pkg/base.py:Base.check", "pkg/base.py:Base.save"}
    assert g.callers("?missing_fn").ids() == ["pkg/child.py:Child.run"]
    tests = g.neighbors("pkg/child.py:make", edge_kinds=[EdgeKind.TESTS])
    assert tests.ids() == ["pkg/child.py:make", "tests/test_child.py:test_make"]
    assert g.files() == ["pkg/__init__.py", "pkg/base.py", "pkg/broken.py", "pkg/child.py", "pkg/util.py",
                         "tests/test_child.py"]
    hits = g.search("save x", k=3)
    assert hits and hits[0].node.id == "pkg/base.py:Base.save"
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))
