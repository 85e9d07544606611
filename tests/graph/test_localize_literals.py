"""Literal evidence: strings the issue quotes, found verbatim in the source."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from graph_index import GraphSettings, open_graph
from graph_index.config import Neo4jSettings
from graph_index.localize import localize
from graph_index.localize.access import ViewAccess
from graph_index.localize.literals import (
    Hit,
    Literal,
    fragments,
    grep,
    innermost,
    issue_literals,
    match_hits,
)
from graph_index.localize.locate import localize_with
from graph_index.localize.scoring import (
    LITERAL_STRENGTH,
    MAX_LITERAL_FILES,
    Weights,
    distinctive_hits,
    literal_evidence,
)
from graph_index.localize.view import RepoView, Symbol

from .conftest import commit_all, git

ISSUE = """\
Running `tool --dry-run` crashes

```
Traceback (most recent call last):
  File "app.py", line 3, in <module>
ValueError: Cannot merge frames of different shapes: (3, 4) and 'right'
```

> Using the cache outside of a session is not allowed. To use it, open a session first.

It happens with mode "fast" and the `'strict'` option; `-v` and `--x` are too short to matter.

```python
data = {"id": 1, "url": "x"}
run(mode="fast", label="the quick brown fox jumps")
```
"""


def _by_kind(lits: list[Literal]) -> dict[str, list[Literal]]:
    out: dict[str, list[Literal]] = {}
    for lit in lits:
        out.setdefault(lit.kind, []).append(lit)
    return out


def test_issue_literals_flags_messages_and_values() -> None:
    kinds = _by_kind(issue_literals(ISSUE))
    assert [lit.text for lit in kinds["flag"]] == ["--dry-run"]
    assert kinds["flag"][0].patterns == ('"--dry-run"', "'--dry-run'")
    patterns = {p for lit in kinds["message"] for p in lit.patterns}
    # The error line's fixed text, without the values the program filled in.
    assert "Cannot merge frames of different shapes" in patterns
    # A long quoted sentence: both ends, as code wraps it.
    assert {"Using the cache outside of a", "of a session is not allowed."} <= patterns
    assert "To use it, open a session first." in patterns
    # A quoted sentence is searched whole too; the reporter's own short values only from prose
    # or inline code, never dict keys of a code block.
    assert "the quick brown fox jumps" in patterns
    values = {lit.text for lit in kinds["string"]}
    assert values == {"'fast'", "'strict'"}
    assert ("'fast'", '"fast"') in {lit.patterns for lit in kinds["string"]}


def test_fragments_drop_placeholders_and_window_long_sentences() -> None:
    assert fragments("Expected {n} items in the result list, got %d instead") == ["items in the result list, got"]
    assert fragments("value 'abc' is not a valid identifier for this field") == [
        "is not a valid identifier for this field"
    ]
    assert fragments("too short") == []
    long = "one two three four five six seven eight nine ten eleven twelve"
    # A long sentence is wrapped over several literals in code: each end is searched.
    assert fragments(long) == ["one two three four five six", "seven eight nine ten eleven twelve"]


def test_match_hits_and_innermost_symbol() -> None:
    lit_a = Literal("--dry-run", ('"--dry-run"',), "flag")
    lit_b = Literal("'fast'", ("'fast'", '"fast"'), "string")
    hits = [Hit("a.py", 5, 'add("--dry-run", mode="fast")'), Hit("b.py", 2, "x = 'fast'")]
    got = match_hits([lit_a, lit_b], hits)
    assert got[lit_a] == [hits[0]]
    assert got[lit_b] == hits
    syms = [
        Symbol("a.py:Cli", "a.py", "Cli", "Cli", "class", 1, 20),
        Symbol("a.py:Cli.options", "a.py", "Cli.options", "options", "method", 3, 8),
        Symbol("a.py:helper", "a.py", "helper", "helper", "function", 22, 30),
    ]
    assert innermost(syms, 5).id == "a.py:Cli.options"  # type: ignore[union-attr]
    assert innermost(syms, 12) is None  # a class attribute: no function holds it
    assert innermost(syms, 40) is None


def test_literal_evidence_shares_weight_and_skips_common_literals() -> None:
    msg = Literal("Cache is closed already", ("Cache is closed already",), "message")
    common = Literal("'name'", ("'name'",), "string")
    matched = {
        msg: [Hit("pkg/cache.py", 10, 'raise ValueError("Cache is closed already")'),
              Hit("pkg/store.py", 4, 'log("Cache is closed already")'),
              Hit("tests/test_cache.py", 7, 'match="Cache is closed already"')],
        common: [Hit(f"pkg/m{i}.py", 1, "x = 'name'") for i in range(MAX_LITERAL_FILES + 1)],
    }
    kept = distinctive_hits(matched)
    assert list(kept) == [msg]
    assert {h.path for h in kept[msg]} == {"pkg/cache.py", "pkg/store.py"}  # tests left out
    syms = {"pkg/cache.py": [Symbol("pkg/cache.py:Cache.close", "pkg/cache.py", "Cache.close", "close", "method", 8, 12)]}
    ev = literal_evidence(matched, syms)
    by_target = {e.target: e for e in ev}
    assert set(by_target) == {"pkg/cache.py", "pkg/store.py", "pkg/cache.py:Cache.close"}
    assert by_target["pkg/cache.py"].weight == LITERAL_STRENGTH["message"] / math.sqrt(2)
    assert by_target["pkg/cache.py:Cache.close"].note == 'literal "Cache is closed already" at pkg/cache.py:10'
    assert all(e.kind == "literal" for e in ev)


def test_localize_with_view_ranks_the_file_holding_the_message() -> None:
    files = {
        "pkg/cache.py": 'def close():\n    raise RuntimeError("Cache is closed already, reopen it")\n',
        "pkg/store.py": "def close():\n    return None\n",
    }
    symbols = [
        Symbol("pkg/cache.py:close", "pkg/cache.py", "close", "close", "function", 1, 2, "def close()"),
        Symbol("pkg/store.py:close", "pkg/store.py", "close", "close", "function", 1, 2, "def close()"),
    ]
    view = RepoView(files=files, symbols={s.id: s for s in symbols})
    issue = "Closing twice fails\n\nRuntimeError: Cache is closed already, reopen it\n"
    loc = localize_with(ViewAccess(view), issue, top_k=2)
    assert loc.files[0].path == "pkg/cache.py"
    assert any(e.startswith('literal "Cache is closed already') for e in loc.files[0].evidence)
    assert loc.functions[0].id == "pkg/cache.py:close"
    off = localize_with(ViewAccess(view), issue, top_k=2, weights=Weights(literal=0.0, func_literal=0.0))
    assert not any("literal" in e for f in off.files for e in f.evidence)


def _repo(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "cli.py").write_text(
        "def add_options(parser):\n"
        '    parser.add_argument("--collect-only", action="store_true")\n\n\n'
        "def main():\n    return 0\n"
    )
    (repo / "pkg" / "other.py").write_text("def helper():\n    return 1\n")
    (repo / "NOTES.txt").write_text('"--collect-only" is documented here, not defined\n')
    git(repo, "init", "-q")
    commit = commit_all(repo, "init")
    return repo, commit


def test_grep_real_repository_at_commit_and_working_tree(tmp_path: Path) -> None:
    repo, commit = _repo(tmp_path)
    files = ["pkg/__init__.py", "pkg/cli.py", "pkg/other.py", "NOTES.txt"]
    want = [Hit("pkg/cli.py", 2, '    parser.add_argument("--collect-only", action="store_true")')]
    assert grep(repo, commit, ['"--collect-only"'], files) == want  # docs never count
    # The working tree moves on; the commit's view does not.
    (repo / "pkg" / "other.py").write_text('FLAG = "--collect-only"\n')
    assert grep(repo, commit, ['"--collect-only"'], files) == want
    assert [h.path for h in grep(repo, None, ['"--collect-only"'], files)] == ["pkg/cli.py", "pkg/other.py"]
    # Failures mean no evidence, never an error.
    assert grep(repo, "0" * 40, ['"--collect-only"'], files) == []
    assert grep(tmp_path / "missing", None, ['"--collect-only"'], files) == []
    assert grep(None, commit, ['"--collect-only"'], files) == []


def test_localize_on_graph_uses_the_repository_on_disk(tmp_path: Path, monkeypatch) -> None:
    repo, commit = _repo(tmp_path)
    g = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo, None)
    try:
        g.index(repo, commit)
        issue = "Please add a short alias for `--collect-only`"
        loc = localize(g, issue, top_k=3)
        assert loc.files[0].path == "pkg/cli.py"
        assert 'literal "--collect-only" at pkg/cli.py:2' in loc.files[0].evidence
        assert loc.functions[0].id == "pkg/cli.py:add_options"
        # Without git on PATH the rest of localization still answers.
        monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
        loc2 = localize(g, issue, top_k=3)
        assert not any("literal" in e for f in loc2.files for e in f.evidence)
    finally:
        g.close()


@pytest.mark.neo4j
def test_literal_evidence_identical_on_both_backends(tmp_path: Path, neo4j_server) -> None:
    """The search reads the repository on disk, keyed by path and commit: no backend differs."""
    uri, user, password = neo4j_server
    repo, commit = _repo(tmp_path)
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo, None)
    neo = open_graph(
        GraphSettings(backend="neo4j", index_dir=tmp_path / "index", neo4j=Neo4jSettings(uri=uri, user=user, password=password)), repo, None
    )
    try:
        emb.index(repo, commit)
        neo.index(repo, commit)
        issue = "Please add a short alias for `--collect-only`; main() ignores it"
        got = localize(neo, issue, top_k=5)
        assert got == localize(emb, issue, top_k=5)
        assert 'literal "--collect-only" at pkg/cli.py:2' in got.files[0].evidence
    finally:
        emb.close()
        neo.close()
