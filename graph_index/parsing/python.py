"""Python extraction: definitions, imports (absolute and relative), calls (`self.x()` included),
inheritance, decorator references, docstrings and signatures, from one tree-sitter query."""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import inspect
import re
import warnings
from bisect import bisect_right
from collections.abc import Callable
from operator import attrgetter
from types import ModuleType

import tree_sitter as ts
import tree_sitter_python

from graph_index.parsing.facts import (
    ASSIGN,
    CALL,
    IMPORT,
    INHERIT,
    REFERENCE,
    FileFacts,
    Ref,
    Symbol,
    unique_qualname,
)
from graph_index.parsing.terms import identifier_terms, name_terms

LANGUAGE = ts.Language(tree_sitter_python.language())
_QUERY = ts.Query(
    LANGUAGE,
    """
    (class_definition) @def
    (function_definition) @def
    (call function: [(identifier) (attribute)] @call)
    (import_statement) @import
    (import_from_statement) @import
    (type) @annotation
    (assignment left: [(identifier) (attribute)] right: (call function: [(identifier) (attribute)])) @assign
    """,
)
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_SPACE = re.compile(r"\s+")
_NAME_IN_EXPR = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_CLASS_CHECKS = frozenset((b"isinstance", b"issubclass"))
_BUILTIN_TYPES = frozenset(
    ["int", "float", "str", "bytes", "bool", "None", "list", "dict", "set", "tuple", "object", "type", "complex", "frozenset", "Any", "Optional", "Union", "List", "Dict", "Set", "Tuple", "Callable", "Iterable", "Iterator", "Sequence", "Mapping", "typing"]
)
MAX_DOC = 4000
_START = attrgetter("start_byte")
_END = attrgetter("end_byte")


def _in_order(nodes: list[ts.Node]) -> list[ts.Node]:
    """Captured nodes in document order, outer before inner at one start: `QueryCursor.captures`
    returns each capture's nodes in set order, which differs from run to run."""
    return sorted(sorted(nodes, key=_END, reverse=True), key=_START)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _docstring(block: ts.Node | None) -> str:
    # named_child(0), not named_children[0]: the latter builds a node for every statement.
    first = block.named_child(0) if block is not None and block.named_child_count else None
    if first is None or first.type != "expression_statement" or first.named_child_count != 1:
        return ""
    node = first.named_child(0)
    if node.type != "string":
        return ""
    return _docstring_text(node.text.decode("utf-8", "replace"))


def _docstring_text(raw: str) -> str:
    """The value of a docstring literal as written (`raw` includes prefix and quotes)."""
    prefix = raw[: len(raw) - len(raw.lstrip("rRbBuUfF"))].lower()
    body = raw[len(prefix):]
    quote = body[:3] if body[:3] in ('"""', "\'\'\'") else body[:1]
    if "b" in prefix or not body.endswith(quote) or len(body) < 2 * len(quote):
        return ""
    value = body[len(quote) : len(body) - len(quote)]
    if "\\" in value and "r" not in prefix and "f" not in prefix:
        # Odd escapes: keep the text as written, and do not warn about the indexed code's style.
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = ast.literal_eval(body)
    return inspect.cleandoc(value)[:MAX_DOC] if "\n" in value else value.strip()[:MAX_DOC]


_COMMENT = re.compile(r"#[^\n]*")


def _one_line(header: str) -> str:
    """A def/class header on one line: comments dropped, whitespace collapsed, no colon."""
    text = _SPACE.sub(" ", _COMMENT.sub("", header)).strip()
    text = text.replace("( ", "(").replace(" )", ")").replace(", )", ")").replace(",)", ")")
    return text.rstrip(":").rstrip()


def _normalize_target(text: str) -> tuple[str, str]:
    """(target, name) for a call or decorator expression as written."""
    text = _SPACE.sub("", text)
    if _DOTTED.fullmatch(text):
        return text, text.rsplit(".", 1)[-1]
    if text.startswith("super()."):
        rest = text[8:]
        if _DOTTED.fullmatch(rest):
            return "super." + rest, rest.rsplit(".", 1)[-1]
    tail = text.rsplit(".", 1)[-1]
    return "", tail if _DOTTED.fullmatch(tail) else ""


def _decorator(raw: str) -> tuple[str, str, str]:
    """(decorator as shown in a signature, target, name) of a decorator's text."""
    text = raw.lstrip("@").strip()
    return ("@" + _SPACE.sub(" ", text), *_normalize_target(text.split("(", 1)[0]))


def _no_space(text: str) -> str:
    return _SPACE.sub("", text)


def extract(data: bytes) -> FileFacts:
    """Facts of one Python source file (syntax errors keep what tree-sitter recovered)."""
    errors, lines, _package, syms, refs = extract_rows(data)
    return FileFacts("python", [Symbol(*row) for row in syms], [Ref(*row) for row in refs], bool(errors), lines)


def extract_rows(data: bytes) -> tuple[int, int, str, list[tuple], list[tuple]]:
    """(errors, lines, package, symbol rows, ref rows) of one Python file: `extract` as the
    plain tuples a process pool returns. The native extractor when it builds (see
    `graph_index.parsing.native`), else `extract_rows_python`; both return identical rows."""
    native = native_extractor()
    return native.extract_rows(data) if native is not None else extract_rows_python(data)


@functools.cache
def native_extractor() -> ModuleType | None:
    """The compiled extractor for this process, or None (switched off, or no compiler)."""
    from graph_index.parsing.native import load

    return load(tree_sitter_python.language(), native_helpers())


def native_helpers() -> dict[str, Callable]:
    """The string steps the native extractor leaves to this module (non-ASCII text, docstrings
    with escapes), so that both extractors share one definition of each."""
    return {
        "docstring": _docstring_text,
        "one_line": _one_line,
        "normalize": _normalize_target,
        "decorator": _decorator,
        "no_space": _no_space,
    }


def extract_rows_python(data: bytes) -> tuple[int, int, str, list[tuple], list[tuple]]:
    """`extract_rows` in Python, from one tree-sitter query. Built as tuples directly, with refs
    deduplicated as they come: this runs for every definition and call of a repository."""
    tree = ts.Parser(LANGUAGE).parse(data)
    root = tree.root_node
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    module_doc = _docstring(root)
    # Symbol rows: (kind, name, qualname, parent, start, end, signature, docstring, hash, terms).
    symbols: list[tuple] = [("module", "", "", -1, 1, max(n_lines, 1), "", module_doc, "", module_doc)]
    quals: list[str] = [""]
    lines: list[tuple[int, int]] = [(1, max(n_lines, 1))]
    # Ref rows keyed by (src, kind, target, name, alias) -> first line, in extraction order.
    refs: dict[tuple, int] = {}
    add_ref = refs.setdefault
    caps = ts.QueryCursor(_QUERY).captures(root)

    # Definitions, nested by byte range: a stack sweep over defs in document order.
    defs = _in_order(caps.get("def", []))
    starts: list[int] = []
    ends: list[int] = [len(data) + 1]
    parents: list[int] = [-1]
    seen: dict[str, int] = {}
    stack: list[int] = [0]
    for node in defs:
        outer = node.parent
        decorated = outer is not None and outer.type == "decorated_definition"
        span_node = outer if decorated else node
        # Decorators belong to the definition they decorate, so its span starts at the first one.
        start = span_node.start_byte
        while len(stack) > 1 and ends[stack[-1]] <= start:
            stack.pop()
        parent = stack[-1]
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        name = name_node.text.decode("utf-8", "replace") if name_node else "?"
        is_class = node.type == "class_definition"
        qual = name if parent == 0 else f"{quals[parent]}.{name}"
        qual = unique_qualname(qual, seen)
        end_byte = node.end_byte
        body_start = body.start_byte if body is not None else end_byte
        head = _one_line(data[node.start_byte : body_start].decode("utf-8", "replace"))
        index = len(symbols)
        if decorated:
            decorators: list[str] = []
            for child in outer.named_children:
                if child.type == "decorator":
                    shown, target, last = _decorator(child.text.decode("utf-8", "replace"))
                    decorators.append(shown)
                    if last:
                        add_ref((index, REFERENCE, target, last, ""), child.start_point[0] + 1)
            signature = "\n".join([*decorators, head]) if decorators else head
        else:
            signature = head
        first_line = span_node.start_point[0] + 1
        last_line = node.end_point[0] + 1
        if is_class:
            terms = name_terms(name)
            bases = node.child_by_field_name("superclasses")
            if bases is not None:
                for arg in bases.named_children:
                    if arg.type in ("identifier", "attribute"):
                        target, last = _normalize_target(arg.text.decode("utf-8", "replace"))
                        if last:
                            add_ref((index, INHERIT, target, last, ""), arg.start_point[0] + 1)
        else:
            terms = name_terms(name) + " " + identifier_terms(data[body_start:end_byte])
        symbols.append((
            "class" if is_class else "function", name, qual, parent, first_line, last_line, signature,
            _docstring(body), content_hash(data[start:end_byte]), terms,
        ))
        quals.append(qual)
        lines.append((first_line, last_line))
        starts.append(start)
        ends.append(end_byte)
        parents.append(parent)
        stack.append(index)

    def enclosing(pos: int) -> int:
        i = bisect_right(starts, pos)  # defs starting at or before pos; symbol index = i
        while i > 0 and ends[i] <= pos:
            i = parents[i]
        return max(i, 0)

    # Calls are most of the captures (800k in sympy): find the enclosing definition by line, keep
    # the first line per (scope, callee text), and normalize each distinct text once.
    owner = [0] * (n_lines + 2)  # innermost definition of each row; inner defs overwrite outer
    for i in range(1, len(symbols)):
        lo, hi = lines[i]
        owner[lo - 1 : hi] = [i] * (hi - lo + 1)
    first_row: dict[tuple[int, bytes], int] = {}
    remember = first_row.setdefault
    classinfo: list[ts.Node] = []
    # In document order (captures come as a set): the first line of each callee is kept.
    for node in _in_order(caps.get("call", [])):
        (row, _), lo, hi = node.start_point, node.start_byte, node.end_byte
        text = data[lo:hi]
        remember((owner[row], text), row)
        if text in _CLASS_CHECKS:
            args = node.next_named_sibling
            if args is not None and args.named_child_count >= 2:
                classinfo.append(args.named_children[1])
    normalized: dict[bytes, tuple[str, str]] = {}
    for (src, raw), row in first_row.items():
        if src < 0:
            continue
        norm = normalized.get(raw)
        if norm is None:
            norm = normalized[raw] = _normalize_target(raw.decode("utf-8", "replace"))
        target, last = norm
        if last and target != "super":
            add_ref((src, CALL, target, last, ""), row + 1)

    # Names used without being called: annotations and isinstance/issubclass class arguments.
    marker = len(first_row)
    for node in (*_in_order(caps.get("annotation", [])), *classinfo):
        row = node.start_point[0]
        for raw in _NAME_IN_EXPR.findall(node.text):
            remember((-owner[row] - 1, raw), row)
    if len(first_row) > marker:
        for (src, raw), row in first_row.items():
            if src >= 0:
                continue
            target, last = _normalize_target(raw.decode("utf-8", "replace"))
            if last and last not in _BUILTIN_TYPES and target not in _BUILTIN_TYPES:
                add_ref((-src - 1, REFERENCE, target, last, ""), row + 1)

    # `x = Foo(...)` and `self.x = Foo(...)`: what a name holds, so `x.m()` can resolve later.
    for node in _in_order(caps.get("assign", [])):
        left = node.child_by_field_name("left")
        lhs = left.text.decode("utf-8", "replace")
        if left.type == "attribute" and not lhs.startswith(("self.", "cls.")) or lhs.count(".") > 1:
            continue
        fn = node.child_by_field_name("right").child_by_field_name("function")
        target, last = _normalize_target(fn.text.decode("utf-8", "replace"))
        if last:
            row = node.start_point[0]
            add_ref((owner[row], ASSIGN, target, lhs, ""), row + 1)

    # Document order matters here: the first import of a name binds it.
    for node in _in_order(caps.get("import", [])):
        src = enclosing(node.start_byte)
        line = node.start_point[0] + 1
        if node.type == "import_statement":
            for child in node.named_children:
                if child.type == "dotted_name":
                    add_ref((src, IMPORT, child.text.decode("utf-8", "replace"), "", ""), line)
                elif child.type == "aliased_import":
                    mod = child.child_by_field_name("name")
                    alias = child.child_by_field_name("alias")
                    if mod is not None and alias is not None:
                        add_ref((src, IMPORT, mod.text.decode("utf-8", "replace"), "", alias.text.decode("utf-8", "replace")), line)
            continue
        module_node = node.child_by_field_name("module_name")
        if module_node is None:
            continue
        spec = _no_space(module_node.text.decode("utf-8", "replace"))
        for child in node.named_children:
            if child.id == module_node.id:
                continue
            if child.type == "dotted_name":
                add_ref((src, IMPORT, spec, child.text.decode("utf-8", "replace"), ""), line)
            elif child.type == "aliased_import":
                name = child.child_by_field_name("name")
                alias = child.child_by_field_name("alias")
                if name is not None and alias is not None:
                    add_ref((src, IMPORT, spec, name.text.decode("utf-8", "replace"), alias.text.decode("utf-8", "replace")), line)
            elif child.type == "wildcard_import":
                add_ref((src, IMPORT, spec, "*", ""), line)
    return int(root.has_error), n_lines, "", symbols, [(*key, line) for key, line in refs.items()]


def _dedupe(refs: list[Ref]) -> list[Ref]:
    """One ref per (src, kind, target, name, alias), the first seen (extraction order is
    deterministic, so this is too)."""
    first: dict[tuple, Ref] = {}
    for ref in refs:
        first.setdefault((ref.src, ref.kind, ref.target, ref.name, ref.alias), ref)
    return list(first.values())
