"""Python extraction by top-level chunks gives exactly the rows of whole-file extraction, and
a chunk cache makes a small edit re-extract only the chunks it touched."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from graph_index import GraphSettings
from graph_index.embedded import EmbeddedGraph
from graph_index.parsing import chunks, python

TRICKY = b'''#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Module docstring.

With a second paragraph.
"""
from __future__ import annotations

import os
import sys as system
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from collections import OrderedDict

CONSTANT: Optional[int] = None
registry = dict()
isinstance(registry, Mapping)


def plain(a: int, b: "Thing" = None) -> Optional[Result]:
    """Plain function."""
    os.path.join("a", "b")
    return helper(a) + helper(b)

# A comment between definitions belongs to the chunk before.

@decorator
@other.decorator(
    arg=1,
)
# a comment between decorator and def
def decorated(x):
    return isinstance(x, (Base, Other)) and issubclass(type(x), Base)


async def coroutine() -> None:
    await plain(1)


class Base(object, metaclass=Meta):
    """A class."""

    attr: ClassVar[int] = 0
    made = Factory()

    def method(self) -> "Base":
        self.other = Helper()
        self.other.run()
        return super().method()

    @property
    def prop(self):
        import json
        return json.dumps({})

    class Inner(Base):
        def method(self):
            return plain(2)


def plain(a):  # redefined: numbered plain#2
    return a


class Base(Base):  # redefined with methods: Base#2.method
    def method(self):
        return isinstance(self, Base)


TEMPLATE = "\\ndef not_a_function():\\n    pass\\n"

registry = dict()
isinstance(registry, Mapping)
import os
from .sibling import thing as other_thing
from . import *

if __name__ == "__main__":
    plain(1)
    system.exit(main())
'''


def cases() -> dict[str, bytes]:
    out = {
        "tricky": TRICKY,
        "crlf": TRICKY.replace(b"\n", b"\r\n"),
        "no trailing newline": TRICKY.rstrip(b"\n"),
        "starts with a def": b"def a():\n    return b()\n\n\ndef b():\n    return a()\n",
        "starts with a decorator": b"@dec\ndef a():\n    pass\n@dec\nclass B:\n    x: int\n",
        "def inside a string at column 0": b'X = """\ndef inside():\n    pass\n"""\n\n\ndef outside():\n    pass\n',
        "def inside a string the quote count misses": (
            b'# a comment with """ in it\nX = """\ndef inside():\n    pass\n"""\n\n\ndef outside():\n    pass\n'
        ),
        "def inside brackets at column 0": b"X = [\n1,\n]\nY = (\n    2,\n)\ndef f():\n    return X\n",
        "unbalanced bracket": b"X = foo(\n\ndef f():\n    pass\n\ndef g():\n    pass\n",
        "syntax error in a definition": b"def f(:\n    pass\n\n\ndef g():\n    return h()\n",
        "backslash continuation": b"X = 1 + \\\ndef_value\nclass_ = 2\n\ndef f():\n    return X\n",
        "decorator without definition": b"@dec\n\nx = 1\n\ndef f():\n    pass\n",
        "module-level refs repeated": (
            b"import a\nx: A = make()\nisinstance(x, B)\n\ndef f():\n    pass\n\nimport a\nx: A = make()\n"
            b"isinstance(x, B)\ny: B = 1\nisinstance(y, A)\n\ndef g(p: A):\n    pass\n"
        ),
        "tabs and form feed": b"def f():\n\treturn 1\n\x0c\ndef g():\n\treturn f()\n",
        "only comments and a def": b"# one\n# two\n\ndef f():\n    pass\n# trailing\n",
        "trailing indented comment": b"class A:\n    def f(self):\n        pass\n    # c\n\n# d\ndef g():\n    pass\n    # e\n",
        "empty": b"",
        "one line": b"x = 1",
        # Members of classes are pieces of their own.
        "class, then an indented def in module code": (
            b"class A:\n    def f(self):\n        pass\n\nif X:\n    def g():\n        pass\n"
        ),
        "class, then try/except with defs": (
            b"class A:\n    def f(self):\n        pass\n\ntry:\n    def g():\n        pass\nexcept E:\n"
            b"    def g():\n        pass\n"
        ),
        "member def inside a string at the body's indentation": (
            b'class A:\n    def f(self):\n        return """\n    def fake(self):\n        pass\n"""\n\n'
            b"    def g(self):\n        pass\n"
        ),
        "class body opening with a conditional block of defs": (
            b"class Stat:\n    if TYPE_CHECKING:\n\n        @property\n        def size(self) -> int: ...\n\n"
            b"    def __getattr__(self, name):\n        return name\n\n    @property\n    def owner(self):\n        return 1\n"
        ),
        "multi-line class header": b"class A(\n    Base,\n):\n    def f(self):\n        pass\n\n    def g(self):\n        pass\n",
        "tab-indented class": b"class A:\n\tx = 1\n\tdef f(self):\n\t\treturn g()\n\tdef g(self):\n\t\tpass\n",
        "property setters and nested classes": (
            b"class A(B):\n    '''Doc.'''\n    @property\n    def x(self):\n        return 1\n    @x.setter\n"
            b"    def x(self, v):\n        self._x = V()\n    class Meta:\n        def f(self): pass\n"
            b"        def f(self): pass\n    attr: Thing = make()\n    isinstance(attr, Thing)\n"
            b"    # trailing comment\n\n# module comment\nA.register(x)\n"
        ),
        "class at the end without a newline": (
            b"import os\n\n\nclass A:\n    def f(self):\n        pass\n    def g(self):\n        os.x()"
        ),
        "member with a trailing comment at the class's indentation": (
            b"class A:\n    def f(self):\n        pass\n        # deeper\n    # at body\n\n    def g(self):\n"
            b"        pass  # end   \n"
        ),
        "class with a decorator and a one-line body after the colon": b"@dec\nclass A: pass\n\ndef f():\n    pass\n",
    }
    return out


@pytest.fixture
def fine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every definition its own piece and every class cut into members, however small."""
    monkeypatch.setattr(chunks, "CLASS_SPLIT", 0)
    monkeypatch.setattr(chunks, "GROUP_ONE_IN", 1)


@pytest.mark.parametrize("granularity", ["fine", "default"])
@pytest.mark.parametrize("name", list(cases()))
def test_chunked_rows_equal_whole_file_rows(name: str, granularity: str, request: pytest.FixtureRequest) -> None:
    if granularity == "fine":
        request.getfixturevalue("fine")
    data = cases()[name]
    rows, _new = chunks.chunked_rows(data)
    assert rows == python.extract_rows(data)


def test_the_tricky_file_is_cut_and_merged_not_extracted_whole(fine: None) -> None:
    # Without this, parity could hold only because every case fell back to whole-file extraction.
    assert len(chunks.split(TRICKY)) == 7
    found = chunks.pieces(TRICKY)
    # Base: method, prop, Inner; Base#2: method.
    assert [kind for *_, kind in found].count(chunks.MEMBER) == 4
    _rows, new = chunks.chunked_rows(TRICKY)
    assert len(new) == len(found) and not any(entry[0] for entry in new.values())
    for name in ("def inside a string the quote count misses", "unbalanced bracket", "syntax error in a definition"):
        _rows, new = chunks.chunked_rows(cases()[name])
        assert any(entry[0] for entry in new.values()), name
    assert len(chunks.split(cases()["backslash continuation"])) == 2  # no cut after the backslash
    data = cases()["def inside a string at column 0"]
    assert chunks.split(data) == [0, data.index(b"def outside")]  # nor after an odd '"""'
    assert len(chunks.pieces(cases()["member def inside a string at the body's indentation"])) == 2


def test_an_edit_re_extracts_only_the_chunks_it_touched(fine: None) -> None:
    _rows, first = chunks.chunked_rows(TRICKY)
    edited = TRICKY.replace(b"await plain(1)", b"await plain(2)\n    await plain(3)")
    rows, new = chunks.chunked_rows(edited, first)
    assert rows == python.extract_rows(edited)
    assert len(new) == 1
    (entry,) = new.values()
    assert [s[1] for s in entry[2]] == ["coroutine"]
    # An edited method is the one new piece of its class.
    method = edited.replace(b"self.other.run()", b"self.other.run(1)")
    rows, newest = chunks.chunked_rows(method, {**first, **new})
    assert rows == python.extract_rows(method)
    (entry,) = newest.values()
    assert [s[1] for s in entry[2]] == ["_", "method"]
    # A lookup function works as well as a mapping, and asks for every chunk of the file once.
    asked: list[list[str]] = []

    def lookup(keys: list[str]) -> dict[str, tuple]:
        asked.append(keys)
        return {k: v for k, v in {**first, **new}.items() if k in keys}

    rows, newer = chunks.chunked_rows(edited, lookup)
    assert rows == python.extract_rows(edited) and newer == {}
    assert asked == [chunks.piece_keys(edited)]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def _repo_with_tricky(tmp_path: Path) -> tuple[Path, str]:
    """A git repository whose one commit holds TRICKY as mod.py; (path, commit)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.invalid")
    _git(repo, "config", "user.name", "t")
    (repo / "mod.py").write_bytes(TRICKY)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "one")
    return repo, _git(repo, "rev-parse", "HEAD")


def test_small_definitions_are_grouped_with_ends_that_an_edit_does_not_move() -> None:
    defs = [b"def f%d(x):\n    return g(x) + %d\n\n\n" % (i, i) for i in range(40)]
    data = b"import os\n\n\n" + b"".join(defs)
    found = chunks.pieces(data)
    assert 3 < len(found) < 30  # grouped, a few definitions a piece
    assert chunks.chunked_rows(data)[0] == python.extract_rows(data)
    edited = data.replace(b"return g(x) + 17\n", b"return g(x) + 17 + h(x)\n")
    keys = set(chunks.piece_keys(data))
    new = [k for k in chunks.piece_keys(edited) if k not in keys]
    assert 1 <= len(new) <= 2  # the edited definition's piece (and the one it may join)
    # The finest cut (the benchmarks' floor of definition reuse): every definition alone.
    finest = chunks.pieces(data, class_split=0, grouped=False)
    assert len(finest) == 41 and finest[1] == (data.index(b"def f0"), data.index(b"def f1"), chunks.TOP)
    assert chunks.pieces(data) == found  # the keywords leave extraction's cut alone


def test_the_finest_cut_is_the_cut_of_the_smallest_settings(fine: None) -> None:
    assert chunks.pieces(TRICKY, class_split=0, grouped=False) == chunks.pieces(TRICKY)


def test_a_piece_alone_gives_the_entry_the_merge_uses(fine: None) -> None:
    # The benchmarks time definitions extracted alone through `extract_piece`: it must be
    # what `chunked_rows` extracts for the same piece, members inside their stand-in class.
    _rows, entries = chunks.chunked_rows(TRICKY)
    found = chunks.pieces(TRICKY)
    kinds = {kind for _, _, kind in found}
    assert chunks.MEMBER in kinds and chunks.TOP in kinds
    for (lo, hi, kind), key in zip(found, chunks.piece_keys(TRICKY), strict=True):
        entry = chunks.extract_piece(TRICKY[lo:hi], kind)
        assert entry == entries[key] and entry[0] == 0
        stand_in = [sym[:4] for sym in entry[2][:1]] == [("class", "_", "_", 0)]
        assert stand_in == (kind == chunks.MEMBER)


def test_the_embedded_index_shares_chunks_between_commits(tmp_path: Path, fine: None) -> None:
    repo, first = _repo_with_tricky(tmp_path)
    edited = TRICKY.replace(b"await plain(1)", b"await plain(2)")
    (repo / "mod.py").write_bytes(edited)
    _git(repo, "commit", "-qam", "two")
    second = _git(repo, "rev-parse", "HEAD")

    index = tmp_path / "index.sqlite"
    graph = EmbeddedGraph.open(GraphSettings(piece_cache="on"), repo, index_path=index)
    try:
        graph.index(repo, first)
        stored = graph.store.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        assert stored == len(chunks.pieces(TRICKY))
        graph.index(repo, second)
        # One new chunk entry: the edited coroutine's.
        assert graph.store.db.execute("SELECT count(*) FROM chunks").fetchone()[0] == stored + 1
        (blob,) = [b for p, b, _ in graph.store.view_files(graph.view.id) if p == "mod.py"]
        _errors, _lines, _package, syms, refs = python.extract_rows(edited)
        assert graph.store.blob_syms(blob) == [row[:9] for row in syms]
        assert graph.store.blob_refs(blob) == refs
        assert [n.id for n in graph.symbol("coroutine")] == ["mod.py:coroutine"]
    finally:
        graph.close()


def test_the_piece_cache_is_off_outside_batches_unless_asked(tmp_path: Path) -> None:
    repo, commit = _repo_with_tricky(tmp_path)
    graph = EmbeddedGraph.open(GraphSettings(), repo, index_path=tmp_path / "index.sqlite")
    try:
        graph.index(repo, commit)
        # A single index pays no piece extraction and stores no entries (`piece_cache: auto`).
        assert graph.store.db.execute("SELECT count(*) FROM chunks").fetchone()[0] == 0
        assert [n.id for n in graph.symbol("coroutine")] == ["mod.py:coroutine"]
    finally:
        graph.close()
