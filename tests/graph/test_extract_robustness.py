"""Extraction never crashes: mutated sources, invalid UTF-8, empty files, every language."""

from __future__ import annotations

import random

import pytest

from graph_index.parsing import extract_rows

from .conftest import FIXTURES
from .helpers import mutate

SOURCES = {
    "python": FIXTURES / "python/pkg/child.py",
    "javascript": FIXTURES / "javascript/src/shape.js",
    "typescript": FIXTURES / "typescript/src/model.ts",
    "tsx": FIXTURES / "typescript/src/app.ts",
    "java": FIXTURES / "java/src/main/java/com/acme/Greeter.java",
    "go": FIXTURES / "go/main.go",
}
NOISE = b'(){}[]:;.,"\'\n\t #@=\\'


@pytest.mark.parametrize("language", sorted(SOURCES))
def test_mutated_sources_extract_without_errors(language: str) -> None:
    rng = random.Random(language)
    source = SOURCES[language].read_bytes()
    for _ in range(150):
        data = mutate(source, rng, NOISE, edits=25, cut=20, insert=5, junk=8)
        sha, lang, errors, lines, _package, symbols, refs = extract_rows(("x", language, data))
        assert symbols[0][0] == "module" and lines >= 0 and errors in (0, 1)
        assert all(0 <= ref[0] < len(symbols) for ref in refs)
        assert all(0 <= sym[3] < len(symbols) for sym in symbols[1:])
    for data in (b"", b"\n", b"\xff\xfe\x00", b"class", b"def", b"func", b"import"):
        extract_rows(("x", language, data))


def test_arrow_function_signature_stops_at_its_body() -> None:
    rows = extract_rows(("x", "tsx", b"export const A = (x: number) => { return go(x); };\n"))
    (_, _, _, _, _, symbols, refs) = rows
    assert symbols[1][1:3] == ("A", "A") and symbols[1][6] == "A = (x: number) =>"
    assert (1, "call", "go", "go", "", 1) in refs


def test_process_pool_returns_every_file_in_bounded_windows(monkeypatch) -> None:
    from graph_index import indexer
    from graph_index.sources import SourceFile

    items = [
        (SourceFile(f"f{i}.py", f"{i:040d}", "python"), b"def f%d():\n    return g()\n" % i * (i % 7 + 1))
        for i in range(indexer.POOL_THRESHOLD * 3)
    ]
    items.append((SourceFile("bin.py", "b" * 40, "python"), b"\x00\x01binary"))
    monkeypatch.setattr(indexer, "WINDOW_BYTES", 2000)  # many windows
    rows = list(indexer.parse_files(iter(items), len(items), workers=2))
    assert rows.count(None) == 1
    assert sorted(r[0] for r in rows if r) == sorted(f.sha for f, _ in items[:-1])
    by_sha = {r[0]: r for r in rows if r}
    assert by_sha[f"{5:040d}"][5][1][1] == "f5"  # the definition came back with its file


def test_refs_follow_document_order() -> None:
    # Captures come back from tree-sitter as sets; extraction must not depend on their order:
    # each callee keeps its first line, and imports keep source order (the first one binds).
    py = "".join(f"from mod{i} import thing\n" for i in range(30)) + "\ndef f():\n"
    py += "".join(f"    helper({i})\n    other.run({i})\n" for i in range(60))
    js = "".join(f"import {{ thing }} from './mod{i}';\n" for i in range(30)) + "\nfunction f() {\n"
    js += "".join(f"  helper({i});\n  other.run({i});\n" for i in range(60)) + "}\n"
    for language, source in (("python", py), ("javascript", js)):
        _, _, errors, _, _, _, refs = extract_rows(("x", language, source.encode()))
        assert errors == 0
        calls = [(r[2], r[5]) for r in refs if r[1] == "call"]
        assert calls == [("helper", 33), ("other.run", 34)], language
        imports = [r[2] for r in refs if r[1] == "import"]
        assert [t.lstrip("./") for t in imports] == [f"mod{i}" for i in range(30)], language
