"""The definition-sharing benchmark's counts (`benchmarks/indexing/definition_sharing.py`) on two
small commits whose differences are known: one definition edited, every one moved down."""

from __future__ import annotations

from pathlib import Path

from benchmarks.indexing.definition_sharing import compare, resolve_view
from tests.graph.conftest import commit_all, git

BEFORE = '''\
def helper(x):
    return x + 1


def kept(x):
    return helper(x)


def edited(x):
    return helper(x) * 2
'''

# An import on top moves every definition down three lines; one body changes.
AFTER = "import os\n\n\n" + BEFORE.replace("return helper(x) * 2", "return helper(x) * 3 + len(os.sep)")


def test_counts_what_definition_level_units_would_share(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "same.py").write_text("def same():\n    return 1\n")
    (repo / "mod.py").write_text(BEFORE)
    first = commit_all(repo, "first")
    (repo / "mod.py").write_text(AFTER)
    second = commit_all(repo, "second")

    n = compare(resolve_view(repo, first), resolve_view(repo, second))

    assert n["files"] == 1  # same.py is shared as it is
    # The module and its three functions: every line moved, so no node is equal as stored now;
    # `helper` and `kept` are equal but for their lines; the module (its imports, its end line)
    # and `edited` (its content hash, its new call) are not.
    assert (n["nodes"], n["nodes_same"], n["nodes_same_but_lines"]) == (4, 0, 2)
    # 8 edges: the file DEFINES its module (line 0, equal as stored); the module DEFINES three
    # functions (moved) and IMPORTS os (new); `kept` and `edited` call `helper` from their first
    # body line (equal relative to their source), `edited` calls `len` too (new). Whole groups
    # equal: the file's and `kept`'s; the module's and `edited`'s changed.
    assert (n["edges"], n["edges_same"], n["edges_same_relative"], n["edges_in_same_groups"]) == (8, 1, 3, 2)
