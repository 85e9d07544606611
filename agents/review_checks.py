"""Deterministic review checks: weakened tests and calls to symbols that exist nowhere.

These run before the reviewer model and override an approval: a model can be talked into
approving a patch that deletes the failing assertion; a line count cannot.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable

from agents.diffs import FileChange, is_test_path, parse_diff
from agents.protocols import GraphLike

_SKIP = re.compile(r"@pytest\.mark\.(skip|skipif|xfail)\b|\bpytest\.(skip|xfail)\(|@unittest\.(skip|expectedFailure)|\.skipTest\(")
_ASSERT = re.compile(r"^\s*assert\b|\.assert[A-Z]\w*\(|\bpytest\.raises\(|\bassert_\w+\(")
_TEST_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(test\w*)\s*\(")
_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\(")
_SELF_CALL = re.compile(r"\bself\.([A-Za-z_]\w*)\s*\(")
_KNOWN = set(dir(builtins)) | set(keyword.kwlist) | {"self", "cls", "super", "print", "match", "case"}


def weakened_tests(diff: str, protected: dict[str, str] | None = None,
                   read_file: Callable[[str], str] | None = None) -> list[str]:
    """Reasons the diff weakens tests. `protected` maps test paths to content that must not change
    (the reproduction test as the tester wrote it)."""
    findings: list[str] = []
    for ch in parse_diff(diff):
        if not is_test_path(ch.path):
            continue
        if ch.deleted:
            findings.append(f"deletes test file {ch.path}")
            continue
        removed_tests = {m.group(1) for _, t in ch.removed if (m := _TEST_DEF.match(t))}
        added_tests = {m.group(1) for _, t in ch.added if (m := _TEST_DEF.match(t))}
        for name in sorted(removed_tests - added_tests):
            findings.append(f"removes test {name} from {ch.path}")
        for _, t in ch.added:
            if _SKIP.search(t):
                findings.append(f"adds a skip/xfail in {ch.path}: {t.strip()[:120]}")
            if re.match(r"^\s*assert\s+(True|1)\s*(#.*)?$", t):
                findings.append(f"adds a vacuous assertion in {ch.path}: {t.strip()}")
        lost = sum(bool(_ASSERT.search(t)) for _, t in ch.removed) - sum(bool(_ASSERT.search(t)) for _, t in ch.added)
        if lost > 0 and not ch.new_file:
            findings.append(f"removes {lost} assertion(s) from {ch.path}")
    for path, original in (protected or {}).items():
        if read_file is None:
            break
        try:
            now = read_file(path)
        except Exception:
            findings.append(f"the reproduction test {path} was deleted")
            continue
        if now != original:
            findings.append(f"the reproduction test {path} was modified after it was confirmed to fail")
    return findings


def _defined_in(text: str, name: str) -> bool:
    n = re.escape(name)
    return bool(re.search(rf"\b(def|class)\s+{n}\b|\bimport\b[^\n]*\b{n}\b|\bas\s+{n}\b|^\s*{n}\s*[:=]|"
                          rf"\bfor\s+[^\n]*\b{n}\b[^\n]*\bin\b|\bdef\s+\w+\s*\([^)]*\b{n}\b|\blambda\b[^:]*\b{n}\b|"
                          rf"\bwith\b[^\n]*\bas\s+\(?[^\n]*\b{n}\b|\b{n}\s*:=|\bexcept\b[^\n]*\bas\s+{n}\b",
                          text, re.MULTILINE))


def unknown_symbols(diff: str, graph: GraphLike, read_file: Callable[[str], str]) -> list[str]:
    """Calls the patch adds to names defined nowhere: not builtins, not in the file, not in the graph."""
    findings: list[str] = []
    for ch in parse_diff(diff):
        if not ch.path.endswith(".py") or ch.deleted:
            continue
        findings += _unknown_in_change(ch, graph, read_file)
    return findings


def _unknown_in_change(ch: FileChange, graph: GraphLike, read_file: Callable[[str], str]) -> list[str]:
    try:
        text = read_file(ch.path)
    except Exception:
        text = "\n".join(t for _, t in ch.added)
    if re.search(r"^\s*from\s+\S+\s+import\s+\*", text, re.MULTILINE):
        return []  # a star import can define any name; guessing would only produce false alarms
    names: dict[str, int] = {}
    methods: dict[str, int] = {}
    for line_no, t in ch.added:
        code = re.sub(r"(\"[^\"]*\"|'[^']*')", '""', t.split("#", 1)[0])  # strings and comments are not calls
        if re.match(r"^\s*(def|class)\s", code):
            continue
        for m in _CALL.finditer(code):
            names.setdefault(m.group(1), line_no)
        for m in _SELF_CALL.finditer(code):
            methods.setdefault(m.group(1), line_no)
    out = []
    for name, line_no in names.items():
        if name in _KNOWN or _defined_in(text, name) or graph.symbol(name):
            continue
        out.append(f"{ch.path}:{line_no} calls {name}(), which is defined nowhere in the repository")
    for name, line_no in methods.items():
        if re.search(rf"\bdef\s+{re.escape(name)}\b", text) or graph.symbol(name):
            continue
        out.append(f"{ch.path}:{line_no} calls self.{name}(), a method that does not exist")
    return out
