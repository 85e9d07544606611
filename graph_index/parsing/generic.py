"""A query-driven extractor shared by JavaScript/TypeScript, Java and Go: definitions, imports,
calls and base types from one tree-sitter query per language, nested by byte range."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import tree_sitter as ts

from graph_index.parsing.facts import CALL, IMPORT, INHERIT, FileFacts, Ref, Symbol, unique_qualname
from graph_index.parsing.python import _dedupe, _in_order, content_hash
from graph_index.parsing.terms import identifier_terms, name_terms

_SPACE = re.compile(r"\s+")
_DOTTED = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")

ImportRow = tuple[str, str, str]  # (target, name, alias)


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    language: ts.Language
    query: ts.Query
    """Captures: @class, @function (definitions with a `name` field), @call (callee expression
    or a node `call_target` understands), @import (statements `imports` understands),
    @inherit (base type expressions), @package."""
    imports: Callable[[ts.Node], list[ImportRow]]
    call_target: Callable[[ts.Node], str] | None = None
    def_name: Callable[[ts.Node], tuple[str, str]] | None = None
    """(name, owner) for definitions whose name is not simply the `name` field (Go methods)."""


def text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _doc_comment(node: ts.Node) -> str:
    if node.parent is not None and node.parent.type in ("export_statement", "lexical_declaration", "variable_declaration"):
        node = node.parent
        if node.parent is not None and node.parent.type == "export_statement":
            node = node.parent
    prev = node.prev_named_sibling
    if prev is None or prev.type not in ("comment", "block_comment", "line_comment"):
        return ""
    if prev.end_point[0] < node.start_point[0] - 1:
        return ""
    raw = text(prev)
    lines = []
    for line in raw.splitlines():
        line = line.strip()
        for prefix in ("/**", "/*", "*/", "*", "//"):
            if line.startswith(prefix):
                line = line[len(prefix):]
                break
        line = line.removesuffix("*/").strip()
        lines.append(line)
    return "\n".join(lines).strip()[:4000]


def _normalize(expr: str) -> tuple[str, str]:
    expr = _SPACE.sub("", expr)
    if _DOTTED.fullmatch(expr):
        return expr, expr.rsplit(".", 1)[-1]
    tail = expr.rsplit(".", 1)[-1]
    return "", tail if _DOTTED.fullmatch(tail) else ""


def extract_with(spec: LanguageSpec, data: bytes) -> FileFacts:
    """Facts of one file for a language described by `spec`."""
    root = ts.Parser(spec.language).parse(data).root_node
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    facts = FileFacts(language=spec.name, errors=root.has_error, lines=n_lines)
    module = Symbol("module", "", "", -1, 1, max(n_lines, 1))
    facts.symbols.append(module)
    caps = ts.QueryCursor(spec.query).captures(root)
    for node in caps.get("package", ()):
        facts.package = _SPACE.sub("", text(node))
    defs = sorted(
        [(n, "class") for n in caps.get("class", ())] + [(n, "function") for n in caps.get("function", ())],
        key=lambda item: (item[0].start_byte, -item[0].end_byte),
    )
    symbols, refs = facts.symbols, facts.refs
    starts: list[int] = []
    ends: list[int] = [len(data) + 1]
    parents: list[int] = [-1]
    stack = [0]
    seen: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for node, kind in defs:
        start = node.start_byte
        while len(stack) > 1 and ends[stack[-1]] <= start:
            stack.pop()
        parent = stack[-1]
        if spec.def_name is not None:
            name, owner = spec.def_name(node)
        else:
            name, owner = text(node.child_by_field_name("name")), ""
        if not name:
            continue
        if owner and parent == 0 and owner in by_name:
            qual = f"{owner}.{name}"
            parent = by_name[owner]
        elif owner:
            qual = f"{owner}.{name}"
        else:
            qual = name if parent == 0 else f"{symbols[parent].qualname}.{name}"
        qual = unique_qualname(qual, seen)
        body = node.child_by_field_name("body")
        if body is None and node.type == "variable_declarator":  # const f = (x) => { ... }
            value = node.child_by_field_name("value")
            body = value.child_by_field_name("body") if value is not None else None
        body_start = body.start_byte if body is not None else node.end_byte
        head = _SPACE.sub(" ", data[start:body_start].decode("utf-8", "replace")).strip().rstrip("{").strip()
        sym = Symbol(kind, name, qual, parent, node.start_point[0] + 1, node.end_point[0] + 1, head,
                     _doc_comment(node), content_hash(data[start:node.end_byte]))
        sym.terms = name_terms(name) + ("" if kind == "class" else " " + identifier_terms(data[body_start:node.end_byte]))
        index = len(symbols)
        symbols.append(sym)
        if parent == 0 and "." not in qual:
            by_name.setdefault(qual, index)
        starts.append(start)
        ends.append(node.end_byte)
        parents.append(parent)
        stack.append(index)

    order = sorted(range(1, len(symbols)), key=lambda i: starts[i - 1])
    sorted_starts = [starts[i - 1] for i in order]

    def enclosing(pos: int) -> int:
        j = bisect_right(sorted_starts, pos)
        while j > 0:
            idx = order[j - 1]
            if ends[idx] > pos:
                # innermost: walk forward candidates already handled by sort order
                return idx
            j -= 1
        return 0

    for node in _in_order(caps.get("call", [])):
        expr = spec.call_target(node) if spec.call_target is not None else text(node)
        target, last = _normalize(expr)
        if last:
            refs.append(Ref(enclosing(node.start_byte), CALL, target, last, "", node.start_point[0] + 1))
    for node in _in_order(caps.get("inherit", [])):
        target, last = _normalize(text(node))
        if last:
            refs.append(Ref(enclosing(node.start_byte), INHERIT, target, last, "", node.start_point[0] + 1))
    for node in _in_order(caps.get("import", [])):
        src = enclosing(node.start_byte)
        for target, name, alias in spec.imports(node):
            if target:
                refs.append(Ref(src, IMPORT, target, name, alias, node.start_point[0] + 1))
    facts.refs = _dedupe(refs)
    return facts
