"""The native Python extractor returns exactly the Python extractor's rows: tricky sources, real
files of this repository, and randomly mutated sources (error recovery); plus its switches."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import tree_sitter_python

from graph_index.parsing import native
from graph_index.parsing import python as py

from .conftest import FIXTURES
from .helpers import mutate

ROOT = Path(__file__).resolve().parents[2]

CASES: dict[str, bytes] = {
    "empty": b"",
    "newline": b"\n",
    "no_trailing_newline": b"import os\nos.getcwd()",
    "only_comments": b"# one\n# two\n",
    "decorators": b'''
import functools as ft
@app.route("/x", methods=["GET"])
@staticmethod
def handler(): return render()

@ a . b (1)
# a comment between decorators
@c.d
class Decorated(Base):
    @property
    def value(self) -> int:
        """The value."""
        return self._v
    @value.setter
    def value(self, v): self._v = v
    @(lambda f: f)
    def weird(self): ...
    @ft.wraps(handler)
    @  spaced  .  name  (  1 ,  2  )
    async def spaced(self): await go()
''',
    "nested": b'''
def outer(a):
    def inner(b):
        class Local(object):
            def method(self):
                return helper(b)
        return Local().method()
    def inner(c):  # a second inner: qualname outer.inner#2
        return c
    return inner(a)

class Outer:
    class Inner:
        def f(self): pass
    def f(self): pass
    def f(self): pass
''',
    "async_and_lambda": b'''
async def fetch(session, url):
    async with session.get(url) as resp:
        async for chunk in resp.content.iter_chunked(1024):
            yield await process(chunk)
key = lambda item: sorted(item.values())[0]
values = [transform(v) for v in gen() if check(v)]
result = (lambda: make())()
f()()
x[0]()
a.b(c).d(e)
''',
    "syntax_errors": b'''
def broken(:
    pass
class
def ok(x):
    return call(x
class Half(Base:
    def m(self): return 1
)))
def after(): return done()
''',
    "non_utf8": b"# -*- coding: latin-1 -*-\n# caf\xe9\ndef f\xe9(x):\n    '''d\xe9j\xe0 vu'''\n    return g\xfe(x) + h(\xff)\nclass K\xe9(B\xe9se):\n    pass\n",
    "crlf": b'def f():\r\n    """Doc\r\n    more lines\r\n    """\r\n    return g()\r\n\r\nclass C:\r\n    x = Y()\r\n',
    "docstrings": b'''"""Module doc.

    Indented continuation.
"""
def raw():
    r"""Raw \\n stays."""
def escaped():
    """Tab\\there and newline\\nthere."""
def bad_escape():
    """Odd \\N{NOT A NAME} escape."""
def bytes_doc():
    b"""bytes are not docstrings"""
def fstring():
    f"""f {x} string"""
def single():
    'single quoted'
def concatenated():
    "a" "b"
def unicode_doc():
    """Caf\xc3\xa9 \xe2\x80\x94 dash\xc2\xa0nbsp.

        indented line
    """
def tabs():
    """First.

\tTabbed line.
    """
def only_comment_first():
    # comment
    """not the docstring?"""
def empty_doc():
    """"""
def upper_prefix():
    U"""Upper prefix."""
def long_doc():
    """''' + b"x" * 5000 + b'''"""
''',
    "type_hints": b'''
from typing import Dict, List, Optional
def f(a: List[int], b: "Foo" = None, *args: Any, c: mod.Bar | None = None, **kw: Dict[str, Baz]) -> Optional[Qux]:
    x: Dict[str, Baz] = {}
    y: Widget = make_widget()
    return isinstance(a, (Alpha, beta.Beta)) or issubclass(b, Gamma) or isinstance(c)
type Alias = list[Thing]
''',
    "imports": b'''
import os, sys as system
import a.b.c as abc, d . e
from . import sibling
from .. import parent as p
from ..pkg.mod import (one, two as too,
    three)
from .mod import *
from __future__ import annotations
from x import y.z
def late():
    import json
    from collections import OrderedDict as OD
    return json.dumps(OD())
''',
    "assignments": b'''
class Service:
    def __init__(self, cfg):
        self.client = http.Client(cfg)
        cls.registry = Registry()
        self.a.b = Nested()
        other.attr = Skipped()
        local = Factory.create(cfg)
        x, y = pair()
        z = w = Chain()
        annotated: Client = Client()
        self.fn = self.make()
        counter += step()
''',
    "super_and_calls": b'''
class Child(Parent, mixins.Mixin, metaclass=Meta, *extra):
    def __init__(self):
        super().__init__()
        super(Child, self).setup()
        super().  spaced  ()
        self.save()
        os.path.join("a", "b")
        getattr(self, "x")()
        (yield)
''',
    "camel_terms": b'''
def getHTTPResponse2Code(HTTPServerError, XMLHttpRequest, already_snake_case, ABC, x9Yz):
    return parseURLToHTMLPage(ABCDef, aB, Ab, AB1c, __dunder__, ''' + b"Aa" * 300 + b''')
class HTTPServer2XMLParser: pass
''',
    "signatures": b'''
def f(a,  # first
      b="#not a comment",  # second
      c=( 1 , ) ,
      ) -> "Result":  # trailing
    pass
def g(
    x,
):
    pass
class K(
    Base,
): pass
def  spaced  ( a ,b ) :
    pass
''',
    "one_liners": b"class A: x = f(); y = g()\ndef a(): pass; b()\nif True: c()\n",
    "unicode_identifiers": "def funci\u00f3n(\u00f1):\n    return \u00f1 + tama\u00f1o(\u00f1)\nclass \u00dcn\u00efcode(Ba\u00dfe):\n    \"\"\"\u00c9t\u00e9.\"\"\"\n    def m\u00e9thode(self): return caf\u00e9.cr\u00e8me()\n".encode(),
    "unicode_whitespace": "x = foo\u00a0.bar()\ndef f(a,\u00a0b): pass\nfrom\u00a0a import b\n@dec\u00a0.x\ndef g(): pass\n".encode(),
    "control_chars": b"\x0cdef f():\n\x0b    return g()\x1c\n\x00\x01class C: pass\n",
    "match_and_walrus": b'''
match command.split():
    case [action, obj]:
        handle(action, obj)
    case Point(x=0):
        origin()
if (n := compute()) > 10:
    report(n)
''',
    "python2": b'''
print "hello"
exec "code"
def f(x, (a, b)):
    print >>sys.stderr, x
class Old:
    def m(self): raise Error, "msg"
''',
    "deep_expression": b"x = " + b" + ".join(b"a%d(y)" % i for i in range(3000)) + b"\n" + b"y = " + b"(" * 300 + b"z" + b")" * 300 + b"\n",
    # Definition spans of every length around BLAKE2b's 128-byte blocks (content hashes).
    "hash_lengths": b"".join(b"def f%d(): return '%s'\n" % (i, b"x" * i) for i in range(300)),
    # Docstring prefixes, quotes and bodies: cleandoc's margins, blank lines, tabs, CR, spaces.
    "docstring_shapes": b"".join(
        b"def d%d_%d():\n    %s%s%s%s\n" % (i, j, prefix, quote, body, quote)
        for i, prefix in enumerate([b"", b"r", b"u", b"R", b"b", b"f", b"rb", b"Rf"])
        for j, (quote, body) in enumerate(
            (q, b) for q in (b'"', b"'", b'"""', b"'''")
            for b in (b"", b" ", b"x", b"  padded  ", b"tab\tinside", b"cr\rinside", b"\\n escaped")
        )
    ) + b"".join(
        b"def m%d():\n    \"\"\"%s\"\"\"\n" % (i, body)
        for i, body in enumerate([
            b"\n", b"   \n   ", b"First\n\n    second\n      third\n    ", b"\n\n  a\n\n  b\n\n",
            b"First\n\tTabbed\n        spaced", b"x\r\n    y\r\n", b"  lead\n  x\n \n", b"a\n\x0c   b\n",
            b"only\n" + b"y" * 4100, b"w" * 4100, b"\x1c\n\x1d  x",
        ])
    ),
    "main_guard": b'''#!/usr/bin/env python
"""Script."""
if __name__ == "__main__":
    main(sys.argv[1:])
''',
}


@pytest.fixture(scope="module")
def extractor():
    """The native module, built now (a missing compiler fails here, never skips)."""
    mp = pytest.MonkeyPatch()
    mp.setenv(native.ENV_SWITCH, "require")
    try:
        module = native.load(tree_sitter_python.language(), py.native_helpers())
    finally:
        mp.undo()
    assert module is not None
    return module


def assert_same(extractor, data: bytes, label: str) -> None:
    expected = py.extract_rows_python(data)
    got = extractor.extract_rows(data)
    assert got[:3] == expected[:3], label
    for i, (a, b) in enumerate(zip(expected[3], got[3], strict=False)):
        assert a == b, f"{label}: symbol {i}"
    assert len(got[3]) == len(expected[3]), label
    for i, (a, b) in enumerate(zip(expected[4], got[4], strict=False)):
        assert a == b, f"{label}: ref {i}"
    assert len(got[4]) == len(expected[4]), label


@pytest.mark.parametrize("name", sorted(CASES))
def test_native_rows_equal_python_rows(extractor, name: str) -> None:
    assert_same(extractor, CASES[name], name)


def test_cases_exercise_what_they_name(extractor) -> None:
    """The fixtures really contain what parity is asserted over (not vacuous)."""
    _, _, _, symbols, refs = extractor.extract_rows(CASES["decorators"] + CASES["assignments"] + CASES["imports"])
    kinds = {ref[1] for ref in refs}
    assert {"call", "import", "inherit", "reference", "assign"} <= kinds
    assert any(s[6].startswith("@") and "\n" in s[6] for s in symbols)
    assert any(ref[2] == "..pkg.mod" and ref[3] == "two" and ref[4] == "too" for ref in refs)
    assert any(ref[3] == "self.client" for ref in refs)
    errors, *_ = extractor.extract_rows(CASES["syntax_errors"])
    assert errors == 1
    _, _, _, symbols, _ = extractor.extract_rows(CASES["docstrings"])
    docs = {s[1]: s[7] for s in symbols}
    assert docs["escaped"].endswith("newline\nthere.") and docs["bytes_doc"] == ""  # escapes evaluated
    assert len(docs["long_doc"]) == py.MAX_DOC


def test_native_rows_equal_python_rows_on_repository_files(extractor) -> None:
    files = sorted(p for d in ("graph_index", "orchestrator", "agents", "harness", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py"))
    files += sorted((FIXTURES / "python").rglob("*.py"))
    assert len(files) > 100
    for path in files:
        assert_same(extractor, path.read_bytes(), str(path.relative_to(ROOT)))


NOISE = b'(){}[]:;.,"\'\n\r\t #@=\\'


@pytest.mark.parametrize("name", ["decorators", "nested", "docstrings", "imports", "assignments", "type_hints"])
def test_native_rows_equal_python_rows_on_mutated_sources(extractor, name: str) -> None:
    rng = random.Random(name)
    source = CASES[name]
    for _ in range(120):
        data = mutate(source, rng, NOISE, edits=12, cut=12, insert=4, junk=6)
        assert_same(extractor, data, f"{name} mutated: {data!r}")


def test_switch_off_uses_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.ENV_SWITCH, "0")
    assert native.load(tree_sitter_python.language(), {}) is None


def test_no_compiler_falls_back_and_require_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(native.ENV_CACHE, str(tmp_path))  # an empty cache: a build is needed
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    monkeypatch.setenv(native.ENV_SWITCH, "auto")
    assert native.load(tree_sitter_python.language(), {}) is None
    monkeypatch.setenv(native.ENV_SWITCH, "require")
    with pytest.raises(native.NativeBuildError):
        native.load(tree_sitter_python.language(), {})


def test_build_is_cached_by_source(monkeypatch: pytest.MonkeyPatch) -> None:
    first = native.build()
    assert first.exists() and native.build() == first
    assert first.parent == native.cache_dir()


def test_concurrent_first_builds_compile_once(tmp_path: Path) -> None:
    """Two processes needing the module at once with an empty cache: one compiles under the lock,
    the other waits and loads the same file; nothing half-written is left behind."""
    import os
    import subprocess
    import sys

    env = {**os.environ, native.ENV_CACHE: str(tmp_path), native.ENV_SWITCH: "require"}
    code = (
        "from graph_index.parsing.python import native_extractor as n, extract_rows_python as p\n"
        "m = n(); src = open('graph_index/parsing/chunks.py', 'rb').read()\n"
        "assert m.extract_rows(src) == p(src); print(m.__file__)"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=300)[0].strip().splitlines() for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    assert sum("compiling the native extractor" in line for out in outputs for line in out) == 1
    paths = {out[-1] for out in outputs}
    assert len(paths) == 1
    built = sorted(p.name for p in tmp_path.iterdir() if p.name != "build.lock")
    assert built == [Path(paths.pop()).name]


def test_old_builds_are_pruned_newest_kept(tmp_path: Path) -> None:
    ext = ".cpython-311-x86_64-linux-gnu.so"
    builds = [tmp_path / f"{native.MODULE}-{i:020x}{ext}" for i in range(6)]
    for age, path in enumerate(builds):
        path.write_bytes(b"")
        os.utime(path, (1_000_000 - age * 100, 1_000_000 - age * 100))
    other = tmp_path / "build.lock"
    other.write_text("")
    removed = native.prune(tmp_path, ext, keep=4)
    assert sorted(removed) == sorted(builds[4:])
    assert sorted(tmp_path.iterdir()) == sorted([*builds[:4], other])
