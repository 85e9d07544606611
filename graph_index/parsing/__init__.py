"""Per-file extraction with tree-sitter: one module per language, all yielding `FileFacts`."""

from __future__ import annotations

from graph_index.parsing.facts import FileFacts, Ref, Symbol

ROW_VERSION = 1


def extract(language: str, data: bytes) -> FileFacts:
    """Facts of one file in `language` (python, javascript, typescript, tsx, java, go)."""
    if language == "python":
        from graph_index.parsing.python import extract as run
    elif language in ("javascript", "typescript", "tsx"):
        from graph_index.parsing.javascript import extract_for

        return extract_for(language, data)
    elif language == "java":
        from graph_index.parsing.java import extract as run
    elif language == "go":
        from graph_index.parsing.go import extract as run
    else:
        raise ValueError(f"no extractor for {language!r}")
    return run(data)


def extract_rows(item: tuple[str, str, bytes]) -> tuple:
    """(sha, language, errors, lines, package, symbol rows, ref rows) — the picklable form a
    process pool returns and the stores write."""
    sha, language, data = item
    if language == "python":
        from graph_index.parsing.python import extract_rows as python_rows

        return (sha, language, *python_rows(data))
    facts = extract(language, data)
    return (
        sha,
        language,
        int(facts.errors),
        facts.lines,
        facts.package,
        [s.row() for s in facts.symbols],
        [r.row() for r in facts.refs],
    )


def symbol_from_row(row: tuple) -> Symbol:
    return Symbol(*row)


def ref_from_row(row: tuple) -> Ref:
    return Ref(*row)


__all__ = ["FileFacts", "Ref", "Symbol", "extract", "extract_rows", "ref_from_row", "symbol_from_row"]
